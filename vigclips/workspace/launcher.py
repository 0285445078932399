"""The launcher a guider double-clicks to start vigclips (``vigclips launcher``, #25): it runs ``vigclips open`` with the
Python vigclips is installed in, so it works for a pipx install, a venv or a system install alike.

* Linux: a desktop entry, ``vigclips.desktop``, in the applications menu (``~/.local/share/applications``) and on the
  desktop, executable (GNOME asks once to "Allow Launching" one on the desktop).
* Windows: a shortcut (``vigclips.lnk``) on the desktop and in the Start menu, made by PowerShell's ``WScript.Shell``;
  it runs ``pythonw.exe`` so no console window opens.
* macOS: ``vigclips.command`` on the desktop (a Terminal window opens beside the page; close it to stop vigclips).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from vigclips.errors import BadInputError

NAME = "vigclips"
COMMENT = "Find, review and export attuned moments in play recordings"
EXECUTABLE_MODE = 0o755  # a desktop file manager runs only executable launchers; it holds no secret


def _desktop_quote(arg: str) -> str:
    """One argument of a desktop entry's ``Exec`` key (freedesktop Desktop Entry Specification, "The Exec key")."""
    if arg and not any(c in arg for c in ' \t\n"\'\\><~|&;$*?#()`%'):
        return arg
    escaped = arg.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`").replace("$", "\\$")
    return f'"{escaped}"'.replace("%", "%%")


def desktop_entry(python: str) -> str:
    """The text of ``vigclips.desktop``: ``python -m vigclips open``, no terminal."""
    exec_line = " ".join(_desktop_quote(a) for a in (python, "-m", "vigclips", "open"))
    # The Exec value is also a string value: a backslash in it is written twice (the spec's two levels of escaping).
    exec_value = exec_line.replace("\\", "\\\\")
    return ("[Desktop Entry]\nType=Application\nVersion=1.0\n"
            f"Name={NAME}\nComment={COMMENT}\nExec={exec_value}\nTerminal=false\n"
            "Icon=video-x-generic\nCategories=AudioVideo;Video;Education;\nStartupNotify=true\n")  # fmt: skip


def macos_command(python: str) -> str:
    """The text of ``vigclips.command`` (a shell script Finder runs in Terminal)."""
    quoted = "'" + python.replace("'", "'\\''") + "'"
    return f"#!/bin/sh\n# Starts vigclips: its page opens in your browser. Close this window to stop it.\nexec {quoted} -m vigclips open\n"


def _ps_quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def windows_pythonw(python: str) -> str:
    """``pythonw.exe`` beside ``python.exe`` (no console window), or ``python`` itself if there is none."""
    path = Path(python)
    candidate = path.with_name("pythonw.exe")
    return str(candidate) if path.name.lower() == "python.exe" and candidate.exists() else python


def windows_shortcut_script(python: str, folders: list[str]) -> str:
    """PowerShell that makes ``vigclips.lnk`` in each folder (PowerShell's own names allowed, e.g. ``Desktop``)."""
    lines = ["$ErrorActionPreference = 'Stop'", "$shell = New-Object -ComObject WScript.Shell"]
    for folder in folders:
        where = (f"[Environment]::GetFolderPath({_ps_quote(folder)})" if folder in ("Desktop", "Programs")
                 else _ps_quote(folder))  # fmt: skip
        lines += [
            f"$lnk = $shell.CreateShortcut((Join-Path {where} 'vigclips.lnk'))",
            f"$lnk.TargetPath = {_ps_quote(python)}",
            "$lnk.Arguments = '-m vigclips open'",
            f"$lnk.Description = {_ps_quote(COMMENT)}",
            "$lnk.WorkingDirectory = [Environment]::GetFolderPath('UserProfile')",
            "$lnk.Save()",
            f"Write-Output (Join-Path {where} 'vigclips.lnk')",
        ]
    return "; ".join(lines)


def create_launcher(platform: str = sys.platform, python: str = sys.executable, home: Path | None = None) -> list[Path]:
    """Make the launcher for this platform (see the module's docstring) and return where it was written.

    Args:
        platform: ``sys.platform``'s value: ``linux``, ``win32`` or ``darwin``.
        python: the Python vigclips runs in (the launcher runs ``python -m vigclips open``).
        home: the user's home (Linux and macOS; default ``Path.home()``).

    Raises:
        BadInputError: a platform without launchers, or the launcher cannot be written.
    """
    home = home or Path.home()
    try:
        if platform.startswith("linux") or platform.startswith("freebsd"):
            return _linux(python, home)
        if platform == "darwin":
            return [_write_executable(home / "Desktop" / "vigclips.command", macos_command(python))]
        if platform == "win32":
            return _windows(python)
    except OSError as exc:
        raise BadInputError("launcher", f"could not be written ({exc.strerror or exc})") from None
    raise BadInputError(platform, "has no launcher vigclips can make: start it with `vigclips open`")


def _linux(python: str, home: Path) -> list[Path]:
    data = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    written = [_write_executable(data / "applications" / "vigclips.desktop", desktop_entry(python))]
    desktop = _xdg_desktop(home)
    if desktop.is_dir():  # only a desktop that exists: a server has none
        written.append(_write_executable(desktop / "vigclips.desktop", desktop_entry(python)))
    return written


def _xdg_desktop(home: Path) -> Path:
    """The desktop folder ``xdg-user-dirs`` names (its name is translated: ``Schreibtisch``, ``Bureau``), else ``~/Desktop``."""
    config = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config") / "user-dirs.dirs"
    try:
        for line in config.read_text(encoding="utf-8").splitlines():
            if line.startswith("XDG_DESKTOP_DIR="):
                value = line.split("=", 1)[1].strip().strip('"')
                return Path(value.replace("$HOME", str(home)))
    except OSError:
        pass
    return home / "Desktop"


def _write_executable(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.chmod(tmp, EXECUTABLE_MODE)
    os.replace(tmp, path)
    return path


def _windows(python: str) -> list[Path]:
    script = windows_shortcut_script(windows_pythonw(python), ["Desktop", "Programs"])
    done = subprocess.run(["powershell", "-NoProfile", "-NonInteractive", "-Command", script], capture_output=True, text=True,
                          timeout=60, check=False)  # fmt: skip
    if done.returncode != 0:
        raise BadInputError("launcher", "PowerShell could not make the shortcut: " + " ".join(done.stderr.split())[:300])
    return [Path(line) for line in done.stdout.splitlines() if line.strip()]
