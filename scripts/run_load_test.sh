#!/usr/bin/env bash
# The load test (tests/load, mark "load"; not in scripts/run_tests.sh's everyday run): one server,
# 8 viewers and 2 editors in Chromium at once; every confirmed save must be in the database. Then
# the burst of clicks on save in one browser (tests/e2e/test_update_burst_browser.py, same mark).
# About 4-5 minutes on two cores. CT07_LOAD_VIEWERS / CT07_LOAD_ROUNDS change the load.
#   bash scripts/run_load_test.sh [pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
CT07_TEST_WORKERS=0 exec bash scripts/run_tests.sh -q -s -m load tests/load tests/e2e/test_update_burst_browser.py "$@"
