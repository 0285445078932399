"""The review page comes back on the port it had (issue 25: after a restart the open tab could not reach it at all)."""

from __future__ import annotations

from signal_builders import noisy_recording, write_output_folder
from vigclips.review.server import ReviewServer


def test_a_restarted_review_page_takes_its_old_port_again_when_it_is_free(tmp_path):
    folder = tmp_path / "play"
    write_output_folder(folder, *noisy_recording(120.0))
    first = ReviewServer(folder).start()
    port = first.port
    second = ReviewServer(folder).start()  # a second page while the first runs: another port
    try:
        assert second.port != port
    finally:
        second.stop()
        first.stop()
    again = ReviewServer(folder).start()
    try:
        assert again.port in (port, second.port)  # the last one to start is remembered
        assert (folder / ".review-port").stat().st_mode & 0o077 == 0
    finally:
        again.stop()
    third = ReviewServer(folder).start()
    try:
        assert third.port == again.port
    finally:
        third.stop()
