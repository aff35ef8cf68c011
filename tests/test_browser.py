"""The built book as a reader sees it, in headless Chromium with the network blocked.

Runs in `make test` after the book is built; skips (saying why) where Chromium, Playwright or
the built book are missing. Checks every page: no JavaScript errors, no request leaving the
local server, images load, math renders, internal links resolve; every explorer responds to
its sliders; solutions start folded; launch buttons point at the page's notebook; search works.
"""

from __future__ import annotations

import html.parser
import re
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest
import yaml

from browser import CHROMIUM_ARGS, HTML, MATHJAX_LOCAL, ROOT, OfflineRouter, chromium_path, serve

playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

pytestmark = [
    pytest.mark.skipif(chromium_path() is None, reason="Chromium not installed (Debian: apt-get install chromium)"),
    pytest.mark.skipif(not (HTML / "index.html").exists(), reason="no built book: run `make book` first"),
]

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
REPO = urlparse(CONFIG["repository"]["url"]).path.strip("/")             # owner/name
PAGES = sorted(str(p.relative_to(HTML)) for p in HTML.glob("book/*.html"))
CHAPTER_PAGES = [p for p in PAGES if re.match(r"book/\d\d_", p)]


# ----------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def base_url():
    with serve(HTML) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_page(browser, base_url):
    """open_page(path) -> (page, router, errors): a page loaded offline, console errors collected."""
    contexts = []

    def _open(path: str, root_url: str = None):
        root_url = root_url or base_url
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        router = OfflineRouter(root_url)
        context.route("**/*", router)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(root_url + path, wait_until="networkidle")
        return page, router, errors

    yield _open
    for context in contexts:
        context.close()


# ----------------------------------------------------------------------------- every page

@pytest.mark.parametrize("path", PAGES)
def test_page_loads_offline_without_errors(open_page, path):
    page, router, errors = open_page(path)
    if page.locator(".math").count():
        page.wait_for_selector("mjx-container", state="attached", timeout=30_000)   # the first may be folded
        assert page.locator("mjx-merror").count() == 0, "MathJax could not typeset a formula"
    broken = page.eval_on_selector_all(
        "img", "imgs => imgs.filter(i => i.complete && i.naturalWidth === 0).map(i => i.src.slice(0, 80))")
    assert broken == [], f"images that did not load: {broken}"
    assert errors == [], f"JavaScript console errors: {errors}"
    assert router.blocked == [], f"the page tried to reach the network: {router.blocked[:5]}"


@pytest.mark.skipif(not MATHJAX_LOCAL.is_dir(), reason="local MathJax copy missing: run `make setup`")
def test_math_renders(open_page):
    page, _, _ = open_page("book/notation.html")
    page.wait_for_selector("mjx-container", state="attached", timeout=30_000)
    assert page.locator("mjx-container").count() >= 10


