"""Batch estimates and the morning summary (#15, batch parts): the time left from measured throughput, summary.html with
the page's exact times, local time, a copyable review command, and a layout that fits a phone."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from vigclips.batch import RecordingResult, write_summary
from vigclips.batch.state import Batch


def _batch(tmp_path: Path, sizes: list[int], workers: int = 1) -> Batch:
    recordings = []
    for i, size in enumerate(sizes):
        path = tmp_path / "in" / f"r{i}.mp4"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"\0" * size)
        recordings.append(path)
    batch = Batch(tmp_path / "out", recordings, {p: p.stem for p in recordings}, None)
    batch.to_do, batch.workers = set(range(len(sizes))), workers
    return batch


def test_the_time_left_comes_from_measured_throughput_not_from_start_up(tmp_path):
    batch = _batch(tmp_path, [1000, 2000, 1000])
    t0 = batch.started
    # r0 (100 s long) started at once, but its first progress came only after 30 s of loading the models
    batch.running, batch.run_started, batch.duration_s = {0: 0.5}, {0: t0}, {0: 100.0}
    batch.first_progress = {0: (t0 + 30.0, 0.1)}
    # 40 s later it is at 50 %: 40 s of recording in 40 s, one second a second. Left: 50 s of r0, and r1, r2 whose
    # lengths follow from their sizes (0.1 s a byte, as measured on r0): 200 s and 100 s.
    assert batch.eta_s(t0 + 70.0) == pytest.approx(350.0)
    batch.workers = 2
    assert batch.eta_s(t0 + 70.0) == pytest.approx(175.0)
    batch.close()


def test_no_estimate_before_enough_is_measured(tmp_path):
    batch = _batch(tmp_path, [1000, 1000])
    t0 = batch.started
    batch.running, batch.duration_s, batch.first_progress = {0: 0.05}, {0: 100.0}, {0: (t0 + 30.0, 0.02)}
    assert batch.eta_s(t0 + 35.0) is None  # 5 s of measured work says little
    batch.close()


def test_finished_recordings_count_with_their_whole_analysis_time(tmp_path):
    batch = _batch(tmp_path, [1000, 1000, 1000], workers=1)
    batch.duration_s = {0: 60.0}
    batch.results = {0: RecordingResult(Path("r0"), Path("r0"), "done", time_s=30.0)}  # 2 s of recording a second
    assert batch.eta_s(batch.started + 31.0) == pytest.approx(60.0)  # two more 60 s recordings
    batch.close()


@pytest.fixture()
def summary_page(tmp_path):
    out = tmp_path / "night one"
    folder = out / "play 1"
    (folder / "stills").mkdir(parents=True)
    (folder / "stills" / "m01.jpg").write_bytes(b"\xff\xd8\xff\xd9")
    (folder / "timeline.png").write_bytes(b"\x89PNG")
    results = [
        RecordingResult(Path("/recordings/day one/play 1.mp4"), folder, "done", duration_s=3723.4, candidates=5, top_score=0.8,
                        top_start_s=62.46, top_end_s=70.04, top_reasons=["the baby smiles at the parent and the parent smiles back"],
                        top_still="play 1/stills/m01.jpg", time_s=812.0),
        RecordingResult(Path("/recordings/day one/broken recording with a very long name indeed.mp4"), out / "broken", "failed",
                        time_s=0.1, error="/recordings/day one/broken recording with a very long name indeed.mp4: is a text "
                                          "file, not a recording"),
    ]  # fmt: skip
    _, html_path = write_summary(out, results)
    return out, html_path


def test_summary_times_are_the_review_pages_and_the_clock_is_local(summary_page):
    out, html_path = summary_page
    page = html_path.read_text(encoding="utf-8")
    assert "1:02.5–1:10.0" in page  # as the review page writes 62.46 s and 70.04 s
    assert "1:02:03" in page  # the recording's length
    assert re.search(r"Written \w+day \d{1,2} \w+ \d{4}, \d\d:\d\d \(", page)  # local time, with its zone, not UTC
    assert "Z." not in page and "T0" not in page


def test_summary_gives_a_review_command_to_copy_not_a_folder_listing(summary_page):
    out, html_path = summary_page
    page = html_path.read_text(encoding="utf-8")
    command = f"vigclips review {shlex.quote(str(out / 'play 1'))}"
    assert f'<code class="command">{command.replace(chr(39), "&#x27;")}</code>' in page
    assert shlex.split(command)[2] == str(out / "play 1")  # pasted into a shell it names the folder, spaces and all
    assert 'href="play%201/"' not in page and 'href="play%201/timeline.png"' in page
    assert page.count('class="command"') == 1  # the failed recording has nothing to review


CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.browser
@pytest.mark.parametrize("width, height", [(390, 844), (1280, 720)], ids=["phone", "laptop"])
def test_summary_fits_a_phone_and_a_laptop(summary_page, width, height, tmp_path):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) to run browser tests")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (Python package only)")
    _, html_path = summary_page
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--headless=new"])
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(html_path.as_uri())
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"the page is {overflow} px wider than a {width} px screen"
            page.screenshot(path=str(tmp_path / f"summary_{width}.png"), full_page=True)  # for a person to look at
            box = page.locator("code.command").bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
        finally:
            browser.close()
