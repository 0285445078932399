"""Shared fixtures: the real test media in ../shared/media, synthetic clips made with ffmpeg's lavfi, and log guards."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_MEDIA = (REPO_ROOT / ".." / "shared" / "media").resolve()
SAMPLE_VIDEO = REPO_ROOT / "sample_videos" / "demo_play.mp4"


@pytest.fixture(scope="session")
def shared_media() -> Path:
    """The folder of real recordings (read-only; never copied into the project). Skips with the fix when absent."""
    if not (SHARED_MEDIA / "README.md").is_file():
        pytest.skip(f"real test media not found at {SHARED_MEDIA}: check out the project beside the shared/ folder")
    return SHARED_MEDIA


@pytest.fixture(scope="session")
def sample_video() -> Path:
    assert SAMPLE_VIDEO.is_file(), "sample_videos/demo_play.mp4 is committed; rebuild it with sample_videos/make_demo.py"
    return SAMPLE_VIDEO


@pytest.fixture(scope="session")
def lavfi_clip(tmp_path_factory):
    """Factory: ``lavfi_clip(name, video=..., audio=..., seconds=..., extra=[...])`` makes a small synthetic file once."""
    from vigclips.media.ffmpeg import base_args, run_ffmpeg

    folder = tmp_path_factory.mktemp("lavfi")
    made: dict[str, Path] = {}

    def make(name: str, *, video: str | None = "testsrc2=size=320x240:rate=25", audio: str | None = "sine=frequency=440:sample_rate=44100",
             seconds: float = 3.0, extra: list[str] | None = None) -> Path:  # fmt: skip
        if name in made:
            return made[name]
        out = folder / name
        args = [*base_args(), "-v", "error", "-y"]
        if video:
            args += ["-f", "lavfi", "-i", video]
        if audio:
            args += ["-f", "lavfi", "-i", audio]
        args += ["-t", str(seconds)]
        if video:
            args += ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-preset", "ultrafast"]
        if audio:
            args += ["-c:a", "aac"] if out.suffix in {".mp4", ".mov", ".m4a"} else []
        args += [*(extra or []), str(out)]
        run_ffmpeg(args, f"making test clip {name}")
        made[name] = out
        return out

    return make


@pytest.fixture(autouse=True)
def no_error_logs(caplog):
    """A test that logs at ERROR or above fails, unless it asserts on that log itself (then it clears caplog)."""
    yield
    errors = [r for r in caplog.get_records("call") if r.levelno >= logging.ERROR]
    assert not errors, f"unexpected ERROR logs: {[r.getMessage() for r in errors]}"


@pytest.fixture(autouse=True)
def own_user_config(tmp_path_factory, monkeypatch):
    """Each test sees an empty per-user config folder, never the developer's own settings or learned weights."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("user_config")))
    monkeypatch.delenv("VIGCLIPS_CONFIG", raising=False)
