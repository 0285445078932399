"""The review page in a real browser (headless Chromium driven by Playwright): confirm, trim, tag, reject, reload, a stale
tab, add a missed moment, and export from the page; asserting on moments.json and the probed clips (#6).

Needs Debian's ``chromium`` (``/usr/bin/chromium``) and the ``playwright`` Python package; Playwright's own browser download
is never used (no network here). Run only these with ``pytest -m browser``.
"""

from __future__ import annotations

import json
import time
from fractions import Fraction
from pathlib import Path

import pytest

from vigclips.media import extract_still, probe
from vigclips.results.decisions import DecisionStore
from vigclips.results.moments import build_document, sha256_file, source_record, write_moments

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
RECORDING = "pyfeat_WolfgangLanger_Pexels.mp4"  # 19.7 s, 23.976 fps, with an (silent) AAC track
N_CANDIDATES = 10


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) to run browser tests")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed: pip install playwright (its browser download is not needed)")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def ten_candidates(src: Path, folder: Path, record) -> tuple[object, list[dict]]:
    """Stills and moment records of ten 1.5 s candidates 1.9 s apart on ``src``; ``record(i)`` gives each one's reasons and
    anything else it should hold. Returns ``(info, records)``."""
    info = probe(src)
    (folder / "stills").mkdir(parents=True)
    records = []
    for i in range(N_CANDIDATES):
        start_s = 0.5 + 1.9 * i
        extract_still(src, start_s + 0.5, folder / "stills" / f"m{i + 1:02d}.jpg", max_width_px=320, info=info)
        records.append({"id": f"m{i + 1:02d}", "rank": i + 1, "start_s": round(start_s, 3), "end_s": round(start_s + 1.5, 3),
                        "score": round(0.9 - 0.05 * i, 3), "status": "candidate", "still": f"stills/m{i + 1:02d}.jpg",
                        **record(i)})  # fmt: skip
    config = {"scoring": {"min_moment_s": 1.0}}  # as analyze records it: the shortest moment a guider may add
    write_moments(folder / "moments.json", build_document(source_record(info, sha256_file(src)), Fraction(10), config, {}, records))
    return info, records


@pytest.fixture()
def review(shared_media, tmp_path):
    """An output folder with ten candidates on a real recording (stills, previews), and its review server."""
    from vigclips.review.server import prepare_review

    src = shared_media / RECORDING
    folder = tmp_path / "out" / src.stem
    ten_candidates(src, folder, lambda i: {"reasons": [f"she smiles for {1.0 + 0.1 * i:.1f} s"],
                                           "scores": {"attentive": 0.2, "encouraging": 0.1, "receiving": 0.3, "developing": 0.5}})
    server = prepare_review(folder)  # writes the previews this folder lacks
    server.start()
    yield server, folder
    server.stop()


def _moments(folder: Path) -> dict:
    return {m["id"]: m for m in json.loads((folder / "moments.json").read_text())["moments"]}


def _wait_for(predicate, timeout_s: float = 30.0):  # generous: 2 cores shared with other work
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def _wait_js(page, expression: str) -> None:
    # Polled from Python: Playwright's in-page polling evaluates strings, which the page's CSP (rightly) forbids.
    _wait_for(lambda: page.evaluate(expression))


def _seek(page, t_s: float) -> None:
    page.evaluate("""t => new Promise(resolve => { const v = document.getElementById('player');
        v.pause(); v.addEventListener('seeked', () => resolve(), {once: true}); v.currentTime = t; })""", t_s)


