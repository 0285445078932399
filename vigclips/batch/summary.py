"""The morning summary: ``summary.csv``, ``summary.html`` and the readable event lines of ``batch.log``."""

from __future__ import annotations

import csv
import html
import io
import json
import os
import urllib.parse
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from vigclips.batch.job import one_line
from vigclips.batch.markers import read_marker
from vigclips.errors import VigclipsError
from vigclips.fileio import atomic_write_text

from vigclips.results.layout import SUMMARY_CSV, SUMMARY_HTML, TIMELINE_FILE
from vigclips.results.moments import read_moments
from vigclips.safetext import csv_cell, log_text
from vigclips.timefmt import clock, local_now_text, rough_duration, utc_now

SUMMARY_COLUMNS = ("recording", "folder", "status", "duration_s", "candidates", "top_score", "top_start_s", "top_end_s",
                   "top_reasons", "top_still", "time_s", "analysed_utc", "error")  # fmt: skip
"""Columns of ``summary.csv``: ``status`` is done / skipped (done by an earlier run, same content and settings) / failed;
``folder`` and ``top_still`` are relative to OUT; ``top_reasons`` are joined by :data:`REASON_SEPARATOR`; ``time_s`` is the
analysis wall time (of the earlier run when skipped)."""

REASON_SEPARATOR = " | "
"""Between the top moment's reasons in ``summary.csv`` (reasons are sentences and may hold commas and semicolons)."""

EXIT_OK, EXIT_SOME_FAILED = 0, 1


@dataclass(slots=True)
class RecordingResult:
    """One recording's outcome (a row of ``summary.csv``)."""

    recording: Path
    folder: Path
    status: str  # "done" | "skipped" | "failed"
    duration_s: float | None = None
    candidates: int | None = None
    top_score: float | None = None
    top_start_s: float | None = None
    top_end_s: float | None = None
    top_reasons: list[str] = field(default_factory=list)
    top_still: str | None = None  # relative to OUT, e.g. "demo/stills/m01.jpg"
    time_s: float | None = None
    analysed_utc: str | None = None
    error: str = ""


@dataclass(slots=True)
class BatchReport:
    """What :func:`run_batch` did. ``exit_code`` is 0 when nothing failed, 1 otherwise."""

    out_root: Path
    results: list[RecordingResult]
    elapsed_s: float
    log_file: Path
    summary_csv: Path
    summary_html: Path

    @property
    def ok_count(self) -> int:
        """Recordings with complete output (analysed now or skipped as already done)."""
        return sum(r.status in ("done", "skipped") for r in self.results)

    @property
    def failed_count(self) -> int:
        return sum(r.status == "failed" for r in self.results)

    @property
    def skipped_count(self) -> int:
        return sum(r.status == "skipped" for r in self.results)

    @property
    def exit_code(self) -> int:
        return EXIT_SOME_FAILED if self.failed_count else EXIT_OK


def result_from_folder(path: Path, folder: Path, status: str, out_root: Path) -> RecordingResult:
    result = RecordingResult(path, folder, status)
    try:
        document = read_moments(folder)
    except VigclipsError as exc:
        result.status, result.error = "failed", f"output unreadable: {one_line(exc)}"
        return result
    summary = document.get("summary") or {}
    result.duration_s = summary.get("duration_s", document["source"].get("duration_s"))
    result.candidates = summary.get("candidates", len(document["moments"]))
    marker = read_marker(folder) or {}
    result.time_s = marker.get("time_s", summary.get("analysis_time_s"))
    result.analysed_utc = marker.get("finished_utc") or document.get("created_utc")
    moments = sorted(document["moments"], key=lambda m: m.get("rank", 0))
    if moments:
        top = moments[0]
        result.top_score = top.get("score")
        result.top_start_s, result.top_end_s = top.get("start_s"), top.get("end_s")
        result.top_reasons = [str(r) for r in top.get("reasons") or []]
        if top.get("still") and (folder / top["still"]).is_file():
            result.top_still = (folder / top["still"]).relative_to(out_root).as_posix()
    return result


def summary_rows(results: list[RecordingResult], out_root: Path) -> list[dict[str, Any]]:
    """Rows of ``summary.csv`` (:data:`SUMMARY_COLUMNS`) for ``results``."""
    rows = []
    for r in results:
        row = asdict(r)
        row["recording"] = str(r.recording)
        row["folder"] = Path(os.path.relpath(r.folder, out_root)).as_posix()
        row["top_reasons"] = REASON_SEPARATOR.join(r.top_reasons)
        rows.append({k: ("" if row[k] is None else row[k]) for k in SUMMARY_COLUMNS})
    return rows


