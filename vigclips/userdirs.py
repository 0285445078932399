"""Where a user's own vigclips files live: the settings file and the weights ``vigclips learn`` fits.

Each platform has its own place (platformdirs): ``~/.config/vigclips`` on Linux (or ``$XDG_CONFIG_HOME/vigclips``),
``~/Library/Application Support/vigclips`` on macOS, ``%APPDATA%\\vigclips`` on Windows. ``VIGCLIPS_CONFIG`` names another
settings file instead (a shared one for a service, or one per project).
"""

from __future__ import annotations

import os
from pathlib import Path

CONFIG_ENV = "VIGCLIPS_CONFIG"
"""Environment variable naming the settings file to use instead of the per-user one."""

CONFIG_FILE_NAME = "config.toml"
WEIGHTS_FILE_NAME = "learned_weights.json"


def user_config_dir() -> Path:
    """The platform's per-user configuration folder for vigclips (not created here).

    Example:
        >>> user_config_dir().name
        'vigclips'
    """
    import platformdirs

    # roaming: on Windows the settings follow the guider to another work laptop of the same domain account.
    return Path(platformdirs.user_config_dir("vigclips", appauthor=False, roaming=True))


def user_weights_path() -> Path:
    """Where ``vigclips learn`` saves the ranking weights, and where ``analyze`` and ``rank`` look for them."""
    return user_config_dir() / WEIGHTS_FILE_NAME


def user_config_file() -> Path | None:
    """The settings file found automatically: ``$VIGCLIPS_CONFIG`` if set, else ``config.toml`` in
    :func:`user_config_dir` if it exists, else ``None``.

    A ``VIGCLIPS_CONFIG`` that names a missing file is returned as it is, so loading it fails with a message naming it
    rather than silently running with the defaults.
    """
    named = os.environ.get(CONFIG_ENV)
    if named:
        return Path(named).expanduser()
    path = user_config_dir() / CONFIG_FILE_NAME
    return path if path.is_file() else None


def user_data_dir() -> Path:
    """The platform's per-user data folder for vigclips (not created here): ``~/.local/share/vigclips`` on Linux (or
    ``$XDG_DATA_HOME/vigclips``), ``~/Library/Application Support/vigclips`` on macOS, ``%LOCALAPPDATA%\\vigclips`` on
    Windows (local, not roaming: the workspace holds analyses of recordings, which stay on this machine)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("vigclips", appauthor=False, roaming=False))


def workspace_dir() -> Path:
    """Where ``vigclips open`` keeps its list of recordings and their results by default."""
    return user_data_dir() / "workspace"
