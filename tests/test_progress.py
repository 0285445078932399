"""Progress where nobody sees a terminal: a plain line every few seconds (issue 25: `analyze` said nothing until done)."""

from __future__ import annotations

import io
import logging

from vigclips import cli
from vigclips.progress import LineProgress, TqdmProgress


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_line_every_few_seconds_with_the_time_left():
    out, clock = io.StringIO(), _Clock()
    progress = LineProgress(out, every_s=5.0, clock=clock)
    progress.start(1000, "play.mp4: faces")
    for _ in range(10):  # 100 ticks a second
        clock.now += 1.0
        progress.advance(100)
    progress.close()
    assert out.getvalue().splitlines() == ["play.mp4: faces: 50%, about 5 s left", "play.mp4: faces: 100%, about 0 s left"]


def test_long_times_are_said_in_minutes_and_hours_as_the_batch_says_them():
    out, clock = io.StringIO(), _Clock()
    progress = LineProgress(out, every_s=5.0, clock=clock)
    progress.start(10_000, "faces")
    clock.now += 65.0
    progress.advance(50)
    assert out.getvalue() == "faces: 0%, about 3.6 h left\n"
    progress.start(100, "faces")
    clock.now += 10.0
    progress.advance(10)
    assert out.getvalue().splitlines()[-1] == "faces: 10%, about 2 min left"


def test_nothing_before_the_first_interval_nor_after_close():
    out, clock = io.StringIO(), _Clock()
    progress = LineProgress(out, every_s=5.0, clock=clock)
    progress.start(10, "faces")
    clock.now += 1.0
    progress.advance(1)
    progress.close()
    clock.now += 10.0
    progress.advance(1)
    assert out.getvalue() == ""


def test_the_cli_picks_plain_lines_when_its_output_is_not_a_terminal(monkeypatch):
    monkeypatch.setattr(cli.sys, "stderr", io.StringIO())
    monkeypatch.setattr(cli.log, "level", logging.WARNING)
    assert isinstance(cli._progress(), LineProgress)

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(cli.sys, "stderr", Terminal())
    assert isinstance(cli._progress(), TqdmProgress)
