"""The pages in a real browser: Debian's chromium driven by Playwright (never a downloaded
browser), against `rolegraph serve` on a free port. Fails on any JavaScript console error or
broken same-origin link; screenshots go to test-output/screenshots/ for people to look at."""

from __future__ import annotations

import subprocess
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
from conftest import REPO, LiveServer
from PIL import Image
from playwright.sync_api import Browser, ConsoleMessage, Page
from pypdf import PdfReader

from rolegraph.analysis.questions import Analysis

SHOTS = REPO / "test-output" / "screenshots"
PRINTS = REPO / "test-output" / "print"
A4 = (595.3, 841.9)  # points, portrait




class Visit:
    """A browser tab that records console errors and every same-origin link it sees."""

    def __init__(self, page: Page, base: str) -> None:
        self.page = page
        self.base = base
        self.errors: list[str] = []
        self.links: set[str] = set()
        page.on("console", self.console)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console error on {self.page.url}: {message.text}")

    def collect(self) -> None:
        hrefs = self.page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        assets = self.page.eval_on_selector_all(
            "link[href], script[src]", "els => els.map(e => e.href || e.src)")
        for url in [*hrefs, *assets]:
            url = urldefrag(url)[0]
            if urlsplit(url).netloc == urlsplit(self.base).netloc:
                self.links.add(url)

    def shot(self, name: str, full: bool = False) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full)


@pytest.fixture
def visit(browser: Browser, site_server: LiveServer) -> Iterator[Visit]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    tab = Visit(page, site_server.url)
    yield tab
    context.close()


def test_journey_home_role_matrix_diff_query(
    visit: Visit, site_server: LiveServer, analysis: Analysis
) -> None:
    functions = len(analysis.report.functions)
    page = visit.page
    page.goto(site_server.url + "/")
    assert page.locator("h1").inner_text() == "Who does what for a child in care in England"
    visit.collect()
    visit.shot("home")

    page.get_by_role("link", name="What does the independent reviewing officer do?").click()
    page.wait_for_url("**/id/role/iro")
    assert "independent reviewing officer" in page.locator("h1").inner_text()
    assert page.locator(".holding .cite a").count() > 20
    visit.collect()
    visit.shot("role-iro")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Coverage").click()
    page.wait_for_url("**/coverage")
    assert page.locator("table.matrix tbody tr").count() == functions
    visit.collect()
    visit.shot("coverage")
    page.get_by_label("Setting").select_option("childrens-home")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/coverage?setting=childrens-home**")
    assert 0 < page.locator("table.matrix tbody tr").count() < functions
    visit.collect()

    page.goto(site_server.url + "/")
    page.get_by_role("link", name="If IROs go, who keeps the care plan on track?").click()
    page.wait_for_url("**/diff?a=current&b=care-review-2022")
    assert page.locator("#moves").is_visible() and page.locator("#amend").is_visible()
    visit.collect()
    visit.shot("diff-current-care-review-2022")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Queries").click()
    page.wait_for_url("**/queries")
    visit.collect()
    visit.shot("queries")
    page.locator("#iro-functions-under-care-review").get_by_role("link", name="Run").click()
    page.wait_for_url("**/queries/iro-functions-under-care-review")
    rows = page.locator("table.results tbody tr")
    assert rows.count() > 5
    assert rows.first.locator("a").count() > 0  # IRIs link to their pages
    visit.collect()
    visit.shot("query-result")

    page.get_by_role("link", name="Edit in the query editor").first.click()
    page.wait_for_url("**/query?query=**")
    page.locator(".yasqe .CodeMirror").wait_for()
    page.locator(".yasqe_queryButton").click()
    page.locator(".yasr table tbody tr").first.wait_for()
    assert page.locator(".yasr table tbody tr").count() > 5
    assert "query=" in (page.locator("#permalink").get_attribute("href") or "")
    visit.collect()
    visit.shot("query-editor")

    page.goto(site_server.url + "/around?setting=childrens-home&model=current")
    assert page.locator(".person").count() > 3
    visit.collect()
    visit.shot("around-childrens-home")

    assert not visit.errors, visit.errors
    assert_no_broken_links(visit)


def assert_no_broken_links(visit: Visit) -> None:
    broken = []
    for url in sorted(visit.links):
        response = visit.page.request.get(url, max_redirects=3)
        if response.status >= 400:
            broken.append(f"{response.status} {url}")
    assert len(visit.links) > 100
    assert not broken, broken


def test_a_browser_asking_for_void_is_shown_the_data_page(visit: Visit,
                                                           site_server: LiveServer) -> None:
    """The query page links the VoID description: a browser following it lands on /data/
    (a page), rather than being handed RDF to download."""
    page = visit.page
    page.goto(site_server.url + "/sparql")
    page.get_by_role("link", name="/.well-known/void").click()
    page.wait_for_url("**/data/")
    assert page.locator("h1").inner_text() == "The data"
    page.goto(site_server.url + "/.well-known/void")  # typed into the address bar
    assert page.url == site_server.url + "/data/"
    visit.collect()
    assert not visit.errors, visit.errors


