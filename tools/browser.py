"""Headless-Chromium helpers for the browser tests and for `make screenshots`.

The built book (_build/html) is served on a loopback port. Every request that leaves that
server is blocked, except MathJax's CDN address, which is answered from a local npm copy
(`make setup` installs it), so the pages are checked with no network at all.

    python tools/browser.py screenshots [OUT_DIR]     # landing page and a chapter, desktop and phone
"""

from __future__ import annotations

import functools
import http.server
import shutil
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
MATHJAX_CDN = "https://cdn.jsdelivr.net/npm/mathjax@3/"
MATHJAX_LOCAL = ROOT / ".venv" / "js" / "node_modules" / "mathjax"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str | None:
    """The system Chromium (Debian package `chromium`), or None."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


@contextmanager
def serve(directory: Path = HTML):
    """Serve ``directory`` on 127.0.0.1 at a free port; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class OfflineRouter:
    """Playwright route handler: local server passes, MathJax comes from disk, the rest is blocked."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.blocked: list[str] = []

    def __call__(self, route):
        url = route.request.url
        if url.startswith(self.base_url) or url.startswith("data:"):
            route.continue_()
        elif url.startswith(MATHJAX_CDN) and MATHJAX_LOCAL.is_dir():
            path = MATHJAX_LOCAL / url[len(MATHJAX_CDN):].split("?")[0]
            if path.is_file():
                route.fulfill(path=str(path))
            else:
                route.fulfill(status=404)
        else:
            self.blocked.append(url)
            route.abort()


@contextmanager
def browser_page(base_url: str, width: int = 1280, height: int = 900, mobile: bool = False):
    """A fresh Chromium page with the offline router installed; yields (page, router, errors)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": width, "height": height},
                                      device_scale_factor=2 if mobile else 1, is_mobile=mobile)
        router = OfflineRouter(base_url)
        context.route("**/*", router)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        try:
            yield page, router, errors
        finally:
            browser.close()


def screenshots(out_dir: Path, chapter: str = "book/01_perceptron.html") -> list[Path]:
    """Landing page and one chapter at desktop (1280 px) and phone (390 px) widths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with serve() as base:
        for name, path in (("landing", "book/intro.html"), ("chapter", chapter)):
            for device, width, height, mobile in (("desktop", 1280, 900, False), ("phone", 390, 844, True)):
                with browser_page(base, width, height, mobile) as (page, _, _):
                    page.goto(base + path, wait_until="networkidle")
                    target = out_dir / f"{name}-{device}.png"
                    page.screenshot(path=str(target), full_page=False)
                    written.append(target)
    return written


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "screenshots":
        if not chromium_path():
            sys.exit("Chromium is not installed (Debian: apt-get install chromium)")
        if not (HTML / "index.html").exists():
            sys.exit("no built book in _build/html: run `make book` first")
        for shot in screenshots(Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "screenshots"):
            print(shot.relative_to(ROOT) if shot.is_relative_to(ROOT) else shot)
    else:
        sys.exit(__doc__)
