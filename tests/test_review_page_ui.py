"""The review page's layout and traps in a real browser (#15): headless Debian Chromium driven by Playwright.

Layout: at 1280×720 and 1024×768 the video, the reasons and the decision buttons are inside the window for each of ten
candidates, with no scrolling; on a phone, tapping a card brings the player into view. Screenshots are saved for a
person to look at in ``build/screenshots/`` (override with ``VIGCLIPS_SCREENSHOTS``).

Traps (one test each): End here / Start here with the playhead on the wrong side never move the moment elsewhere; the
strip only moves the playhead; Space and Enter on a focused button press it; the focused card is the one the keys act on;
an added moment that would overlap or be too short is refused with a message; an expired page is plain HTML.
"""

from __future__ import annotations

import json
import os
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from test_review_browser import RECORDING, _moments, _seek, _wait_for, _wait_js, browser, ten_candidates  # noqa: F401

from vigclips.report.timeline import write_timeline_png
from vigclips.scoring import ScoringConfig
from vigclips.types import Moment, Signals

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(os.environ.get("VIGCLIPS_SCREENSHOTS", Path(__file__).resolve().parents[1] / "build" / "screenshots"))
N = 10
# Reasons and caveats as long as real ones get (the layout must hold them).
REASONS = [
    "baby looked up at the parent and smiled; parent smiled back within 0.8 s (the parent answered the baby 2 times here)",
    "baby and parent looked at each other for 2.4 s (the longest look 1.5 s)",
    "baby and parent took turns making sounds, 3 turns in 9 s, 2 started by the baby",
    "the parent waited and the baby took the lead 2 times",
]
MORE = ["the parent looked at the baby for 88% of the moment, quiet for 2.2 s of it while the baby was busy"]
CAVEATS = ["the program is not sure which face is the baby's here: check by eye", "the faces were hard to see here: check by eye"]
SIZES = {"laptop-1280x720": (1280, 720), "tablet-1024x768": (1024, 768)}


@pytest.fixture()
def review(shared_media, tmp_path):
    """Ten 1.5 s candidates on a real 19.7 s recording, with stills, previews, a timeline picture and face positions."""
    from vigclips.review.server import prepare_review

    src = shared_media / RECORDING
    folder = tmp_path / "out" / src.stem
    info, records = ten_candidates(src, folder, lambda i: {
        "reasons": REASONS[: 1 + i % 4],
        "details": {"caveats": CAVEATS[: i % 3], **({"more_reasons": MORE} if i % 4 == 3 else {})},
        "scores": {"attentive": 0.0, "encouraging": 0.2, "receiving": 0.5, "developing": 0.9}})  # fmt: skip
    moments = [Moment(r["id"], r["rank"], r["start_s"], r["end_s"], 0.5, ()) for r in records]
    # The woman's face is in the middle of the picture; the "baby" ring is put at the left for the test.
    t = np.arange(0, info.duration_s, 0.1)
    rows = ["time_s,infant_face_x,infant_face_y,adult_face_x,adult_face_y"] + [f"{v:.1f},0.2,0.5,0.5,0.4" for v in t]
    (folder / "signals.csv").write_text("\n".join(rows) + "\n")
    write_timeline_png(Signals.empty_like_ticks(Fraction(10), len(t)), moments, folder / "timeline.png", ScoringConfig())
    server = prepare_review(folder)
    server.start()
    yield server, folder
    server.stop()


def _open(browser, server, width: int, height: int, init_script: str | None = None, **context):  # noqa: F811
    ctx = browser.new_context(viewport={"width": width, "height": height}, **context)
    if init_script:
        ctx.add_init_script(init_script)  # runs before the page's own scripts
    page = ctx.new_page()
    page.set_default_timeout(60000)
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" and "40" not in msg.text else None)
    page.goto(server.url)
    page.wait_for_selector(f".card >> nth={N - 1}")
    _wait_js(page, "document.getElementById('player').readyState >= 1")
    return page, problems


def _box(page, selector: str) -> dict:
    return page.evaluate("""s => { const r = document.querySelector(s).getBoundingClientRect();
        return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, height: r.height}; }""", selector)


def _inside_window(page, selector: str) -> bool:
    box, size = _box(page, selector), page.viewport_size
    return box["height"] > 0 and box["top"] >= 0 and box["left"] >= 0 and box["bottom"] <= size["height"] and \
        box["right"] <= size["width"]


def _shot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


# ---------------------------------------------------------------------------------------------------------------- layout


