"""WCAG 2.2 AA, proven in a real browser (issue 16): axe-core (npm, copied by scripts/setup) run
by Playwright in Debian's chromium on every page type with the WCAG 2.0, 2.1 and 2.2 A and AA
rules, 0 violations; a keyboard-only journey; and every page type loading under the
Content-Security-Policy with no violation. The axe report (JSON) and screenshots are written to
test-output/ for people to look at."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import REPO, LiveServer
from playwright.sync_api import Browser, ConsoleMessage, Page

AXE = REPO / "service" / "rolegraph" / "static" / "vendor" / "axe-core" / "axe.min.js"
OUT = REPO / "test-output" / "accessibility"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
QUERY = ("SELECT%20%3Frole%20%3Flabel%20WHERE%20%7B%20%3Frole%20a%20%3Chttps%3A%2F%2Fw3id.org"
         "%2Frolegraph%2Fdef%23Role%3E%20%3B%20%3Chttp%3A%2F%2Fwww.w3.org%2F2000%2F01%2Frdf-schema"
         "%23label%3E%20%3Flabel%20%7D")

# Every page type a person can reach, by name (the name of its screenshot and report).
PAGES = {
    "home": "/",
    "roles": "/roles",
    "role": "/id/role/iro",
    "functions": "/functions",
    "function": "/id/function/monitor-la-performance",
    "models": "/models",
    "model": "/id/model/current",
    "coverage": "/coverage",
    "coverage-filtered": "/coverage?setting=childrens-home&severity=violation",
    "diff": "/diff?a=current&b=care-review-2022",
    "diff-law": "/diff?a=law@2003-01-01&b=current",
    "around": "/around?setting=childrens-home&model=current",
    "evidence": "/evidence",
    "timeline": "/timeline/role/iro",
    "legislation": "/legislation",
    "instrument": "/legislation/anaw/2014/4",
    "provision": "/legislation/anaw/2014/4/section/100",
    "sources": "/sources",
    "source": "/id/source/afc-2024",
    "positions": "/positions",
    "position": "/id/position/dickens-criticisms-of-iros",
    "entity": "/id/setting/childrens-home",
    "queries": "/queries",
    "query-result": "/queries/iro-functions-under-care-review",
    "query-editor": f"/query?query={QUERY}",
    "query-plain-result": f"/query?query={QUERY}&run=1",
    "validate": "/validate",
    "search": "/search?q=reg+44",
    "data": "/data/",
    "whos-who": "/whos-who/childrens-home",
    "whos-who-adults": "/whos-who/childrens-home?view=adults",
    "card": "/roles/iro/card",
    "error": "/id/role/no-such-role",
    "def": "/def",
    "accessibility": "/accessibility",
    "sparql-form": "/sparql",
}
ERROR_PAGES = {"error"}  # answered with 404: the page must still be accessible




class Tab:
    """A page that records console errors and Content-Security-Policy violations (both the
    console's report and the `securitypolicyviolation` event, with where it came from)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.errors: list[str] = []
        self.expect_404 = False  # the error page's own 404 (its one console message)
        page.on("console", self.console)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))

    def console(self, message: ConsoleMessage) -> None:
        text = message.text
        document_404 = self.expect_404 and text.startswith(
            "Failed to load resource: the server responded with a status of 404")
        csp = "Content Security Policy" in text or "Content-Security-Policy" in text
        if (message.type == "error" and not document_404) or csp:
            self.errors.append(f"console {message.type} on {self.page.url}: {text}")

    def violations(self) -> list[str]:
        found: list[str] = self.page.evaluate("window.__cspViolations || []")
        return found


CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push(
  `${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`));
