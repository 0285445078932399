"""The command line: a thin client over the library.

Click options become a :class:`PipelineConfig` (CLI > config file > default); each command calls one library function.
Domain errors become one line on stderr and an exit code (0 done, 1 failed, 2 bad usage or bad input);
``VIGCLIPS_DEBUG=1`` shows the full traceback instead.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import sys
import time
import threading
from pathlib import Path
from typing import Any, Callable

import click

from vigclips import __version__
from vigclips.config import AnalysisConfig, PipelineConfig, load_user_config, setting_range
from vigclips.errors import BadInputError, VigclipsError
from vigclips.progress import LineProgress, NullProgress, Progress, TqdmProgress, is_terminal
from vigclips.safetext import log_text
from vigclips.vision.settings import INFANT_CHOICES

log = logging.getLogger("vigclips")

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2

# Each command imports its library call when it runs, so `vigclips --help` and a mistyped option answer at once instead
# of after loading OpenCV, MediaPipe and matplotlib.


def _handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn library errors into one line and an exit code; never a traceback unless VIGCLIPS_DEBUG=1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from tqdm.contrib.logging import logging_redirect_tqdm

        try:
            with logging_redirect_tqdm(loggers=[log]):  # log lines go above the progress line, never through it
                return func(*args, **kwargs)
        except VigclipsError as exc:
            if os.environ.get("VIGCLIPS_DEBUG") == "1":
                raise
            click.echo(f"error: {log_text(exc)}", err=True)  # one line, even for a file name with a line break in it
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted: nothing half-written was kept", err=True)
            sys.exit(130)
        except Exception as exc:  # an unexpected failure is still one line; the debug switch shows where
            if os.environ.get("VIGCLIPS_DEBUG") == "1":
                raise
            click.echo(f"error: internal error: {exc.__class__.__name__}: {log_text(exc)} (set VIGCLIPS_DEBUG=1 for details)",
                       err=True)  # fmt: skip
            sys.exit(EXIT_FAILED)

    return wrapper


class _OneLineFormatter(logging.Formatter):
    """Each message on one line: a line break in a file name or a note is shown as ``\\n``, never a forged log line."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        return log_text(super().formatMessage(record))


def _setup_logging(verbose: int, quiet: bool) -> None:
    level = logging.ERROR if quiet else (logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLineFormatter("%(levelname)s: %(message)s"))
    logger = logging.getLogger("vigclips")
    logger.handlers = [h for h in logger.handlers if isinstance(h, logging.NullHandler)] + [handler]
    logger.setLevel(level)


def _progress() -> Progress:
    """The progress line on a terminal, a plain line every few seconds elsewhere (#25), none with -q (only errors)."""
    if log.getEffectiveLevel() >= logging.ERROR:
        return NullProgress()
    return TqdmProgress() if is_terminal(sys.stderr) else LineProgress()


def _late_verbosity(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    """`-v`/`-q` given after the subcommand add to those given before it (``vigclips export OUT/x -v``)."""
    if not value:
        return
    root = ctx.find_root()
    levels = root.meta.setdefault("vigclips.verbosity", {"verbose": root.params.get("verbose", 0),
                                                         "quiet": root.params.get("quiet", False)})  # fmt: skip
    if param.name == "verbose":
        levels["verbose"] += value
    else:
        levels["quiet"] = True
    _setup_logging(levels["verbose"], levels["quiet"])


class _Commands(click.Group):
    """A group whose every subcommand also accepts ``-v``/``-q`` (people type them at the end of a command)."""

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        cmd.params += [
            click.Option(["-v", "--verbose"], count=True, expose_value=False, callback=_late_verbosity,
                         help="More messages (-vv for debugging); the same as before the command."),
            click.Option(["-q", "--quiet"], is_flag=True, expose_value=False, callback=_late_verbosity,
                         help="Only errors; the same as before the command."),
        ]  # fmt: skip
        super().add_command(cmd, name)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]}, invoke_without_command=True)