@pytest.mark.parametrize("size", list(SIZES))
def test_ten_candidates_are_decided_without_scrolling(browser, review, size):  # noqa: F811
    """Target of #15: at 1280×720 and 1024×768 the video, every reason and the Keep / Not buttons are inside the window
    for each of ten candidates, and deciding them needs no scrolling."""
    server, folder = review
    page, problems = _open(browser, server, *SIZES[size])
    for k in range(N):
        if k:
            page.keyboard.press("j")
            page.wait_for_selector(f"#moment-title:has-text('Moment {k + 1} of {N}')")
        for selector in ("#player", "#confirm", "#reject", "#why h3", "#reasons li:last-child", "#tag-boxes", "#note"):
            assert _inside_window(page, selector), (size, k, selector, _box(page, selector))
        if k % 3 == 2:
            assert _inside_window(page, "#caveats-box")
        # Reasons beyond the strongest five sit folded under them, one line, inside the window too.
        assert page.is_visible("#more-reasons-box") == (k % 4 == 3)
        if k % 4 == 3:
            assert _inside_window(page, "#more-reasons-box")
            assert not page.is_visible("#more-reasons li")
            page.click("#more-reasons-box summary")
            assert page.inner_text("#more-reasons li") == MORE[0]
            page.click("#more-reasons-box summary")
        if k == 2:
            _shot(page, f"review-{size}")
        page.keyboard.press("c" if k % 2 == 0 else "x")
        _wait_for(lambda k=k: _moments(folder)[f"m{k + 1:02d}"]["status"] == ("confirmed" if k % 2 == 0 else "rejected"))
        assert page.evaluate("window.scrollY") == 0
    assert problems == []


def test_a_phone_tap_on_a_card_brings_the_player_into_view(browser, review):  # noqa: F811
    server, folder = review
    page, problems = _open(browser, server, 390, 844, is_mobile=True, has_touch=True, device_scale_factor=2)
    _shot(page, "review-phone-top")
    page.locator(".card").nth(8).scroll_into_view_if_needed()
    page.locator(".card").nth(8).tap()
    page.wait_for_selector("#moment-title:has-text('Moment 9 of 10')")
    try:
        _wait_for(lambda: _box(page, "#player")["top"] >= -1 and _box(page, "#player")["bottom"] <= 844, timeout_s=10)
    except AssertionError:
        raise AssertionError(f"player not in view: {_box(page, '#player')}, scrollY {page.evaluate('window.scrollY')}") from None
    _shot(page, "review-phone-after-tap")
    page.locator("#confirm").tap()
    _wait_for(lambda: _moments(folder)["m09"]["status"] == "confirmed")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    assert problems == []


def test_role_rings_sit_on_the_video_and_follow_the_swap(browser, review):  # noqa: F811
    server, folder = review
    page, _ = _open(browser, server, 1280, 720)
    _wait_js(page, "!document.querySelector('.ring.baby').hidden")
    video, baby, parent = _box(page, "#player"), _box(page, ".ring.baby"), _box(page, ".ring.parent")
    for ring in (baby, parent):
        assert video["left"] <= ring["left"] and ring["right"] <= video["right"]
        assert video["top"] <= ring["top"] and ring["bottom"] <= video["bottom"]
    assert baby["left"] < parent["left"]  # the baby's face is at the left in signals.csv
    assert _box(page, "#swap-roles")["top"] < _box(page, "#confirm")["top"]  # the swap control is by the video
    page.click("#swap-roles")
    _wait_for(lambda: json.loads((folder / "moments.json").read_text()).get("roles_swapped") is True)
    _wait_js(page, "document.querySelector('.ring.baby').getBoundingClientRect().left > "
                   "document.querySelector('.ring.parent').getBoundingClientRect().left")
    page.uncheck("#show-rings")
    assert page.evaluate("document.querySelector('.ring.baby').hidden && document.querySelector('.ring.parent').hidden")


# ---------------------------------------------------------------------------------------------------------------- traps


def test_end_here_before_the_start_is_refused_and_moves_nothing(browser, review):  # noqa: F811
    server, folder = review
    page, _ = _open(browser, server, 1280, 720)
    page.keyboard.press("j")
    page.keyboard.press("j")  # #3: 4.3–5.8 s
    page.wait_for_selector("#moment-title:has-text('Moment 3 of 10')")
    before = _moments(folder)["m03"]
    _seek(page, 2.0)
    page.keyboard.press("o")
    page.wait_for_selector("#banner-text:has-text('not after the start of this moment')")
    _seek(page, 7.0)
    page.keyboard.press("i")
    page.wait_for_selector("#banner-text:has-text('not before the end of this moment')")
    page.wait_for_timeout(300)
    assert _moments(folder)["m03"] == before
    # The right side still works: End here after the start moves only the end.
    _seek(page, 6.5)
    page.keyboard.press("o")
    _wait_for(lambda: _moments(folder)["m03"]["end_s"] == 6.5)
    assert _moments(folder)["m03"]["start_s"] == before["start_s"]


