"""The house rules of issue 21, checked: stages import only the stages before them (``.importlinter``), no module grows
past 600 lines, and imports inside functions are kept for the one reason the command line has (start-up time)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "vigclips"
MAX_MODULE_LINES = 600

LAZY_FOR_START_UP = {"vigclips/cli.py"}
"""Where vigclips modules may be imported inside functions: each command loads its library call when it runs, so
``vigclips --help`` answers without loading OpenCV and MediaPipe. Nowhere else: a cycle is mended by moving code."""


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_import_contracts_hold():
    """The layers, ffmpeg only in media, mediapipe only in its adapter: `lint-imports` over the real import graph, with
    imports inside functions and under TYPE_CHECKING counted too. In its own process: import-linter reconfigures logging,
    which would silence the ``vigclips`` logger for the tests after this one."""
    pytest.importorskip("importlinter.cli", reason="pip install -e '.[test]' brings import-linter")
    code = ("import sys; from importlinter.cli import lint_imports; "
            "sys.exit(lint_imports(sys.argv[1], no_cache=True, no_logo=True))")
    result = subprocess.run([sys.executable, "-c", code, str(ROOT / ".importlinter")], capture_output=True, text=True,
                            timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_import_cycle_between_modules():
    """Inside a room too (the layers contract sees only imports between rooms): no module imports one that imports it back,
    however long the way round."""
    grimp = pytest.importorskip("grimp", reason="pip install -e '.[test]' brings import-linter, which brings grimp")
    graph = grimp.build_graph("vigclips", cache_dir=None)
    for module in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            back = graph.find_shortest_chain(importer=imported, imported=module)
            assert back is None, f"import cycle: {module} -> {' -> '.join(back)}"


def test_every_module_is_in_a_layer():
    """A new top-level module or package must be given its place in ``.importlinter`` (the layers contract would not see it)."""
    config = (ROOT / ".importlinter").read_text(encoding="utf-8")
    layers_text = config.split("layers =", 1)[1].split("\n\n", 1)[0]
    named = {name.strip() for line in layers_text.splitlines() for name in line.replace("|", ":").split(":") if name.strip()}
    top_level = {p.stem if p.is_file() else p.name for p in PACKAGE.iterdir()
                 if (p.suffix == ".py" and p.stem != "__init__") or (p.is_dir() and (p / "__init__.py").is_file())}
    assert top_level - named == set(), f"not in any layer of .importlinter: {sorted(top_level - named)}"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_module_over_600_lines(path):
    n_lines = len(path.read_text(encoding="utf-8").splitlines())
    assert n_lines <= MAX_MODULE_LINES, f"{path.name} has {n_lines} lines; split it by job"


def test_vigclips_imports_inside_functions_only_where_start_up_needs_them():
    found = []
    for path in _modules():
        rel = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for func in (n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))):
            for node in ast.walk(func):
                module = node.module if isinstance(node, ast.ImportFrom) and node.level == 0 else None
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [module or ""]
                if any(n == "vigclips" or n.startswith("vigclips.") for n in names) and rel not in LAZY_FOR_START_UP:
                    found.append(f"{rel}:{node.lineno}")
    assert found == [], "imports of vigclips modules inside functions (move them to the top; mend a cycle by moving code): " \
                        + ", ".join(found)
