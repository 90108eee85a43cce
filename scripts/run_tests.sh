#!/usr/bin/env bash
# Install what the tests need and run the whole suite (unit, AppTest, browser).
#   bash scripts/run_tests.sh [pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
VENV=${CT07_VENV:-.venv}
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
# Browser tests drive Debian's Chromium (Playwright cannot download its own browser here).
if [ ! -x /usr/bin/chromium ]; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
fi
# Two workers (pytest-xdist, work stealing): the suite takes about 5 minutes on two cores.
# CT07_TEST_WORKERS=0 runs everything in one process.
WORKERS=${CT07_TEST_WORKERS:-2}
if [ "$WORKERS" = "0" ]; then
    exec "$VENV/bin/python" -m pytest "$@"
fi
exec "$VENV/bin/python" -m pytest -n "$WORKERS" --dist worksteal "$@"
