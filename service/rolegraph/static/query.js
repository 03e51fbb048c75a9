// The query page: YASGUI (from npm, copied into static/vendor by scripts/setup) bound to this
// service's /sparql endpoint, with the query from ?query= and a permalink kept up to date.
// Without JavaScript (or without the vendored files) the plain form below it still works.
// The results table's column resizer (YASR) injects its rules as a <style> element, which the
// Content-Security-Policy forbids (no inline style): its rules are in static/query.css, so
// the <style> elements it adds to <head> are left out. Nothing else is ever appended there.
(function () {
  "use strict";
  var head = document.head;
  var append = head.appendChild;
  head.appendChild = function (node) {
    if (node && node.nodeName === "STYLE") { return node; }
    return append.call(head, node);
  };
})();


(function () {
  "use strict";
  var holder = document.getElementById("yasgui");
  if (!holder || typeof window.Yasgui === "undefined") { return; }
  document.documentElement.classList.add("js");
  var params = new URLSearchParams(window.location.search);
  var initial = params.get("query") || document.getElementById("query-text").value;
  var endpoint = new URL(holder.dataset.endpoint, window.location.href).href;
  var yasgui = new window.Yasgui(holder, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    persistenceId: null,
    populateFromUrl: false,
    autofocus: false,
    yasqe: { resizeable: true, persistenceId: null, showQueryButton: true }
  });
  labelControls(holder);
  new MutationObserver(function () { labelControls(holder); })
    .observe(holder, { childList: true, subtree: true });
  var tab = yasgui.getTab();
  var yasqe = tab.getYasqe();
  yasqe.setValue(initial);
  var permalink = document.getElementById("permalink");
  function update() {
    var url = new URL("/query", window.location.href);
    url.searchParams.set("query", yasqe.getValue());
    permalink.href = url.pathname + url.search;
    window.history.replaceState(null, "", permalink.href);
  }
  yasqe.on("change", update);
  update();
  window.rolegraphYasgui = yasgui;

  // YASGUI draws some controls with no accessible name: name each one that lacks one.
  function labelControls(root) {
    var names = [
      [".CodeMirror textarea", "SPARQL query"],
      ["input.autocomplete", "SPARQL endpoint"],
      ["select.tableSizer", "Rows per page"],
      [".tableFilter input, input.tableFilter", "Filter the results"],
      [".dataTables_filter input", "Filter the results"],
      [".dt-search input", "Filter the results"],
      [".dt-length select", "Rows per page"]
    ];
    names.forEach(function (pair) {
      root.querySelectorAll(pair[0]).forEach(function (el) {
        if (!el.getAttribute("aria-label") && !el.labels?.length) {
          el.setAttribute("aria-label", pair[1]);
        }
      });
    });
    // A scrolling region must be reachable by keyboard (WCAG 2.1.1).
    root.querySelectorAll(".yasr .dataTables_scrollBody, .yasr .tableWrapper").forEach(function (el) {
      if (!el.hasAttribute("tabindex")) { el.setAttribute("tabindex", "0"); }
    });
  }
})();