def test_the_strip_and_the_timeline_only_move_the_playhead(browser, review):  # noqa: F811
    server, folder = review
    page, _ = _open(browser, server, 1280, 720)
    page.keyboard.press("j")  # #2: 2.4–3.9 s
    page.wait_for_selector("#moment-title:has-text('Moment 2 of 10')")
    # Click on the neighbour #3 (4.3–5.8 s) in the strip: the playhead goes there, #2 stays selected.
    page.locator("#strip").scroll_into_view_if_needed()
    strip = _box(page, "#strip")
    duration = page.evaluate("document.getElementById('player').duration")
    x = strip["left"] + (strip["right"] - strip["left"]) * 4.6 / duration
    page.mouse.click(x, strip["top"] + 15)
    _wait_js(page, "Math.abs(document.getElementById('player').currentTime - 4.6) < 0.15")
    assert page.inner_text("#moment-title") == "Moment 2 of 10"
    page.keyboard.press("o")  # extends #2 to the playhead; #3 is untouched
    _wait_for(lambda: abs(_moments(folder)["m02"]["end_s"] - 4.6) < 0.15)
    assert _moments(folder)["m03"]["start_s"] == 4.3 and "original_start_s" not in _moments(folder)["m03"]
    # The timeline picture jumps on a click and shows the decisions.
    page.keyboard.press("c")
    page.wait_for_selector(".timeline-marks .mark.confirmed")
    page.locator("#timeline").scroll_into_view_if_needed()
    axes = page.evaluate("fetch('/api/moments', {headers: {'X-Vigclips-Token': sessionStorage.getItem("
                         "'vigclips-token')}}).then(r => r.json()).then(p => p.timeline_axes)")
    img = _box(page, "#timeline")
    x = img["left"] + (img["right"] - img["left"]) * (axes["left"] + (axes["right"] - axes["left"]) * 12.0 / axes["end_s"])
    page.mouse.click(x, (img["top"] + img["bottom"]) / 2)
    _wait_js(page, "Math.abs(document.getElementById('player').currentTime - 12.0) < 0.3")
    assert page.inner_text("#moment-title") == "Moment 2 of 10"
    mark = _box(page, ".timeline-marks .mark.confirmed")
    assert mark["left"] == pytest.approx(img["left"] + (img["right"] - img["left"]) * (
        axes["left"] + (axes["right"] - axes["left"]) * 2.4 / axes["end_s"]), abs=2)  # fmt: skip
    _shot(page, "review-timeline-1280x720")


def test_space_and_enter_on_a_focused_button_press_it(browser, review):  # noqa: F811
    server, folder = review
    page, _ = _open(browser, server, 1280, 720)
    page.focus("#confirm")
    page.keyboard.press(" ")
    _wait_for(lambda: _moments(folder)["m01"]["status"] == "confirmed")
    assert page.evaluate("document.getElementById('player').paused")  # Space pressed the button, it did not play
    page.focus("#reject")
    page.keyboard.press("Enter")
    _wait_for(lambda: _moments(folder)["m01"]["status"] == "rejected")
    # A letter key on a focused control does nothing; Esc leaves it and the keys act again.
    page.focus("#undecide")
    page.keyboard.press("c")
    page.wait_for_timeout(300)
    assert _moments(folder)["m01"]["status"] == "rejected"
    page.keyboard.press("Escape")
    page.keyboard.press("c")
    _wait_for(lambda: _moments(folder)["m01"]["status"] == "confirmed")
    # A mouse click on a button leaves no focus on it: the keys work straight after.
    page.click("#reject")
    _wait_for(lambda: _moments(folder)["m01"]["status"] == "rejected")
    page.keyboard.press("j")
    page.wait_for_selector("#moment-title:has-text('Moment 2 of 10')")


def test_the_focused_card_is_the_one_the_keys_act_on(browser, review):  # noqa: F811
    server, folder = review
    page, _ = _open(browser, server, 1280, 720)
    page.focus(".card >> nth=4")
    page.wait_for_selector("#moment-title:has-text('Moment 5 of 10')")
    assert page.evaluate("document.activeElement.dataset.id") == "m05"
    page.keyboard.press("c")
    _wait_for(lambda: _moments(folder)["m05"]["status"] == "confirmed")
    assert _moments(folder)["m01"]["status"] == "candidate"
    page.keyboard.press("j")  # the focus follows the selection
    page.wait_for_selector("#moment-title:has-text('Moment 6 of 10')")
    assert page.evaluate("document.activeElement.dataset.id") == "m06"
    page.keyboard.press("Tab")
    page.keyboard.press("Shift+Tab")  # back onto the card: still the selected one
    assert page.evaluate("document.activeElement.dataset.id") == "m06"
    page.keyboard.press("x")
    _wait_for(lambda: _moments(folder)["m06"]["status"] == "rejected")


