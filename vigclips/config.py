"""One source of truth for defaults: frozen dataclasses, loaded from TOML, overridden by CLI options.

Precedence is CLI option > config file > default. Each stage owns its section's dataclass (``vision/settings.py``,
``audio/settings.py``, ``scoring/settings.py``); this module composes them and does the loading and validation.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import tomllib
import typing
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from vigclips.audio.settings import AudioConfig
from vigclips.errors import ConfigError, check_setting_range
from vigclips.scoring.settings import ScoringConfig
from vigclips.userdirs import user_config_file, user_weights_path
from vigclips.vision.settings import VisionConfig

log = logging.getLogger("vigclips")


def setting_range(cls: type, name: str) -> tuple[float, float]:
    """The ``(low, high)`` range a setting declares in its field's metadata (what the command line's option types use).

    Example:
        >>> setting_range(AnalysisConfig, "top")
        (1, 100)
    """
    return next(f for f in dataclasses.fields(cls) if f.name == name).metadata["range"]


def _check_declared_ranges(settings: Any, section: str) -> None:
    for f in dataclasses.fields(settings):
        if "range" in f.metadata:
            check_setting_range(f"{section}.{f.name}", getattr(settings, f.name), *f.metadata["range"])


@dataclass(frozen=True, slots=True)
class AnalysisConfig:
    """How recordings are sampled for analysis.

    Attributes:
        fps: analysis ticks per second: the rows of signals.csv and the frames the face models see (1–30).
        max_width_px: frames are scaled down to at most this width before analysis; the face models work on small crops,
            so more pixels cost decoding time, not accuracy on faces of normal size (160–3840).
        top: how many candidate moments to keep per recording (1–100).
    """

    fps: float = field(default=10.0, metadata={"range": (1.0, 30.0)})
    max_width_px: int = field(default=640, metadata={"range": (160, 3840)})
    top: int = field(default=5, metadata={"range": (1, 100)})

    def __post_init__(self) -> None:
        _check_declared_ranges(self, "analysis")

    @property
    def tick_hz(self) -> Fraction:
        return Fraction(self.fps).limit_denominator(1000)


@dataclass(frozen=True, slots=True)
class ExportConfig:
    """How clips are encoded: H.264/AAC MP4 with yuv420p, which every phone and tablet plays.

    Attributes:
        crf: H.264 quality, lower is better and bigger (0–51; 18–23 looks like the source).
        preset: x264 speed preset; slower presets make smaller files for the same quality.
        audio_bitrate_kbps: AAC bitrate (32–320).
        max_height_px: clips taller than this are scaled down (144–4320).
    """

    crf: int = field(default=20, metadata={"range": (0, 51)})
    preset: str = "veryfast"
    audio_bitrate_kbps: int = field(default=128, metadata={"range": (32, 320)})
    max_height_px: int = field(default=1080, metadata={"range": (144, 4320)})

    def __post_init__(self) -> None:
        _check_declared_ranges(self, "export")
        presets = {"ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"}
        if self.preset not in presets:
            raise ConfigError("config", f"export.preset must be one of {', '.join(sorted(presets))}, got {self.preset!r}")


@dataclass(frozen=True, slots=True)
class PipelineConfig:
    """Every setting of a run. Pass this (never CLI objects) into library code."""

    analysis: AnalysisConfig = field(default_factory=AnalysisConfig)
    vision: VisionConfig = field(default_factory=VisionConfig)
    audio: AudioConfig = field(default_factory=AudioConfig)
    scoring: ScoringConfig = field(default_factory=ScoringConfig)
    export: ExportConfig = field(default_factory=ExportConfig)

    def with_overrides(self, overrides: dict[str, Any]) -> "PipelineConfig":
        """A copy with dotted keys replaced, e.g. ``{"analysis.fps": 5}``; ``None`` values are ignored."""
        sections: dict[str, dict[str, Any]] = {}
        for key, value in overrides.items():
            if value is None:
                continue
            section, _, name = key.partition(".")
            sections.setdefault(section, {})[name] = value
        return _build(PipelineConfig, _merge(_as_dict(self), sections), "")

    def to_dict(self) -> dict[str, Any]:
        """Plain nested dict (for cache keys and for recording the settings beside the results)."""
        return _as_dict(self)


def load_config(path: Path | None = None, overrides: dict[str, Any] | None = None) -> PipelineConfig:
    """Load a TOML config file (optional) and apply CLI overrides.

    Args:
        path: a TOML file with tables ``[analysis]``, ``[vision]``, ``[audio]``, ``[scoring]``, ``[export]``.
        overrides: dotted keys from the command line, e.g. ``{"analysis.top": 3}``.

    Returns:
        The validated :class:`PipelineConfig`.

    Raises:
        ConfigError: unreadable file, unknown table or key, wrong type, or a value out of range.

    Example:
        >>> load_config(None, {"analysis.fps": 5}).analysis.fps
        5.0
    """
    data: dict[str, Any] = {}
    if path is not None:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(path, "config file not found") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(path, f"cannot read config file ({exc.__class__.__name__})") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(path, f"not valid TOML: {exc}") from None
    try:
        cfg = _build(PipelineConfig, data, "")
    except ConfigError as exc:
        if path is not None:
            raise ConfigError(path, exc.problem) from None
        raise
    return cfg.with_overrides(overrides or {})


def load_user_config(path: Path | None = None, overrides: dict[str, Any] | None = None) -> PipelineConfig:
    """:func:`load_config` with what a user set up found automatically (what the command line uses).

    The settings file is ``path`` if given, else the one :func:`vigclips.userdirs.user_config_file` finds
    (``$VIGCLIPS_CONFIG`` or the per-user ``config.toml``). If no ``[scoring] weights_file`` is set (by the file or
    ``overrides``) and ``vigclips learn`` has saved weights in the per-user folder, those weights are used.

    Example:
        >>> load_user_config(None, {"analysis.top": 3}).analysis.top  # doctest: +SKIP
        3
    """
    cfg = load_config(path if path is not None else user_config_file(), overrides)
    if not cfg.scoring.weights_file:
        learned = user_weights_path()
        if learned.is_file():
            log.info("ranking with the weights learned by `vigclips learn` (%s)", learned)
            cfg = cfg.with_overrides({"scoring.weights_file": str(learned)})
    return cfg


def _as_dict(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj):
        return {f.name: _as_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, tuple):
        return [_as_dict(v) for v in obj]
    return obj


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _build(cls: type, data: dict[str, Any], prefix: str) -> Any:
    """Build dataclass ``cls`` from nested dicts, checking names and types so a typo is an error, not ignored."""
    if not isinstance(data, dict):
        raise ConfigError("config", f"[{prefix.rstrip('.')}] must be a table")
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError("config", f"unknown setting {prefix}{unknown[0]} (known: {', '.join(sorted(known))})")
    kwargs: dict[str, Any] = {}
    for name, value in data.items():
        hint = hints[name]
        key = f"{prefix}{name}"
        if dataclasses.is_dataclass(hint):
            kwargs[name] = _build(hint, value, f"{key}.")
        else:
            kwargs[name] = _coerce(key, hint, value)
    return cls(**kwargs)


def _coerce(key: str, hint: Any, value: Any) -> Any:
    origin = typing.get_origin(hint)
    if hint is bool:
        if isinstance(value, bool):
            return value
    elif hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif hint is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif hint is str:
        if isinstance(value, str):
            return value
    elif origin is tuple:
        if isinstance(value, (list, tuple)):
            return tuple(value)
    elif origin is typing.Literal:
        if value in typing.get_args(hint):
            return value
        raise ConfigError("config", f"{key} must be one of {', '.join(map(str, typing.get_args(hint)))}, got {value!r}")
    else:
        return value
    raise ConfigError("config", f"{key} has the wrong type: expected {getattr(hint, '__name__', hint)}, got {value!r}")


def example_config_text() -> str:
    """A complete TOML config with every setting at its default, commented from the dataclasses' docstrings.

    ``vigclips.example.toml`` in the repository is this text; regenerate it with ``python -m vigclips.config``.
    """
    lines = [
        "# vigclips settings: every setting with its default. Copy this file, change what you need, delete the rest,",
        "# and pass it with --config FILE. Command-line options win over this file.",
        "",
    ]
    for section in dataclasses.fields(PipelineConfig):
        cls = typing.get_type_hints(PipelineConfig)[section.name]
        docs = _attribute_docs(cls)
        summary = (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""
        lines += [f"[{section.name}]", f"# {summary}"] if summary else [f"[{section.name}]"]
        default = cls()
        for f in dataclasses.fields(cls):
            for doc_line in docs.get(f.name, []):
                lines.append("# " + re.sub(r":\w+:`~?([^`]+)`", r"\1", doc_line))
            lines.append(f"{f.name} = {_toml_value(getattr(default, f.name))}")
        lines.append("")
    return "\n".join(lines)


def _attribute_docs(cls: type) -> dict[str, list[str]]:
    """``Attributes:`` entries of a Google-style class docstring, wrapped lines joined, as {name: [lines]}."""
    docs: dict[str, list[str]] = {}
    text = cls.__doc__ or ""
    if "Attributes:" not in text:
        return docs
    current = None
    for raw in text.split("Attributes:", 1)[1].splitlines():
        line = raw.strip()
        if not line:
            continue
        head, sep, rest = line.partition(":")
        if sep and head.isidentifier() and raw.startswith(" " * 8) and not raw.startswith(" " * 12):
            current = head
            docs[current] = [rest.strip()]
        elif current:
            docs[current].append(line)
    return docs


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return repr(value)


if __name__ == "__main__":  # pragma: no cover
    print(example_config_text(), end="")
