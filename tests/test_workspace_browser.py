"""From the workspace page to an exported clip and the parent's sheet, without a command line (#25), at a laptop's
1280×720 and a tablet's 1024×768, in Chromium: add the demo recording with the page's file chooser, wait for its analysis
(progress bar, time left), open its review, keep a moment, export, open the clips folder, stop.

Each step's screenshot is saved (``workspace_<w>x<h>_<n>_<step>.png``); the guide's pictures (``docs/img/``) are these,
made by ``VIGCLIPS_DOCS_IMG=1 .venv/bin/python -m pytest tests/test_workspace_browser.py`` (as the review page's).
"""

from __future__ import annotations

import os
import struct
import time
from pathlib import Path

import pytest

from vigclips.results.layout import CLIPS_DIR, CONTACT_SHEET_FILE
from vigclips.workspace import Workspace, WorkspaceServer

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
SAMPLES = Path(__file__).resolve().parent.parent / "sample_videos"


def _wait_until(page, expression: str, timeout_s: float = 10.0) -> None:
    """Poll from Python: the page's CSP refuses Playwright's own polling (see test_review_two_pages_browser.py)."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"not true after {timeout_s} s: {expression}"
        page.wait_for_timeout(100)


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", head[16:24])


@pytest.mark.parametrize("width,height", [(1280, 720), (1024, 768)])
def test_25_workspace_to_exported_clip_and_sheet_without_a_command_line(tmp_path, width, height):
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) to run browser tests")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (Python package only)")
    docs_img = Path(__file__).resolve().parents[1] / "docs" / "img"
    shots = docs_img if os.environ.get("VIGCLIPS_DOCS_IMG") == "1" else tmp_path / "shots"
    shots.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []

    def shot(page, n: int, step: str) -> None:
        path = shots / f"workspace_{width}x{height}_{n}_{step}.png"
        page.screenshot(path=str(path))
        saved.append(path)

    opened: list[Path] = []
    workspace = Workspace(tmp_path / "workspace")
    server = WorkspaceServer(workspace, roots=[SAMPLES], slots=1, opener=lambda folder: opened.append(folder) or True)
    with workspace.exclusive():
        server.start()
        try:
            with sync_api.sync_playwright() as p:
                browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--headless=new", "--no-sandbox"])
                page = browser.new_page(viewport={"width": width, "height": height})
                page.goto(server.launch_url())
                page.wait_for_selector("#empty:not([hidden])")
                shot(page, 1, "empty")

                # Add the demo recording with the page's own chooser (it opens in the folder it may show).
                page.click("#add")
                page.wait_for_selector("#entries li.file.recording")
                assert page.locator("#entries li.file.other").count() >= 1  # make_demo.py is listed, marked as no recording
                page.locator("#entries li.file.recording label", has_text="demo_play.mp4").locator("input").check()
                shot(page, 2, "choose")
                page.click("#add-chosen")

                # Its analysis: a progress bar with the time left, then the review.
                page.wait_for_selector("li.recording progress", timeout=60_000)
                _wait_until(page, "document.querySelector('li.recording progress')?.value > 0.05 && "
                                  "/about .* left|almost done/.test((document.querySelector('li.recording .status') || {}).textContent)",
                            90)  # fmt: skip
                shot(page, 3, "analysing")
                page.reload()  # the analysis belongs to the program, not to the page
                page.wait_for_selector("li.recording")
                page.wait_for_selector("li.recording a.button", timeout=120_000)
                _wait_until(page, "/moments found/.test((document.querySelector('li.recording .status') || {}).textContent)", 30)
                shot(page, 4, "analysed")

                # Its review page (on the same server), where a moment is kept.
                page.click("li.recording a.button")
                page.wait_for_selector(".card")
                page.click("#confirm")
                _wait_until(page, "document.querySelector('.card.confirmed, .card .confirmed, [data-status=confirmed]') !== null "
                                  "|| /kept/i.test(document.body.textContent)", 15)
                shot(page, 5, "review")
                page.go_back()
                _wait_until(page, "/1 kept/.test((document.querySelector('li.recording .status') || {}).textContent)", 15)

                # Export from the workspace: the clip and the parent's sheet, each a link.
                page.click("li.recording button.export")
                page.wait_for_selector("li.recording .exported a", timeout=120_000)
                labels = page.locator("li.recording .exported a").all_text_contents()
                assert any(label.endswith(".mp4") for label in labels), labels
                assert any("sheet for the parent" in label for label in labels), labels
                page.click("text=Open clips folder")
                _wait_until(page, "/clips/.test(document.getElementById('message').textContent)", 10)
                shot(page, 6, "exported")

                entry = workspace.ordered()[0]
                clips = workspace.results_folder(entry) / CLIPS_DIR
                assert len(list(clips.glob("*.mp4"))) == 1
                assert (clips / CONTACT_SHEET_FILE).stat().st_size > 10_000
                assert opened == [clips]
                assert (SAMPLES / "demo_play.mp4").stat().st_size == 311672  # the recording is never touched

                # Stop: the page says so and the server stops.
                page.click("#stop")
                page.wait_for_selector("#stopped:not([hidden])")
                shot(page, 7, "stopped")
                browser.close()
            assert server.stopped.wait(10)
        finally:
            if not server.stopped.is_set():
                server.stop()
        # Started again: the recording is there, analysed, with its decision and its review page.
        again = WorkspaceServer(Workspace(workspace.folder), roots=[SAMPLES], slots=1)
        try:
            deadline = time.monotonic() + 30
            while not again.apps:
                assert time.monotonic() < deadline, "the review page was not prepared again"
                time.sleep(0.1)
            (row,) = again.page_state()["recordings"]
            assert row["status"] == "done" and row["kept"] == 1 and row["review_url"]
        finally:
            again.httpd.server_close()
    for path in saved:
        assert _png_size(path) == (width, height)