def test_an_added_moment_that_is_too_short_is_refused_with_a_message(browser, review):  # noqa: F811
    server, folder = review
    page, _ = _open(browser, server, 1280, 720)
    _seek(page, 4.0)  # between #2 (ends 3.9) and #3 (starts 4.3): 0.3 s of room
    page.keyboard.press("a")
    page.wait_for_selector("#banner-text:has-text('needs at least 1.0 s')")
    assert page.inner_text("#banner-text").startswith("Not added: moment #3 (0:04.3–0:05.8) starts 0.3 s after where the video is")
    assert not any(m.startswith("g") for m in _moments(folder))
    # The server refuses it too (a second tab, a hand-made request).
    status = page.evaluate("""() => fetch('/api/moments', {method: 'POST', headers: {'Content-Type': 'application/json',
        'X-Vigclips-Token': sessionStorage.getItem('vigclips-token')},
        body: JSON.stringify({revision: 0, start_s: 4.0, end_s: 4.5})}).then(r => r.json().then(p => [r.status, p.error]))""")
    assert status[0] == 400 and "at least 1.0 s" in status[1]


def test_an_old_address_and_a_restarted_server_get_a_plain_message(browser, review):  # noqa: F811
    server, folder = review
    page, _ = _open(browser, server, 1280, 720)
    # An old address (the secret of an earlier run): the page, then a sentence saying what to do, never raw JSON.
    old = page.context.new_page()
    old.goto(server.url.replace(server.token, "an-old-secret"))
    old.wait_for_selector("#banner-text:has-text('no longer works')")
    assert "{" not in old.inner_text("body")
    # The server restarted with a new secret while the page was open: the next change says what to do.
    server.token = "a-new-secret"
    page.keyboard.press("c")
    page.wait_for_selector("#banner-text:has-text('no longer works')")
    assert _moments(folder)["m01"]["status"] == "candidate"


# --------------------------------------------------------------------------------------------------------- batch page (#13)


def test_the_batch_page_lists_recordings_and_opens_each(browser, shared_media, tmp_path):  # noqa: F811
    from vigclips.review.batch_page import BatchReviewServer

    out = tmp_path / "out"
    for name in ("morning", "evening"):
        ten_candidates(shared_media / RECORDING, out / name, lambda i: {"reasons": REASONS[:1], "scores": {}})
    server = BatchReviewServer(out, prepare=True).start()
    try:
        page = browser.new_page(viewport={"width": 1024, "height": 768})
        page.set_default_timeout(60000)
        problems: list[str] = []
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)  # e.g. a CSP refusal
        page.goto(server.url)
        page.wait_for_selector("#recordings li >> nth=1")  # the list is filled by the page's script after loading
        assert page.locator("#recordings li").count() == 2
        assert page.evaluate("getComputedStyle(document.querySelector('#recordings li')).display") == "grid"  # styled
        assert page.locator("#recordings li img").count() == 2  # each with its top still
        assert "token" not in page.locator("body").inner_html()
        _shot(page, "batch-list-1024x768")
        page.click("text=morning")
        page.wait_for_selector(f".card >> nth={N - 1}")
        _wait_js(page, "document.getElementById('player').readyState >= 1")
        page.keyboard.press("c")
        _wait_for(lambda: _moments(out / "morning")["m01"]["status"] == "confirmed")
        assert _moments(out / "evening")["m01"]["status"] == "candidate"
        page.go_back()
        page.wait_for_selector("text=1 kept")
        assert problems == []
    finally:
        server.stop()


def test_export_lists_and_links_the_plain_and_teaching_clips(browser, review):  # noqa: F811
    server, folder = review
    page, problems = _open(browser, server, 1280, 720)
    page.keyboard.press("c")
    _wait_for(lambda: _moments(folder)["m01"]["status"] == "confirmed")
    page.check("#annotate")
    page.click("#export")
    page.wait_for_selector("#banner-text:has-text('1 teaching version')", timeout=120000)
    links = page.eval_on_selector_all("#banner-list a", "as => as.map(a => [a.textContent, a.getAttribute('href')])")
    name = "pyfeat_WolfgangLanger_Pexels_00h00m00.5s_m01.mp4"
    # The parent's sheet first (issue 25: it was scrolled out of view), then the clip and its teaching version.
    assert [label for label, _ in links] == ["contact_sheet.pdf (sheet for the parent)", "contact_sheet.png (sheet for the parent)",
                                             name, f"{name} (teaching version)"]  # fmt: skip
    assert links[2][1].startswith(f"/files/clips/{name}?k=") and links[3][1].startswith(f"/files/clips/annotated/{name}?k=")
    # The links open: the teaching clip is served from the recording's folder.
    assert page.request.get(server.url.split("/?")[0] + links[3][1]).status == 200
    _shot(page, "review-export-done-1280x720")
    assert problems == []