def test_keyboard_reaches_main_content_first(visit: Visit, site_server: LiveServer) -> None:
    page = visit.page
    page.goto(site_server.url + "/coverage")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    for _ in range(3):  # the navigation is reachable by keyboard
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") in ("A", "SELECT", "BUTTON")
    assert not visit.errors, visit.errors


def test_pages_work_without_javascript(browser: Browser, site_server: LiveServer) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site_server.url + "/query?query=SELECT%20%3Fs%20WHERE%20%7B%20%3Fs%20a%20"
              "%3Chttps%3A%2F%2Fw3id.org%2Frolegraph%2Fdef%23Role%3E%20%7D&run=1")
    assert page.locator("#plain-editor textarea").is_visible()
    assert page.locator("table.results tbody tr").count() > 5
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "query-no-javascript.png"))
    context.close()


def test_print_styles_hide_navigation(visit: Visit, site_server: LiveServer) -> None:
    page = visit.page
    page.goto(site_server.url + "/id/role/iro")
    page.emulate_media(media="print")
    assert not page.locator(".site-header nav").is_visible()
    assert page.locator(".holding .cite").first.is_visible()


def print_to_pdf(page: Page, name: str) -> tuple[PdfReader, list[Path]]:
    """The page as Chromium prints it (its own @page size), and a PNG of each printed page
    (pdftoppm, 50 dpi) under test-output/print/ for people to look at."""
    PRINTS.mkdir(parents=True, exist_ok=True)
    pdf = PRINTS / f"{name}.pdf"
    for old in PRINTS.glob(f"{name}-*.png"):
        old.unlink()
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(PRINTS / name)], check=True)
    return PdfReader(pdf), sorted(PRINTS.glob(f"{name}-*.png"))


def squash(text: str) -> str:
    """Text to compare with what a PDF gives back: ligatures (ﬁ, ﬃ) undone, no spaces."""
    return "".join(unicodedata.normalize("NFKC", text).split()).replace("\u00ad", "")


def inked_depth(png: Path) -> float:
    """How far down the page (0 to 1) the lowest non-white pixel row is."""
    with Image.open(png) as image:
        grey = image.convert("L")
        width, height = grey.size
        pixels = grey.load()
        assert pixels is not None
        for y in range(height - 1, -1, -1):
            if any(pixels[x, y] < 200 for x in range(0, width, 2)):  # type: ignore[operator]
                return (y + 1) / height
    return 0.0


def test_coverage_matrix_prints_on_a4_landscape_with_every_column(
    visit: Visit, site_server: LiveServer, analysis: Analysis
) -> None:
    page = visit.page
    page.goto(site_server.url + "/coverage")
    headers = page.locator("table.matrix thead th").all_inner_texts()
    assert len(headers) == len(analysis.report.models) + 1  # the function column and each model
    reader, pngs = print_to_pdf(page, "coverage")
    first = reader.pages[0].mediabox
    assert (round(float(first.width)), round(float(first.height))) == (842, 595)  # A4 landscape
    assert all(round(float(p.mediabox.width)) == 842 for p in reader.pages)
    # every model's column header is on the first printed page (nothing clipped at the right)
    text = squash(reader.pages[0].extract_text())
    missing = [h for h in headers if squash(h) not in text]
    assert not missing, missing
    # every function's row is printed somewhere, and the matrix is not cut off
    everything = squash("".join(p.extract_text() for p in reader.pages))
    rows = page.locator("table.matrix tbody th.fn").all_inner_texts()
    assert len(rows) == len(analysis.report.functions)
    assert [r for r in rows if squash(r) not in everything] == []
    assert len(reader.pages) <= 6
    # no printed page ends half empty except the last
    assert all(inked_depth(png) > 0.6 for png in pngs[:-1]), [inked_depth(p) for p in pngs]
    # and on screen the matrix still scrolls in its own box
    page.emulate_media(media="screen")
    assert page.locator(".matrix-scroll").evaluate("e => getComputedStyle(e).overflow") == "auto"


def test_around_the_child_prints_without_wasted_pages(
    visit: Visit, site_server: LiveServer
) -> None:
    page = visit.page
    page.goto(site_server.url + "/around?setting=childrens-home&model=current")
    people = page.locator(".person h2").all_inner_texts()
    assert len(people) > 3
    reader, pngs = print_to_pdf(page, "around-childrens-home")
    size = reader.pages[0].mediabox
    assert (round(float(size.width)), round(float(size.height))) == (595, 842)  # A4 portrait
    depths = [inked_depth(png) for png in pngs]
    # every page but the last is filled (the first no longer holds only the heading)
    assert all(depth > 0.8 for depth in depths[:-1]), depths
    text = squash("".join(p.extract_text() for p in reader.pages))
    assert [p for p in people if squash(p) not in text] == []
    assert "SkiptomaincontentAroundthechild" not in text  # screen-only parts are not printed
    assert squash("Cite this") in text
