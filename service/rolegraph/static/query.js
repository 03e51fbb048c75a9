// The query page: YASGUI (from npm, copied into static/vendor by scripts/setup) bound to this
// service's /sparql endpoint, with the query from ?query= and a permalink kept up to date.
// Without JavaScript (or without the vendored files) the plain form below it still works.
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
})();