"""


@pytest.fixture
def tab(browser: Browser) -> Iterator[Tab]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield Tab(page)
    context.close()


def open_page(tab: Tab, url: str, name: str) -> None:
    tab.expect_404 = name in ERROR_PAGES
    response = tab.page.goto(url, wait_until="load")
    assert response is not None
    assert response.status == (404 if name in ERROR_PAGES else 200), (name, response.status)
    if name == "query-editor":  # YASGUI draws the editor; run the query so its results count too
        run_query_in_editor(tab.page)


def run_query_in_editor(page: Page) -> None:
    page.locator(".yasqe .CodeMirror").wait_for()
    page.locator(".yasqe_queryButton").click()
    page.locator(".yasr table tbody tr").first.wait_for()


def axe(page: Page) -> dict[str, Any]:
    """axe-core's results for the page, WCAG 2.0/2.1/2.2 A and AA rules only. The script is
    evaluated through the DevTools protocol, which the page's CSP does not govern."""
    assert AXE.exists(), "scripts/setup copies node_modules/axe-core/axe.min.js here"
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    results: dict[str, Any] = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: "
        "['violations']})", WCAG_TAGS)
    return results


def write_report(name: str, url: str, results: dict[str, Any]) -> None:
    """One JSON file per page, and test-output/accessibility/axe-report.json for them all."""
    OUT.mkdir(parents=True, exist_ok=True)
    entry = {"page": name, "url": url, "tags": WCAG_TAGS,
             "axe": results.get("testEngine", {}).get("version"),
             "violations": [{"id": v["id"], "impact": v["impact"], "help": v["help"],
                             "nodes": [n["target"] for n in v["nodes"]]}
                            for v in results["violations"]],
             "passes": len(results.get("passes", [])),
             "incomplete": [v["id"] for v in results.get("incomplete", [])]}
    (OUT / f"axe-{name}.json").write_text(json.dumps(entry, indent=2), encoding="utf-8")
    combined = OUT / "axe-report.json"
    report = json.loads(combined.read_text(encoding="utf-8")) if combined.exists() else {}
    report[name] = entry
    combined.write_text(json.dumps(report, indent=2, sort_keys=True), encoding="utf-8")


def explain(results: dict[str, Any]) -> str:
    return "\n".join(f"{v['id']} ({v['impact']}): {v['help']}; "
                     f"{len(v['nodes'])} node(s), e.g. {v['nodes'][0]['target']}"
                     for v in results["violations"])


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_type_has_no_wcag_violations(
    name: str, tab: Tab, site_server: LiveServer
) -> None:
    url = site_server.url + PAGES[name]
    open_page(tab, url, name)
    results = axe(tab.page)
    write_report(name, url, results)
    OUT.mkdir(parents=True, exist_ok=True)
    tab.page.screenshot(path=str(OUT / f"{name}.png"), full_page=name not in (
        "coverage", "legislation", "def", "evidence", "whos-who-adults", "data"))
    assert results["violations"] == [], f"{name} ({url}):\n{explain(results)}"
    # axe ran the WCAG rules on this page (not an empty run that passes anything)
    assert results["testEngine"]["name"] == "axe-core"
    assert len(results["passes"]) >= 5, [r["id"] for r in results["passes"]]


@pytest.mark.parametrize("name", ["home", "coverage", "diff", "around", "query-editor",
                                  "whos-who", "accessibility"])
def test_main_pages_have_no_wcag_violations_on_a_phone(
    name: str, browser: Browser, site_server: LiveServer
) -> None:
    """The same rules at 375 CSS pixels wide (reflow, and targets that wrap onto new lines)."""
    context = browser.new_context(viewport={"width": 375, "height": 800})
    try:
        tab = Tab(context.new_page())
        url = site_server.url + PAGES[name]
        open_page(tab, url, name)
        results = axe(tab.page)
        write_report(f"{name}-phone", url, results)
        tab.page.screenshot(path=str(OUT / f"{name}-phone.png"))
        assert results["violations"] == [], f"{name} ({url}) at 375px:\n{explain(results)}"
        assert tab.errors == [], tab.errors
    finally:
        context.close()


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_type_loads_under_the_csp_without_violations(
    name: str, tab: Tab, site_server: LiveServer
) -> None:
    url = site_server.url + PAGES[name]
    response = tab.page.request.get(url)
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy and "style-src 'self'" in policy, policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    open_page(tab, url, name)
    tab.page.wait_for_timeout(300)  # late violations (a script's work after load)
    assert tab.violations() == [], tab.violations()
    assert tab.errors == [], tab.errors
    # the page's own styles applied: no style sheet was refused
    sheets = tab.page.evaluate("document.styleSheets.length")
    assert sheets >= 1