@click.version_option(__version__, prog_name="vigclips")
@click.option("-v", "--verbose", count=True, help="More messages (-vv for debugging).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.pass_context
def main(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """Find attuned parent–infant moments in play recordings, review them, and cut clips.

    Without a command, opens the workspace page in your browser (`vigclips open`).

    Everything runs on this machine: nothing is sent anywhere, outputs are readable by you only, and the recordings are
    never modified.
    """
    _setup_logging(verbose, quiet)
    if ctx.invoked_subcommand is None:
        ctx.invoke(open_workspace)


def _config_from_options(config_file: Path | None, overrides: dict[str, Any]) -> PipelineConfig:
    # The file given, else $VIGCLIPS_CONFIG or the per-user config.toml; learned weights are found the same way.
    return load_user_config(config_file, overrides)


config_option = click.option(
    "--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
    help="TOML settings file (default: $VIGCLIPS_CONFIG, else config.toml in your user config folder if there is one).")
"""The one ``--config`` every command takes: the settings (and learned weights) every command runs with."""


def _analysis_range(name: str) -> click.ParamType:
    """The option type of an ``[analysis]`` setting, with the range the setting itself declares."""
    low, high = setting_range(AnalysisConfig, name)
    return click.IntRange(low, high) if isinstance(low, int) else click.FloatRange(low, high)


def _top_option(help_text: str) -> Callable[..., Any]:
    return click.option("--top", type=_analysis_range("top"), help=f"{help_text} (default {AnalysisConfig().top}).")


def _analysis_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The settings `analyze` and `batch` share (each overrides the config file's value when given)."""
    options = [
        config_option,
        click.option("--fps", type=_analysis_range("fps"), help=f"Analysis ticks per second (default {AnalysisConfig().fps:g})."),
        _top_option("How many candidate moments to keep"),
        click.option("--infant", type=click.Choice(INFANT_CHOICES), help="Which face is the infant (default: decided automatically)."),
        click.option("--weights", type=click.Path(dir_okay=False, path_type=Path), help="Ranking weights from `vigclips learn`."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _analysis_config(config_file: Path | None, fps: float | None, top: int | None, infant: str | None,
                     weights: Path | None) -> PipelineConfig:  # fmt: skip
    return _config_from_options(config_file, {"analysis.fps": fps, "analysis.top": top, "vision.infant": infant,
                                     "scoring.weights_file": str(weights) if weights else None})  # fmt: skip


@main.command()
@click.argument("videos", nargs=-1, required=True, type=click.Path(path_type=Path, readable=False))  # each file's own error
@click.option("-o", "--output", "out_root", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the results; each recording gets OUT/<name>/.")
@_analysis_options
@click.option("--overlay", is_flag=True, help="Also write overlay.mp4 showing what the program saw.")
@click.option("--force", is_flag=True, help="Overwrite earlier results even if they hold review decisions.")
@_handle_errors
def analyze(videos: tuple[Path, ...], out_root: Path, overlay: bool, force: bool, **analysis_options: Any) -> None:
    """Analyse recordings and rank candidate attuned moments.

    Writes OUT/<name>/moments.json (ranked candidates with reasons), signals.csv (what was measured, 10 rows a second),
    stills, a timeline picture and ELAN, WebVTT, EDL and RTTM files.
    """
    from vigclips.pipeline import analyze_to_folder

    cfg = _analysis_config(**analysis_options)
    stems: dict[str, Path] = {}
    for video in videos:
        if video.stem in stems:
            raise BadInputError(video, f"has the same name as {stems[video.stem]}; their results would share OUT/{video.stem}/")
        stems[video.stem] = video
    for video in videos:
        if video.is_dir():
            raise BadInputError(video, f"is a folder: to analyse every recording in it, run `vigclips batch {video} -o {out_root}`")
    worst = EXIT_OK
    done: list[Path] = []
    for k, video in enumerate(videos, start=1):
        # Per recording, what is happening and what came of it (#15: a run was silent until its end).
        if len(videos) > 1:  # one recording has its progress line (on a terminal) and its result line
            click.echo(f"[{k}/{len(videos)}] {video.name}: analysing…", err=True)
        started = time.monotonic()
        try:
            folder = analyze_to_folder(video, out_root, cfg, _progress(), overlay=overlay, force=force)
        except VigclipsError as exc:
            if len(videos) == 1 or os.environ.get("VIGCLIPS_DEBUG") == "1":
                raise
            click.echo(f"error: {exc}", err=True)  # one bad file does not stop the others
            worst = max(worst, exc.exit_code)
            continue
        click.echo(f"{video.name}: results in {folder} ({_candidates_found(folder)}, {time.monotonic() - started:.0f} s)")
        done.append(folder)
    if done:
        target = done[0] if len(done) == 1 else out_root
        click.echo(f"Next: vigclips review {_shell_quote(target)}")
    if worst:
        sys.exit(worst)


def _candidates_found(folder: Path) -> str:
    """"5 candidate moments" from the folder's moments.json."""
    from vigclips.results.moments import read_moments

    n = len(read_moments(folder)["moments"])
    return f"{n} candidate moment{'s' if n != 1 else ''}" if n else "no candidate moments"


def _shell_quote(path: Path) -> str:
    import shlex

    return shlex.quote(str(path))


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--all", "include_candidates", is_flag=True, help="Cut every candidate not rejected, not only confirmed ones.")
@click.option("--source", type=click.Path(dir_okay=False, path_type=Path), help="The recording, if it has moved since analysis.")
@config_option
@click.option("--annotate", is_flag=True, help="Also write teaching versions with the cues drawn in (clips/annotated/).")
@click.option("--stills", is_flag=True, help="Also export each moment's still picture (clips/stills/).")
@click.option("--contact-sheet/--no-contact-sheet", default=True, show_default=True,
              help="Write clips/contact_sheet.png, one page of the exported moments for the shared review.")
@_handle_errors
def export(folder: Path, include_candidates: bool, source: Path | None, config_file: Path | None, annotate: bool, stills: bool,
           contact_sheet: bool) -> None:  # fmt: skip
    """Cut the confirmed moments of OUT/<name> into clips (H.264/AAC MP4) with clips/manifest.csv."""
    from vigclips.export import export_clips

    cfg = _config_from_options(config_file, {})
    clips = export_clips(folder, cfg, include_candidates=include_candidates, source=source, progress=_progress(),
                         annotate=annotate, stills=stills, contact_sheet=contact_sheet)  # fmt: skip
    if not clips:
        if include_candidates:
            click.echo("no moments to export: the recording has no candidates left that are not rejected", err=True)
        else:
            click.echo("no confirmed moments to export (confirm some in `vigclips review`, or use --all)", err=True)
    for clip in clips:
        click.echo(str(clip))
    # Then the teaching versions and the parent's sheet, so every file the export made is named (#15).
    from vigclips.results.layout import ANNOTATED_DIR, CLIPS_DIR, CONTACT_SHEET_FILE

    for clip in clips if annotate else []:
        teaching = clip.parent / ANNOTATED_DIR / clip.name
        if teaching.is_file():
            click.echo(f"{teaching} (teaching version)")
    sheets = sorted(Path(folder, CLIPS_DIR).glob(f"{Path(CONTACT_SHEET_FILE).stem}*")) if clips and contact_sheet else []
    for sheet in sheets:
        click.echo(f"{sheet} (sheet for the parent)")


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="Port on 127.0.0.1 (default: a free one).")
@click.option("--no-browser", is_flag=True, help="Only print the address; do not open a browser.")
@click.option("--source", type=click.Path(dir_okay=False, path_type=Path), help="The recording, if it has moved since analysis.")
@config_option
@_handle_errors
def review(folder: Path, port: int, no_browser: bool, source: Path | None, config_file: Path | None) -> None:
    """Review the candidates of OUT/<name> in the browser: watch, confirm or reject, trim, tag, then export.

    Given a batch's OUT folder instead, the page lists every recording with its status and top still, and opens each.

    The page runs on this computer only (127.0.0.1) and needs the secret address printed here. Every change is saved at
    once to moments.json. Press Ctrl-C to stop.
    """
    from vigclips.review.batch_page import BatchReviewServer, is_batch_folder
    from vigclips.review.server import prepare_review

    cfg = _config_from_options(config_file, {})
    click.echo("Preparing the review page (the first time, small previews are made; this can take a minute)…", err=True)
    if is_batch_folder(folder):  # a batch's OUT: one page listing every recording (#13)
        server = BatchReviewServer(folder, port=port, cfg=cfg, prepare=True)
        click.echo(f"Review page for the {len(server.apps)} recording(s) in {folder}: {server.url}")
    else:
        server = prepare_review(folder, port=port, source=source, cfg=cfg)
        click.echo(f"Review page for {folder}: {server.url}")
    click.echo("Keep this address private (it is the key to the page). Press Ctrl-C to stop.")
    _serve_in_browser(server, no_browser, "stopped; every decision was already saved to moments.json")


def _serve_in_browser(server: Any, no_browser: bool, stopped: str) -> None:
    """Open the page's one-time address (unless ``no_browser``) and serve until it is stopped or Ctrl-C."""
    import webbrowser

    if not no_browser:
        webbrowser.open(server.launch_url())  # a one-time address: the browser's command line is readable by other users
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo(stopped, err=True)
    finally:
        server.httpd.server_close()


@main.command("open")
@click.option("--workspace", "folder", type=click.Path(file_okay=False, path_type=Path),
              help="The workspace folder: the list of recordings and their results (default: in your user data folder).")
@click.option("--folder", "roots", multiple=True, type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="A folder the page may choose recordings from (repeatable; default: your home folder and where drives and "
                   "cards appear).")
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="Port on 127.0.0.1 (default: the last one, if free).")
@click.option("--no-browser", is_flag=True, help="Only print the address; do not open a browser.")
@click.option("--analyses", type=click.IntRange(1, 64), help="Analyses at once (default: one per core).")
@config_option
@_handle_errors
def open_workspace(folder: Path | None = None, roots: tuple[Path, ...] = (), port: int = 0, no_browser: bool = False,
                   analyses: int | None = None, config_file: Path | None = None) -> None:  # fmt: skip
    """Open the workspace page: add recordings, follow their analyses, review, export, open the clips folder.

    Runs until the page's Stop button (or Ctrl-C here). Analyses go on when the browser is closed; ones not finished when
    vigclips stops start again the next time. Started while it already runs, it opens the running one's page.
    """
    import webbrowser

    from vigclips.userdirs import workspace_dir
    from vigclips.workspace import Workspace, WorkspaceServer, reopen_running

    cfg = _config_from_options(config_file, {})
    workspace = Workspace(folder or workspace_dir())
    running = reopen_running(workspace.folder)
    if running:  # a launcher double-clicked again: the page of the one that runs
        click.echo("vigclips is already open; its page was opened again.", err=True)
        if not no_browser:
            webbrowser.open(running)
        return
    with workspace.exclusive():
        server = WorkspaceServer(workspace, list(roots) or None, port=port, cfg=cfg, slots=analyses)
        click.echo(f"vigclips workspace ({workspace.folder}): {server.url}")
        click.echo("Keep this address private (it is the key to the page). Stop it with the page's Stop button or Ctrl-C.")
        _serve_in_browser(server, no_browser, "stopped; analyses not finished start again next time")


@main.command()
@_handle_errors
def launcher() -> None:
    """Make a launcher to double-click: a desktop entry on Linux (menu and desktop), a shortcut on Windows (desktop and
    Start menu), vigclips.command on the macOS desktop. It opens the workspace page (`vigclips open`)."""
    from vigclips.workspace import create_launcher

    for path in create_launcher():
        click.echo(f"launcher: {path}")


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--output", "out_root", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the results: OUT/<name>/ per recording, summary.csv, summary.html, batch.log.")
@click.option("--workers", type=click.IntRange(1, 256),
              help="Local worker processes, each analysing one recording on one core (default: one per core).")
@click.option("--scheduler", metavar="ADDRESS", help="Run on a Dask distributed cluster instead, e.g. tcp://host:8786.")
@click.option("--progress", "progress_mode", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: readable lines on stderr; json: one JSON object per event on stdout.")
@_analysis_options
@click.option("--overlay", is_flag=True, help="Also write overlay.mp4 per recording.")
@click.option("--force", is_flag=True, help="Re-analyse over earlier results even if they hold review decisions.")
@_handle_errors
def batch(inputs: tuple[str, ...], out_root: Path, workers: int | None, scheduler: str | None, progress_mode: str,
          overlay: bool, force: bool, **analysis_options: Any) -> None:  # fmt: skip
    """Analyse every recording in folders (recursively) and glob patterns, e.g. overnight; rerun to finish after a crash.

    Recordings already analysed with the same content and settings are skipped; one that fails is recorded with its error
    and the others go on. Exit code 0: all analysed; 1: some failed; 2: bad usage.
    """
    import json

    from vigclips.batch import format_event, run_batch

    cfg = _analysis_config(**analysis_options)
    if progress_mode == "json":
        def show(event: dict[str, Any]) -> None:
            click.echo(json.dumps(event, default=str))
    else:
        def show(event: dict[str, Any]) -> None:
            click.echo(format_event(event), err=True)
    report = run_batch(list(inputs), out_root, cfg, workers=workers, scheduler=scheduler, progress_events=show, overlay=overlay,
                       force=force)  # fmt: skip
    if progress_mode == "text":
        click.echo(f"summary: {report.summary_html}")
    sys.exit(report.exit_code)


@main.command()
@click.argument("folders", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to save the weights (default: your user config folder, vigclips/learned_weights.json).")
@click.option("--l2", type=click.FloatRange(0, 1000), default=1.0, show_default=True, help="Ridge penalty of the fit.")
@click.option("-k", "k", type=click.IntRange(1, 50), default=3, show_default=True, help="k of precision@k in the check.")
@config_option
@_handle_errors
def learn(folders: tuple[Path, ...], output: Path | None, l2: float, k: int, config_file: Path | None) -> None:
    """Fit the ranking to your review decisions (confirmed and rejected moments in OUT/<name>/moments.json).

    Saves small weights on this machine (never sent anywhere) and checks, leaving one recording out at a time, whether they
    rank your confirmations higher than the default weights. Saved in your user config folder, `analyze` and `rank` use
    them from then on (unless `--weights` or `[scoring] weights_file` names others).
    """
    from vigclips.results.moments import read_examples
    from vigclips.scoring import fit_and_save

    cfg = _config_from_options(config_file, {})
    path, weights, report = fit_and_save(read_examples(list(folders)), output, cfg.scoring, l2, k)
    click.echo(f"weights saved to {path}")
    click.echo("coefficients: " + ", ".join(f"{name} {value:+.3f}" for name, value in weights.coef.items())
               + f", intercept {weights.intercept:+.3f}")  # fmt: skip
    click.echo(report.summary())


@main.command()
@click.argument("folders", nargs=-1, required=True, type=click.Path(file_okay=False, path_type=Path))
@_top_option("How many fresh candidates besides your decisions")
@click.option("--weights", type=click.Path(dir_okay=False, path_type=Path),
              help="Ranking weights (default: those `vigclips learn` saved, if any).")
@config_option
@click.option("--no-stills", is_flag=True, help="Do not cut stills for new candidates (the recording is then not needed).")
@click.option("--no-timeline", is_flag=True, help="Do not draw timeline.png again.")
@click.option("--source", type=click.Path(dir_okay=False, path_type=Path),
              help="The recording, if it has moved since analysis (one folder only).")
@_handle_errors
def rank(folders: tuple[Path, ...], top: int | None, weights: Path | None, config_file: Path | None, no_stills: bool,
         no_timeline: bool, source: Path | None) -> None:  # fmt: skip
    """Rank the candidates of OUT/<name>... again from the saved signals, with the current [scoring] settings or learned
    weights, in about a second (no re-analysis).

    Every moment you confirmed, rejected, trimmed, tagged, annotated or added stays exactly as it is; the fresh candidates
    fill the list around them. timeline.png, the .eaf, moments.vtt and the .edl are written again.
    """
    from vigclips.rerank import rank_folder

    cfg = _config_from_options(config_file, {"analysis.top": top, "scoring.weights_file": str(weights) if weights else None})
    if source is not None and len(folders) > 1:
        raise BadInputError(source, "--source names one recording: give one folder with it")
    for folder in folders:
        report = rank_folder(folder, cfg, stills=not no_stills, timeline=not no_timeline, source=source)
        click.echo(report.summary())


@main.command("import-elan")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.argument("eaf", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True,
              help="Import an .eaf written before the decisions last changed (its decisions then win over the newer ones).")
@config_option
@_handle_errors
def import_elan(folder: Path, eaf: Path | None, force: bool, config_file: Path | None) -> None:
    """Bring decisions corrected in ELAN back into OUT/<name>/moments.json.

    Reads the tiers "guider decisions" ("confirmed m01", "rejected m02", or "confirmed" alone for a new moment),
    "guider tags" and "guider notes" of EAF (default OUT/<name>/<name>.eaf, written by `vigclips export`). They then
    count for `vigclips learn` like decisions made on the review page. An .eaf written before the decisions last changed
    (on the review page, by `rank`, by an earlier import) is refused unless --force: run `vigclips export` for a current one.
    """
    from vigclips.review.elan_import import import_elan as import_decisions

    counts = import_decisions(folder, eaf, _config_from_options(config_file, {}), force=force)
    click.echo(f"{folder}: {counts['changed']} moment(s) changed, {counts['added']} added, {counts['unchanged']} unchanged")


NATIVE_CHATTER = re.compile(rb"^(?:[IW]\d{4} |INFO: Created TensorFlow Lite|WARNING: All log messages before absl)")
"""Start-up lines MediaPipe's C++ writes straight to file descriptor 2 from its own threads (no switch turns them off)."""


def _filter_native_chatter() -> None:
    """Keep MediaPipe's native INFO/W lines off a guider's terminal; everything else written to fd 2 passes through.

    Python's own stderr is pointed straight at the terminal, so our messages never depend on the filter thread; only native
    writes go through the pipe. Skipped with VIGCLIPS_DEBUG=1.
    """
    if os.environ.get("VIGCLIPS_DEBUG") == "1":
        return
    try:
        terminal_fd = os.dup(2)
        read_fd, write_fd = os.pipe()
    except OSError:
        return
    sys.stderr.flush()
    sys.stderr = open(terminal_fd, "w", buffering=1, encoding=sys.stderr.encoding or "utf-8", errors="replace", closefd=False)
    os.dup2(write_fd, 2)
    os.close(write_fd)

    def forward() -> None:
        with open(read_fd, "rb") as native:
            for line in native:
                if not NATIVE_CHATTER.match(line):
                    os.write(terminal_fd, line)

    threading.Thread(target=forward, name="native-stderr-filter", daemon=True).start()


def run() -> None:
    """Console entry point (``vigclips``)."""
    for name in ("stdout", "stderr"):  # started without a console (a Windows shortcut to pythonw): no streams at all
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))
    _filter_native_chatter()
    main()


if __name__ == "__main__":  # pragma: no cover
    run()