def _csv_row(row: dict[str, Any]) -> dict[str, Any]:
    """``row`` for ``summary.csv``: its text cells through :func:`~vigclips.safetext.csv_cell` (a file name or error
    starting with ``=`` is shown as text by spreadsheets, not run as a formula); numbers as they are."""
    return {k: csv_cell(v) if isinstance(v, str) else v for k, v in row.items()}


def write_summary(out_root: Path, results: list[RecordingResult]) -> tuple[Path, Path]:
    """Write ``OUT/summary.csv`` and ``OUT/summary.html`` atomically (owner-only). Returns their paths."""
    rows = summary_rows(results, out_root)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SUMMARY_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(_csv_row(row) for row in rows)
    csv_path = atomic_write_text(out_root / SUMMARY_CSV, buffer.getvalue())
    html_path = atomic_write_text(out_root / SUMMARY_HTML, _summary_html(rows, [r.top_reasons for r in results], out_root))
    return csv_path, html_path


_STATUS_TEXT = {"done": "analysed", "skipped": "done earlier", "failed": "FAILED"}


def review_command(folder: Path) -> str:
    """The command that opens ``folder``'s review page, quoted for this system's shell so it can be pasted as it is.

    Example:
        >>> review_command(Path("/results/night one/play 1"))  # doctest: +SKIP
        "vigclips review '/results/night one/play 1'"
    """
    if os.name == "nt":
        import subprocess

        return subprocess.list2cmdline(["vigclips", "review", str(folder)])
    import shlex

    return f"vigclips review {shlex.quote(str(folder))}"


_ERROR_CLASS = ' class="error"'
_COLUMNS_HTML = ("Recording", "Status", "Length", "Candidates", "Top moment", "When, and why", "Analysis time", "Error")


def _summary_html(rows: list[dict[str, Any]], reasons_per_row: list[list[str]], out_root: Path) -> str:
    """The page a guider opens in the morning (a phone will do): times as the review page shows them, local time, and for
    each recording the command that opens its review, ready to copy (#15)."""
    e = html.escape
    ok = sum(r["status"] != "failed" for r in rows)
    failed = len(rows) - ok
    body = []
    for r, top_reasons in zip(rows, reasons_per_row):
        status = r["status"]
        name = e(r["folder"])
        timeline = out_root / r["folder"] / TIMELINE_FILE
        if status != "failed" and timeline.is_file():  # a picture of the whole recording, not a raw folder listing
            name = f'<a href="{urllib.parse.quote(r["folder"])}/{TIMELINE_FILE}" title="timeline of the recording">{name}</a>'
        command = ""
        if status != "failed":
            command = f'<code class="command">{e(review_command(Path(out_root) / r["folder"]))}</code>'
        still = ""
        if r["top_still"]:
            href = urllib.parse.quote(r["top_still"])
            still = f'<a href="{href}"><img src="{href}" alt="still of the top moment" loading="lazy"></a>'
        when = ""
        if r["top_start_s"] != "":
            when = f"{clock(r['top_start_s'])}–{clock(r['top_end_s'])}"
        reasons = "".join(f"<li>{e(x)}</li>" for x in top_reasons)
        path = f'<div class="path">{e(r["recording"])}</div>'
        cells = (f"{name}{command}{path}", e(_STATUS_TEXT.get(status, status)), e(clock(r["duration_s"], 0, hours=True)),
                 e(str(r["candidates"])), still, f"{e(when)}<ul>{reasons}</ul>" if when or reasons else "",
                 e(_seconds(r["time_s"])), e(r["error"]))  # fmt: skip
        # on a phone every cell is a labelled line (data-label), and empty ones are hidden
        tds = "".join(f'<td data-label="{label}"{_ERROR_CLASS if label == "Error" else ""}>{cell}</td>'
                      for label, cell in zip(_COLUMNS_HTML, cells))  # fmt: skip
        body.append(f'<tr class="{e(status)}">{tds}</tr>')
    head = "".join(f"<th>{label}</th>" for label in _COLUMNS_HTML)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>vigclips batch summary</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5em; color: #222; line-height: 1.4; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border-bottom: 1px solid #ddd; padding: .4em .6em; text-align: left; vertical-align: top; }}
