"""RTTM writing and reading (issue 4): standard field layout, round trip, private atomic files, clear errors."""

from __future__ import annotations

import stat

import pytest

from vigclips.audio.rttm import format_rttm, parse_rttm, read_rttm, write_rttm
from vigclips.errors import BadInputError
from vigclips.types import VocalSegment

SEGS = [
    VocalSegment(6.22, 7.16, "INFANT"),
    VocalSegment(0.91, 2.14, "ADULT"),
    VocalSegment(10.0, 12.5, "CRY"),
]


def test_format_is_standard_rttm_sorted() -> None:
    text = format_rttm(SEGS, "lookit_causal_ex2")
    assert text.splitlines() == [
        "SPEAKER lookit_causal_ex2 1 0.910 1.230 <NA> <NA> ADULT <NA> <NA>",
        "SPEAKER lookit_causal_ex2 1 6.220 0.940 <NA> <NA> INFANT <NA> <NA>",
        "SPEAKER lookit_causal_ex2 1 10.000 2.500 <NA> <NA> CRY <NA> <NA>",
    ]
    for line in text.splitlines():
        assert len(line.split()) == 10


def test_empty_and_degenerate() -> None:
    assert format_rttm([], "x") == ""
    assert format_rttm([VocalSegment(1.0, 1.0, "ADULT")], "x") == ""  # zero duration is not a segment
    assert format_rttm([VocalSegment(0, 1, "ADULT")], "my rec\t2").startswith("SPEAKER my_rec_2 1 ")


def test_round_trip(tmp_path) -> None:
    path = write_rttm(SEGS, tmp_path / "out" / "vocalisations.rttm", "rec")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    back = read_rttm(path)
    assert [s.label for s in back] == ["ADULT", "INFANT", "CRY"]
    for got, want in zip(back, sorted(SEGS, key=lambda s: s.start_s)):
        assert got.start_s == pytest.approx(want.start_s, abs=1e-3)
        assert got.end_s == pytest.approx(want.end_s, abs=1e-3)
    assert not list((tmp_path / "out").glob(".*.part*"))  # no temporary left behind


def test_parse_skips_comments_and_other_records() -> None:
    text = ";; made by hand\nSPKR-INFO f 1 <NA> <NA> <NA> unknown KCHI <NA> <NA>\n\nSPEAKER f 1 1.5 0.5 <NA> <NA> KCHI <NA> <NA>\n"
    assert parse_rttm(text) == [VocalSegment(1.5, 2.0, "KCHI")]


@pytest.mark.parametrize(
    ("line", "problem"),
    [("SPEAKER f 1 1.0", "at least 8 fields"), ("SPEAKER f 1 one 1.0 <NA> <NA> ADULT", "numbers"),
     ("SPEAKER f 1 -1 1.0 <NA> <NA> ADULT", "non-negative"), ("SPEAKER f 1 1 nan <NA> <NA> ADULT", "non-negative")],
    ids=["short", "text", "negative", "nan"],
)
def test_parse_errors_name_the_line(line: str, problem: str) -> None:
    with pytest.raises(BadInputError, match=f"line 2: .*{problem}"):
        parse_rttm("SPEAKER f 1 0 1 <NA> <NA> ADULT <NA> <NA>\n" + line + "\n", "x.rttm")


def test_read_missing_file(tmp_path) -> None:
    with pytest.raises(BadInputError, match="not found"):
        read_rttm(tmp_path / "nope.rttm")
