"""Server time of a full run of each page, cold and warm, through AppTest (one process per
scale, started by bench/run.py): ``python -m bench.apptest_worker DB_PATH OUT_JSON``.

cold: the first run of a new session with Streamlit's caches emptied (the modules are already
imported: a server imports them once); warm: the median of reruns of that session with nothing
changed. The funding slider step is the server time of the rerun after one step of the state
budget slider. The floor is bench/floor_app.py, measured the same way."""
from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WARM_RUNS = 5


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def _clear_caches():
    import streamlit as st
    st.cache_data.clear()


def measure(at_factory, prepare=None) -> dict:
    _clear_caches()
    at = at_factory()
    if prepare:
        prepare(at)
    cold = _timed(at.run)
    if at.exception:
        raise RuntimeError(f"{[e.value for e in at.exception]}")
    warm = [_timed(at.run) for _ in range(WARM_RUNS)]
    return {"cold_ms": cold, "warm_ms": statistics.median(warm), "at": at}


def main(db_path: str, out: str) -> None:
    os.environ["CT07_DB_PATH"] = db_path
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    from streamlit.testing.v1 import AppTest

    from tests.auth_helpers import sign_in_app
    from tests.test_app import new_app
    from ui.nav import PAGES, ROLE_PAGES
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix="ct07-bench-"))
    results: dict = {"pages": {}}
    # the floor first: it also pays the one-time import of streamlit's testing machinery
    floor = lambda: AppTest.from_file(str(ROOT / "bench" / "floor_app.py"), default_timeout=120)
    measure(floor)
    f = measure(floor)
    results["floor"] = {"cold_ms": f["cold_ms"], "warm_ms": f["warm_ms"]}
    new_app(tmp).run()  # imports the app's modules once, as a running server has
    for file, key, _icon in PAGES:
        def factory(file=file):
            at = new_app(tmp)
            if file in ROLE_PAGES:
                sign_in_app(at, ROLE_PAGES[file])
            return at

        def prepare(at, file=file):
            at.switch_page(str(ROOT / file))
        m = measure(factory, prepare)
        results["pages"][file] = {"cold_ms": m["cold_ms"], "warm_ms": m["warm_ms"]}
        if file == "pages/kich_ban_von.py":  # one step of the state budget slider, server time
            from ui.funding_view import STATE_OPTIONS
            at, steps = m["at"], []
            start = STATE_OPTIONS.index(min(STATE_OPTIONS, key=lambda o: abs(o - at.select_slider(key="fund_state").value)))
            for i in range(1, WARM_RUNS + 1):
                at.select_slider(key="fund_state").set_value(STATE_OPTIONS[(start + i) % len(STATE_OPTIONS)])
                steps.append(_timed(at.run))
                if at.exception:
                    raise RuntimeError(f"{[e.value for e in at.exception]}")
            results["slider_step_ms"] = statistics.median(steps)
    Path(out).write_text(json.dumps(results), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
