#!/usr/bin/env bash
# Install what the tests need and run them: the README's test command, and what .ci/run calls.
# - a virtual environment .venv with vigclips and its test extras (pytest, hypothesis, playwright for Python);
# - Debian's chromium for the browser tests (only when running as root with apt; elsewhere those tests skip and say why).
# Extra arguments go to pytest (e.g. `bash tests/run.sh -m slow`).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "installing Debian's chromium for the browser tests" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) \
        || echo "could not install chromium: browser tests will skip" >&2
fi

python3 -m venv .venv
.venv/bin/python -m pip install -q -e '.[test]'
exec .venv/bin/python -m pytest "$@"