def test_guider_reviews_ten_candidates_and_exports_from_the_page(browser, review, tmp_path):
    server, folder = review
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.set_default_timeout(60000)  # a loaded 2-core machine is slow, not broken
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    # A Content-Security-Policy violation or a failed request shows up as a console error.
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" and "409" not in msg.text else None)
    page.goto(server.url)
    page.wait_for_selector(".card >> nth=9")
    assert page.locator(".card").count() == N_CANDIDATES
    assert "token" not in page.url  # the secret leaves the address bar
    # The whole-recording preview plays in this browser (H.264), and each candidate has its own preview.
    _wait_js(page, "document.getElementById('player').readyState >= 1")
    assert page.evaluate("document.getElementById('player').duration") == pytest.approx(19.69, abs=0.2)
    assert page.evaluate("document.getElementById('clip-player').src").split("?")[0].endswith("/files/previews/m01.mp4")

    # 1. Confirm the first candidate with the keyboard.
    page.keyboard.press("c")
    _wait_for(lambda: _moments(folder)["m01"]["status"] == "confirmed")
    page.wait_for_selector("#status-badge.confirmed")

    # 2. Next candidate: trim it with in/out at the playhead and frame stepping, tag it, write a note, confirm it.
    page.keyboard.press("j")
    page.wait_for_selector("#moment-title:has-text('Moment 2 of 10')")
    _seek(page, 2.0)
    page.keyboard.press("i")
    _wait_for(lambda: _moments(folder)["m02"]["start_s"] == 2.0)
    _seek(page, 4.0)
    page.click("#frame-fwd")
    page.click("#frame-fwd")
    _wait_js(page, "Math.abs(document.getElementById('player').currentTime - (4 + 2 / 23.976)) < 0.002")
    page.keyboard.press("o")
    _wait_for(lambda: abs(_moments(folder)["m02"]["end_s"] - (4.0 + 2 / 23.976)) < 0.002)
    page.keyboard.press("4")
    _wait_for(lambda: _moments(folder)["m02"].get("tags") == ["developing"])
    page.fill("#note", "She waits and he answers")
    page.keyboard.press("Escape")  # leaves the note (saved); the keys act on the moment again
    _wait_for(lambda: _moments(folder)["m02"].get("note") == "She waits and he answers")
    page.keyboard.press("c")
    _wait_for(lambda: _moments(folder)["m02"]["status"] == "confirmed")

    # 3. Reject the third; walk through the rest (a guider looks at all ten).
    page.keyboard.press("j")
    page.keyboard.press("x")
    _wait_for(lambda: _moments(folder)["m03"]["status"] == "rejected")
    for n in range(4, N_CANDIDATES + 1):
        page.keyboard.press("j")
        page.wait_for_selector(f"#moment-title:has-text('Moment {n} of 10')")

    # 4. Reload: every decision is shown again.
    page.reload()
    page.wait_for_selector(".card >> nth=9")
    assert page.locator(".card .pill").nth(0).inner_text() == "kept"
    assert page.locator(".card .pill").nth(2).inner_text() == "not used"
    page.click(".card >> nth=1")
    assert page.input_value("#note") == "She waits and he answers"
    assert page.inner_text("#in-time") == "0:02.0" and page.inner_text("#out-time") == "0:04.1"
    assert page.locator("#tag-boxes input[data-tag='developing']").is_checked()

    # 5. A change made elsewhere (another tab) since this page loaded: the page is told, nothing is overwritten.
    store = DecisionStore(folder)
    store.decide(store.read()["revision"], "m04", {"status": "rejected"})
    page.click(".card >> nth=3")
    page.keyboard.press("c")
    page.wait_for_selector("#banner-text:has-text('changed elsewhere')")
    assert page.is_visible("#banner-reload")
    assert _moments(folder)["m04"]["status"] == "rejected"

    # 6. Reload and add a moment the program missed, at the playhead.
    with page.expect_navigation():  # wait for the new page, not the old one's cards
        page.click("#banner-reload")
    page.wait_for_selector(".card >> nth=9")
    _wait_js(page, "document.getElementById('player').readyState >= 1")
    _seek(page, 15.0)  # inside #8 (13.8–15.3): refused, with the reason
    page.keyboard.press("a")
    page.wait_for_selector("#banner-text:has-text('inside moment #8')")
    assert "g01" not in _moments(folder)
    page.click(".card >> nth=9")
    page.keyboard.press("x")  # #10 is not used: its stretch is free again
    _wait_for(lambda: _moments(folder)["m10"]["status"] == "rejected")
    # The file is written before the page has its answer: under load a key pressed now still met #10 in the page.
    page.wait_for_selector("#status-badge.rejected")
    _seek(page, 17.3)
    page.keyboard.press("a")
    added = _wait_for(lambda: _moments(folder).get("g01"))
    # On the frame nearest the video's position, and not kept until the guider keeps it (issue 25).
    assert (added["start_s"], added["end_s"], added["status"]) == (round(round(17.3 * 23.976) / 23.976, 3), 19.69, "candidate")
    page.wait_for_selector(".card >> nth=10")
    page.wait_for_selector("#undo:has-text('adding the moment')")  # the added moment is the selected one now
    page.keyboard.press("c")
    _wait_for(lambda: _moments(folder)["g01"]["status"] == "confirmed")

    page.screenshot(path=str(tmp_path / "review_page.png"), full_page=True)

    # 7. Export from the page, no command line.
    page.click("#export")
    page.wait_for_selector("#banner-text:has-text('for the parent saved')", timeout=120000)
    # The result lists every file made, each a link: the parent's sheet (PDF and PNG), then the three clips.
    links = page.eval_on_selector_all("#banner-list a", "as => as.map(a => [a.textContent, a.getAttribute('href')])")
    assert [t for t, _ in links][2:] == ["pyfeat_WolfgangLanger_Pexels_00h00m00.5s_m01.mp4",
                                          "pyfeat_WolfgangLanger_Pexels_00h00m02.0s_m02.mp4",
                                          "pyfeat_WolfgangLanger_Pexels_00h00m17.3s_g01.mp4"]  # fmt: skip
    assert [t for t, _ in links][:2] == ["contact_sheet.pdf (sheet for the parent)", "contact_sheet.png (sheet for the parent)"]
    assert all(href.startswith("/files/clips/") for _, href in links)
    assert problems == []
    page.close()

    clips = sorted((folder / "clips").glob("*.mp4"))
    assert [c.name for c in clips] == [
        "pyfeat_WolfgangLanger_Pexels_00h00m00.5s_m01.mp4",
        "pyfeat_WolfgangLanger_Pexels_00h00m02.0s_m02.mp4",
        "pyfeat_WolfgangLanger_Pexels_00h00m17.3s_g01.mp4",
    ]
    frame_s = 1 / 23.976
    for clip, expected_s in zip(clips, (1.5, 2.0 + 2 * frame_s, 2.39)):
        info = probe(clip)
        assert (info.video_codec, info.audio_codec) == ("h264", "aac")
        assert info.duration_s == pytest.approx(expected_s, abs=frame_s + 0.011)
    assert (folder / "clips" / "contact_sheet.png").is_file()