def test_the_listener_sees_a_csp_violation(tab: Tab, site_server: LiveServer) -> None:
    """The check above can fail: an inline style added to a served page is reported."""
    tab.page.goto(site_server.url + "/roles")
    tab.page.evaluate("""() => { const s = document.createElement('style');
        s.textContent = 'body { color: red }'; document.head.appendChild(s); }""")
    tab.page.wait_for_timeout(300)
    assert any("style-src" in v for v in tab.violations()), tab.violations()
    assert tab.page.evaluate("getComputedStyle(document.body).color") != "rgb(255, 0, 0)"


def focused(page: Page) -> dict[str, Any]:
    info: dict[str, Any] = page.evaluate("""() => { const e = document.activeElement;
        const s = getComputedStyle(e);
        return {tag: e.tagName, id: e.id, text: (e.textContent || '').trim().slice(0, 80),
                name: e.getAttribute('aria-label') || (e.labels && e.labels[0] ?
                      e.labels[0].textContent.trim() : ''),
                outline: s.outlineStyle, outlineWidth: parseFloat(s.outlineWidth),
                background: s.backgroundColor, href: e.getAttribute('href') || ''}; }""")
    return info


def tab_until(page: Page, want: Any, limit: int = 400) -> dict[str, Any]:
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        if want(now):
            return now
    raise AssertionError("never reached by Tab")


def assert_visible_focus(info: dict[str, Any]) -> None:
    assert info["outline"] != "none" and info["outlineWidth"] >= 2, info


