"""The local HTTP plumbing of the review pages: the loopback address, the server, which port it takes (and remembers), and
byte ranges for the videos. What the pages answer is in :mod:`~vigclips.review.server` and :mod:`~vigclips.review.batch_page`.
"""

from __future__ import annotations

import contextlib
import logging
import re
import sys
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from vigclips.errors import BadInputError
from vigclips.fileio import atomic_write_text
from vigclips.results.layout import REVIEW_PORT_FILE

log = logging.getLogger("vigclips")

HOST = "127.0.0.1"
"""The pages listen on this machine only."""


def listen_on(port: int, handler: type, folder: Path) -> LocalServer:
    """The page's server on 127.0.0.1:``port``. With ``port`` 0, the port ``folder``'s page had last time when it is free,
    so a tab left open reaches the restarted program (which tells it to open the new address, #25); else any free port.

    Raises:
        BadInputError: ``port`` given and it cannot be used.
    """
    remembered = folder / REVIEW_PORT_FILE
    if port == 0:
        with contextlib.suppress(OSError, ValueError):
            server = LocalServer((HOST, int(remembered.read_text(encoding="ascii"))), handler)
            _remember_port(remembered, server)
            return server
    try:
        server = LocalServer((HOST, port), handler)
    except OSError as exc:
        raise BadInputError(f"{HOST}:{port}", f"cannot serve the review page there ({exc.strerror or exc}); "
                                              "choose another --port or leave it out") from None
    _remember_port(remembered, server)
    return server


def _remember_port(path: Path, server: ThreadingHTTPServer) -> None:
    with contextlib.suppress(OSError):  # a folder on a read-only share can still be reviewed, on a new port each time
        atomic_write_text(path, str(server.server_address[1]))


class LocalServer(ThreadingHTTPServer):
    """The HTTP server; errors that escape a handler are one log line, never a traceback on stderr."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if not isinstance(exc, (ConnectionError, TimeoutError)):
            log.warning("review page: a connection failed (%s)", one_line(exc) if exc else "unknown error")


def one_line(exc: BaseException) -> str:
    return " ".join(f"{exc.__class__.__name__}: {exc}".split())[:300]


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """``bytes=a-b`` / ``bytes=a-`` / ``bytes=-n`` (one range) to inclusive (start, end); ``None`` if unsatisfiable."""
    match = re.fullmatch(r"\s*bytes=(\d*)-(\d*)\s*", header)
    if not match or size == 0:
        return None
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":
        n = int(last)
        if n == 0:
            return None
        return max(0, size - n), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if start >= size or end < start:
        return None
    return start, min(end, size - 1)
