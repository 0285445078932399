"""The workspace (#25): a local page to add recordings, follow their analyses, review, export and open the clips folder,
started by ``vigclips open`` (or ``vigclips`` alone) or a launcher, without a command line.

Modules: :mod:`~vigclips.workspace.state` (the list of recordings, saved in the workspace folder),
:mod:`~vigclips.workspace.chooser` (the page's file chooser, answered by the server inside the allowed folders),
:mod:`~vigclips.workspace.runner` (the analyses in the background), :mod:`~vigclips.workspace.server` (the page and its
API, with each recording's review page), :mod:`~vigclips.workspace.launcher` (the launcher a guider double-clicks).

Example:
    >>> from vigclips.workspace import Workspace, WorkspaceServer   # doctest: +SKIP
    >>> ws = Workspace(Path("~/vigclips-workspace"))
    >>> with ws.exclusive():
    ...     server = WorkspaceServer(ws); print(server.url); server.serve_forever()
"""

from vigclips.workspace.chooser import Chooser, is_recording_name
from vigclips.workspace.launcher import create_launcher
from vigclips.workspace.runner import Analyses
from vigclips.workspace.server import WorkspaceServer, open_in_file_manager, reopen_running
from vigclips.workspace.state import Entry, Workspace

__all__ = ["Analyses", "Chooser", "Entry", "Workspace", "WorkspaceServer", "create_launcher", "is_recording_name",
           "open_in_file_manager", "reopen_running"]