class _LinkParser(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.links, self.images = set(), [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag == "img" and attrs.get("src"):
            self.images.append(attrs["src"])


def _parse(path: Path) -> _LinkParser:
    parser = _LinkParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_internal_links_and_images_resolve():
    problems = []
    parsed = {}
    for page in sorted(HTML.rglob("*.html")):
        if "_static" in page.parts:
            continue
        info = parsed.setdefault(page, _parse(page))
        for ref in info.links + info.images:
            url = urlparse(ref)
            if url.scheme or ref.startswith(("data:", "mailto:", "javascript:")):
                continue
            target = (page.parent / unquote(url.path)).resolve() if url.path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                problems.append(f"{page.relative_to(HTML)}: {ref} (no such file)")
            elif url.fragment and target.suffix == ".html":
                ids = parsed.setdefault(target, _parse(target)).ids
                if unquote(url.fragment) not in ids:
                    problems.append(f"{page.relative_to(HTML)}: {ref} (no such anchor)")
    assert problems == [], "\n".join(problems[:20])


# ----------------------------------------------------------------------------- chapters

@pytest.mark.parametrize("path", CHAPTER_PAGES)
def test_launch_buttons_open_this_chapter(open_page, path):
    page, _, _ = open_page(path)
    notebook = f"book/{Path(path).stem}.ipynb"
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    colab = [h for h in hrefs if "colab.research.google.com" in h]
    binder = [h for h in hrefs if "mybinder.org" in h]
    assert colab and all(h.endswith(f"github/{REPO}/blob/main/{notebook}") for h in colab), colab
    assert binder and all(f"/gh/{REPO}/main" in h and h.endswith(notebook) for h in binder), binder


@pytest.mark.parametrize("path", CHAPTER_PAGES)
def test_solutions_are_folded_until_clicked(open_page, path):
    page, _, _ = open_page(path)
    solutions = page.locator("div.solution")
    assert solutions.count() >= 4, "a chapter has at least four exercises with solutions"
    first = solutions.first
    body = first.locator(".admonition-title ~ *").first
    assert not body.is_visible(), "a solution is visible before the reader asks for it"
    first.locator("button.toggle-button").click()       # the title itself links to the exercise
    body.wait_for(state="visible", timeout=5_000)


def test_search_finds_a_term(open_page):
    term = "im2col" if (HTML / "book" / "10_cnn.html").exists() else "perceptron"
    page, _, _ = open_page(f"search.html?q={term}")
    page.wait_for_selector("#search-results ul.search li", timeout=20_000)
    assert page.locator("#search-results ul.search li").count() >= 1


# ----------------------------------------------------------------------------- explorers

def explorer_failures(page) -> list[str]:
    """Move each slider of every static explorer on the page, one at a time from the explorer's
    starting setting; report any whose picture does not change or whose new frame is broken."""
    failures = []
    explorers = page.locator(".dlcore-explorer")
    for k in range(explorers.count()):
        explorer = explorers.nth(k)
        image = explorer.locator("img.dlx-frame")
        sliders = explorer.locator("input[type=range]")
        for s in range(sliders.count()):
            slider = sliders.nth(s)
            before = image.screenshot()
            start = slider.input_value()
            slider.focus()
            page.keyboard.press("Home" if start != slider.get_attribute("min") else "End")
            if slider.input_value() == start:
                failures.append(f"explorer {k}, slider {s}: the slider did not move")
            elif not image.evaluate("img => img.decode().then(() => img.naturalWidth > 0, () => false)"):
                failures.append(f"explorer {k}, slider {s}: the new frame is not a valid image")
            elif image.screenshot() == before:
                failures.append(f"explorer {k}, slider {s}: moving it did not change the picture")
            slider.evaluate("(el, v) => { el.value = v; el.dispatchEvent(new Event('input')); }", start)
    return failures


EXPLORER_PAGES = [p for p in PAGES if "dlcore-explorer" in (HTML / p).read_text(encoding="utf-8")]


@pytest.mark.parametrize("path", EXPLORER_PAGES)
def test_every_explorer_responds_offline(open_page, path):
    page, router, errors = open_page(path)
    assert page.locator(".dlcore-explorer").count() >= 1
    assert explorer_failures(page) == []
    assert errors == [] and router.blocked == []


def test_a_broken_explorer_is_caught(open_page, tmp_path):
    """The check above really fails for an explorer whose frames are missing or all the same."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from dlcore.widgets import Explorer

    def render(a):
        fig, ax = plt.subplots(figsize=(3, 2))
        ax.plot([0, 1], [0, a])
        ax.set_ylim(-1, 1)
        return fig

    grid = {"a": [-1.0, 0.0, 1.0]}
    good = Explorer(render, grid).static_html()
    frozen = Explorer(lambda a: render(0.5), grid).static_html()          # ignores its slider
    missing = re.sub(r'"frames": \[.*?\]', '"frames": []', good)         # frames not embedded
    for name, body in (("good", good), ("frozen", frozen), ("missing", missing)):
        (tmp_path / f"{name}.html").write_text(f"<html><body>{body}</body></html>")
    with serve(tmp_path) as url:
        for name, expected_ok in (("good", True), ("frozen", False), ("missing", False)):
            page, _, _ = open_page(f"{name}.html", root_url=url)
            assert (explorer_failures(page) == []) == expected_ok, name