th {{ background: #f4f4f4; }}
img {{ width: 200px; max-width: 100%; border-radius: 4px; }}
.path {{ color: #777; font-size: .8em; word-break: break-all; }}
code.command {{ display: block; margin: .3em 0; padding: .3em .5em; background: #f4f4f4; border-radius: 4px; font-size: .85em;
  user-select: all; -webkit-user-select: all; word-break: break-all; white-space: pre-wrap; }}
tr.failed td {{ background: #fff0f0; }}
.error {{ color: #a00; word-break: break-word; }}
ul {{ margin: .2em 0; padding-left: 1.1em; }}
@media (max-width: 700px) {{
  body {{ margin: .8em; }}
  table, tbody, tr, td {{ display: block; width: auto; }}
  thead {{ display: none; }}
  tr {{ border: 1px solid #ddd; border-radius: 6px; margin: 0 0 1em; padding: .3em 0; }}
  td {{ border: none; padding: .25em .6em; }}
  td:empty {{ display: none; }}
  td::before {{ content: attr(data-label); display: block; font-size: .75em; color: #777; }}
  img {{ width: 100%; }}
}}
</style></head><body>
<h1>Recordings analysed</h1>
<p>{len(rows)} recording(s): {ok} with candidate moments ready for review, {failed} failed. Written {e(local_now_text())}.</p>
<p>To check a recording's candidates, copy its command (one click selects it) into a terminal. The still and reasons are
its top-ranked candidate; times are as the review page shows them.</p>
<table><thead><tr>{head}</tr></thead>
<tbody>
{chr(10).join(body)}
</tbody></table></body></html>
"""


def format_event(event: dict[str, Any]) -> str:
    """One line a person can read, for the log and the terminal: a line break in a file name or an error is written as
    ``\\n`` (:func:`~vigclips.safetext.log_text`), so one event is always one line and no line can be forged.

    Example:
        >>> format_event({"event": "recording_failed", "time_utc": "2026-11-25T02:00:00Z", "folder": "b", "finished": 2,
        ...               "total": 5, "error": "b.mp4: not a recording", "eta_s": None})
        '2026-11-25T02:00:00Z [2/5] b: FAILED: b.mp4: not a recording'
    """
    return log_text(_event_text(event))


def _event_text(event: dict[str, Any]) -> str:
    kind = event["event"]
    stamp = event.get("time_utc", utc_now())
    count = f"[{event['finished']}/{event['total']}] " if "total" in event else ""
    eta = f" (batch about {rough_duration(event['eta_s'])} left)" if event.get("eta_s") is not None else ""
    name = event.get("folder", "")
    if kind == "start":
        text = (f"batch {event.get('run_id', '')}: {event['recordings']} recording(s), {event['already_done']} already done, "
                f"{event['to_analyse']} to analyse on "
                + (f"Dask at {event['scheduler']}" if event.get("scheduler") else f"{event['workers']} local worker(s)")
                + f"; results in {event['out_root']}")  # fmt: skip
        if event.get("renamed_folders"):
            renamed = ", ".join(event["renamed_folders"])
            text += f"; same names in different folders, so these output folders carry a hash: {renamed}"
        return f"{stamp} {text}"
    if kind == "recording_skipped":
        return f"{stamp} {count}{name}: skipped, {event.get('reason', '')}{eta}"
    if kind == "recording_started":
        return f"{stamp} {count}{name}: started on {event.get('worker', '?')}{eta}"
    if kind == "recording_progress":
        left = event.get("eta_recording_s")
        more = f", about {rough_duration(left)} left" if left is not None else ""
        return f"{stamp} {count}{name}: {100 * event['fraction']:.0f}%{more}{eta}"
    if kind == "recording_done":
        return (f"{stamp} {count}{name}: done in {rough_duration(event.get('time_s'))}, {event.get('candidates')} candidate(s) "
                f"in {clock(event.get('duration_s'), 0, hours=True)} of recording{eta}")  # fmt: skip
    if kind == "recording_failed":
        return f"{stamp} {count}{name}: FAILED: {event.get('error', '')}{eta}"
    if kind == "done":
        return (f"{stamp} batch finished in {rough_duration(event.get('elapsed_s'))}: {event['ok']} ok "
                f"({event['skipped']} done earlier), {event['failed_recordings']} failed; "
                f"summary {event['summary_html']}")  # fmt: skip
    return f"{stamp} {kind} {json.dumps(event, default=str)}"


def _seconds(value: Any) -> str:
    return "" if value in (None, "") else f"{float(value):.0f} s"
