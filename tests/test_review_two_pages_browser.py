"""Two review pages at once in one browser, each reloaded (#14.5): they never log each other out, and the token never
reaches a cookie or the address bar."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from vigclips.results.moments import write_moments
from vigclips.review.server import ReviewServer

from test_review_server import _document

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")


def _folder(root: Path, name: str) -> Path:
    import cv2

    folder = root / name
    (folder / "stills").mkdir(parents=True)
    write_moments(folder / "moments.json", _document())
    for i in range(3):
        cv2.imwrite(str(folder / "stills" / f"m{i + 1:02d}.jpg"), np.full((90, 160, 3), 60 * i, np.uint8))
    return folder


def _wait_until(page, expression: str, timeout_s: float = 10.0) -> None:
    """Poll a JavaScript expression from Python until it is true. Not ``page.wait_for_function``: under the review
    page's CSP (no 'unsafe-eval') Playwright's own polling re-evaluates the string in the page, which the CSP refuses
    once the first, synchronous check has passed false (microsoft/playwright#7395, fixed upstream in #36986)."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"not true after {timeout_s} s: {expression}"
        page.wait_for_timeout(50)


def test_14_5_two_review_pages_in_one_browser_keep_working_after_reloads(tmp_path):
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) to run browser tests")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (Python package only)")
    servers = [ReviewServer(_folder(tmp_path, name)).start() for name in ("a", "b")]
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--headless=new", "--no-sandbox"])
            context = browser.new_context()
            pages = []
            for srv, how in zip(servers, ("launch", "fragment")):  # as `vigclips review` opens it, and as a guider pastes it
                page = context.new_page()
                page.goto(srv.launch_url() if how == "launch" else srv.url)
                page.wait_for_selector(".card >> nth=2")
                pages.append(page)
            for page, srv in zip(pages, servers):
                page.reload()
                page.wait_for_selector(".card >> nth=2")
                assert page.locator(".card img").count() == 3
                _wait_until(page, "[...document.querySelectorAll('.card img')].every(i => i.complete && i.naturalWidth > 0)")
                assert srv.token not in page.url
            assert context.cookies() == []
            browser.close()
    finally:
        for srv in servers:
            srv.stop()
