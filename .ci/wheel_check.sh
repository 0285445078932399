#!/usr/bin/env bash
# The wheel a guider installs (#25): build it (`python -m build --wheel`), check it carries every file of the package
# (page files, the bundled model, py.typed), install it into a fresh venv outside the checkout (as `pipx install` does:
# its own venv, the `vigclips` console script), and from a folder outside the checkout run the demo (analyse, export), check
# the models, and serve the workspace page and its scripts. Run by .ci/run after the test suite; by hand:
# `bash .ci/wheel_check.sh` (needs .venv with the test extras, which bring `build`).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/vigclips-wheel.XXXXXX")"
server_pid=""
cleanup() { if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi; rm -rf "$work"; }
trap cleanup EXIT
started=$(date +%s)
say() { echo "wheel check ($(( $(date +%s) - started )) s): $*" >&2; }

say "building"
# From a copy of the sources, so the build's own folders (build/, *.egg-info) never appear in the checkout the tests run in.
"$repo/.venv/bin/python" - "$repo" "$work/src" <<'PY'
import shutil, sys
shutil.copytree(sys.argv[1], sys.argv[2], ignore=shutil.ignore_patterns(
    ".venv", ".git", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis", "out", "bench"))
PY
"$repo/.venv/bin/python" -m build --wheel --outdir "$work/dist" "$work/src" >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
wheel="$(ls "$work"/dist/vigclips-*.whl)"

# Every file of the package in the checkout (tracked or not, but no caches) must be in the wheel.
"$repo/.venv/bin/python" - "$repo" "$wheel" <<'PY'
import pathlib, sys, zipfile
repo, wheel = pathlib.Path(sys.argv[1]), sys.argv[2]
names = set(zipfile.ZipFile(wheel).namelist())
package = [p.relative_to(repo).as_posix() for p in (repo / "vigclips").rglob("*")
           if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"]
missing = sorted(set(package) - names)
if missing:
    sys.exit("wheel check: the wheel lacks " + ", ".join(missing))
print(f"wheel check: the wheel carries all {len(package)} files of the package", file=sys.stderr)
PY

say "installing into a fresh venv outside the checkout"
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install -q --no-compile "$wheel"  # (no .pyc: not what is checked, and it saves time)
cd "$work"  # nothing from the checkout on the path from here on
test "$("$work/venv/bin/python" -c 'import vigclips, pathlib; print(pathlib.Path(vigclips.__file__).parent.parent)')" = "$work/venv/lib/python$("$work/venv/bin/python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')/site-packages"
"$work/venv/bin/python" -c 'from vigclips.model_assets import verify_model_assets; verify_model_assets()'
"$work/venv/bin/vigclips" --version

say "the demo, from the installed wheel"
cp "$repo/sample_videos/demo_play.mp4" "$work/demo_play.mp4"
"$work/venv/bin/vigclips" analyze "$work/demo_play.mp4" -o "$work/out"
"$work/venv/bin/vigclips" export "$work/out/demo_play" --all
ls "$work"/out/demo_play/clips/*.mp4 >/dev/null
test -s "$work/out/demo_play/clips/contact_sheet.png"

say "the workspace page, from the installed wheel"
"$work/venv/bin/vigclips" open --workspace "$work/ws" --folder "$work" --no-browser >"$work/open.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do grep -q 'http://127.0.0.1' "$work/open.log" 2>/dev/null && break; sleep 0.2; done
port="$(grep -o 'http://127.0.0.1:[0-9]*' "$work/open.log" | head -1 | cut -d: -f3)"
test -n "$port" || { cat "$work/open.log" >&2; exit 1; }
"$work/venv/bin/python" - "$port" <<'PY'
import sys, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
for path in ("/", "/static/token.js", "/static/workspace.js", "/static/workspace.css", "/static/app.js", "/static/app.css"):
    with opener.open(f"http://127.0.0.1:{sys.argv[1]}{path}", timeout=10) as response:
        assert response.status == 200 and len(response.read()) > 200, path
PY
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
say "passed"