def eventually(check: Any, seconds: float = 5.0) -> None:
    """Poll from the test (page.wait_for_function evaluates strings, which the CSP forbids)."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.05)


def press_until(page: Page, key: str, moved: Any, presses: int = 6) -> None:
    """Press a key, then wait for its effect: a loaded runner may animate a keyboard scroll
    slowly, and a scroll on one axis can cut short one still running on the other."""
    for _ in range(presses):
        page.keyboard.press(key)
        try:
            eventually(moved, seconds=2.0)
            return
        except AssertionError:
            continue
    raise AssertionError(f"{key} pressed {presses} times and nothing moved")


def test_keyboard_only_journey(tab: Tab, site_server: LiveServer) -> None:
    """Skip link, visible focus, the coverage matrix and the diff used without a mouse, and the
    query editor's controls named."""
    page = tab.page
    OUT.mkdir(parents=True, exist_ok=True)
    page.goto(site_server.url + "/")
    page.keyboard.press("Tab")
    skip = focused(page)
    assert skip["text"] == "Skip to main content" and skip["href"] == "#main"
    assert_visible_focus(skip)
    assert page.locator(".skip-link").bounding_box()["x"] >= 0  # type: ignore[index]  # shown on focus
    page.screenshot(path=str(OUT / "keyboard-skip-link.png"))
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"

    # the main navigation to Coverage, by keyboard alone
    page.keyboard.press("Shift+Tab")
    link = tab_until(page, lambda f: f["tag"] == "A" and f["href"] == "/coverage")
    assert_visible_focus(link)
    page.keyboard.press("Enter")
    page.wait_for_url("**/coverage")

    # the filters: choose a setting and a severity, tick a model, submit with the keyboard
    tab_until(page, lambda f: f["tag"] == "SELECT" and f["id"] == "setting")
    page.keyboard.press("ArrowDown")  # the first setting after "all settings"
    tab_until(page, lambda f: f["tag"] == "SELECT" and f["id"] == "severity")
    tab_until(page, lambda f: f["tag"] == "INPUT" and "current" in f["name"].lower())
    page.keyboard.press("Space")
    button = tab_until(page, lambda f: f["tag"] == "BUTTON" and f["text"] == "Show")
    assert_visible_focus(button)
    page.keyboard.press("Enter")
    page.wait_for_url("**/coverage?**model=current**")
    assert page.locator("table.matrix thead th").count() == 2  # the function and one model

    # the matrix scrolls by keyboard: it is a named, focusable region
    page.goto(site_server.url + "/coverage")
    region = tab_until(page, lambda f: "Coverage matrix" in f["name"])
    assert_visible_focus(region)
    scroller = page.locator(".matrix-scroll")
    assert scroller.evaluate("e => e.scrollWidth > e.clientWidth")  # wider than the screen
    press_until(page, "ArrowRight", lambda: scroller.evaluate("e => e.scrollLeft > 0"))
    press_until(page, "PageDown", lambda: scroller.evaluate("e => e.scrollTop > 0"))
    assert scroller.evaluate("e => e === document.activeElement && e.scrollLeft > 0")
    # a cell's link is reached and followed by keyboard
    cell = tab_until(page, lambda f: f["tag"] == "A" and f["href"].startswith("/id/role/"))
    assert_visible_focus(cell)
    page.screenshot(path=str(OUT / "keyboard-coverage.png"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/id/role/**")

    # the diff: two models typed in, compared, the sections reached from the contents
    page.goto(site_server.url + "/diff")
    tab_until(page, lambda f: f["id"] == "a")
    page.keyboard.press("Control+A")
    page.keyboard.type("current")
    page.keyboard.press("Tab")
    page.keyboard.press("Control+A")
    page.keyboard.type("care-review-2022")
    page.keyboard.press("Enter")
    page.wait_for_url("**/diff?a=current&b=care-review-2022")
    tab_until(page, lambda f: f["href"] == "#amend")
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#amend"
    page.goto(site_server.url + "/diff?a=current&b=care-review-2022")
    region = tab_until(page, lambda f: "What moves where" in f["name"])
    assert_visible_focus(region)
    page.screenshot(path=str(OUT / "keyboard-diff.png"))

    # the query editor: every control it draws has a name, and the query runs from the keyboard
    page.goto(site_server.url + f"/query?query={QUERY}")
    page.locator(".yasqe .CodeMirror").wait_for()
    editor = tab_until(page, lambda f: f["tag"] == "TEXTAREA")
    assert editor["name"] == "SPARQL query"
    page.keyboard.press("Control+Enter")  # YASQE's "run query" key
    page.locator(".yasr table tbody tr").first.wait_for()
    unnamed = page.evaluate("""() => Array.from(document.querySelectorAll(
        '#yasgui input, #yasgui select, #yasgui textarea, #yasgui button'))
        .filter(e => e.offsetParent !== null)
        .filter(e => !(e.getAttribute('aria-label') || e.getAttribute('title') ||
                       (e.labels && e.labels.length) || e.textContent.trim()))
        .map(e => e.outerHTML.slice(0, 120))""")
    assert unnamed == []
    run = page.locator(".yasqe_queryButton")
    assert run.get_attribute("aria-label") == "Run query"
    page.screenshot(path=str(OUT / "keyboard-query-editor.png"), full_page=True)
    assert tab.errors == [], tab.errors


def test_accessibility_statement_is_linked_from_every_page(
    tab: Tab, site_server: LiveServer
) -> None:
    page = tab.page
    for path in ("/", "/coverage", "/id/role/iro"):
        page.goto(site_server.url + path)
        footer = page.locator(".site-footer").get_by_role("link", name="Accessibility statement")
        assert footer.get_attribute("href") == "/accessibility"
    page.goto(site_server.url + "/accessibility")
    assert page.locator("h1").inner_text() == "Accessibility statement for rolegraph"
    headings = page.locator("h2").all_inner_texts()
    for expected in ("How accessible this website is", "Feedback and contact information",
                     "Reporting accessibility problems with this website",
                     "Enforcement procedure", "Non-accessible content",
                     "Preparation of this accessibility statement"):
        assert expected in headings, headings
    assert "WCAG" in page.locator("main").inner_text() or "Web Content Accessibility" in \
        page.locator("main").inner_text()
