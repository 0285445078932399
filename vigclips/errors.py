"""Domain exceptions. The library raises these; only the CLI turns them into messages and exit codes."""

from __future__ import annotations


class VigclipsError(Exception):
    """Base class. ``str(err)`` is one line a guider can act on; ``exit_code`` is what the CLI returns."""

    exit_code = 1


class BadInputError(VigclipsError):
    """The user gave us something we cannot use (missing, empty, not media, truncated). CLI exit code 2."""

    exit_code = 2

    def __init__(self, path: object, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class MediaOpenError(BadInputError):
    """The file cannot be opened or probed as a recording."""


class NoVideoStreamError(BadInputError):
    """The file has no video stream (and video was required)."""


class TruncatedMediaError(BadInputError):
    """Decoding stopped well before the duration the container declares."""


class ConfigError(BadInputError):
    """A config file or option value is invalid."""


def check_setting_range(name: str, value: object, low: float, high: float) -> None:
    """Raise :class:`ConfigError` unless ``value`` is a number in ``[low, high]``; ``name`` is the dotted setting name.

    The one range check every settings dataclass uses in ``__post_init__``, so all say it the same way.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (low <= value <= high):
        raise ConfigError("config", f"{name} must be between {low} and {high}, got {value!r}")


class OutputError(BadInputError):
    """The output folder cannot take the results (not writable, read-only, full). Checked before the long work (#14)."""


class UnsafePathError(BadInputError):
    """A path built from a file's content (a moment id, a recording's name, a ``still`` field) would lead outside the folder
    it belongs in: refused before anything is written or removed there (#24)."""


class ReviewFileError(BadInputError):
    """``moments.json`` is missing, malformed, or of an unknown version."""


class ModelAssetError(VigclipsError):
    """A bundled model file is missing or altered (checked against ``models/README.md``)."""


class FfmpegError(VigclipsError):
    """ffmpeg failed; carries the tail of its stderr so the cause is visible."""

    def __init__(self, message: str, stderr_tail: str = "") -> None:
        self.stderr_tail = stderr_tail
        tail = stderr_tail.strip().splitlines()[-1:] if stderr_tail else []
        super().__init__(message + (f" (ffmpeg: {tail[0]})" if tail else ""))


class ExportError(FfmpegError):
    """Cutting a clip failed."""
