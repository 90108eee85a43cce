"""The frame's reads across reruns (ui/frame.py ``read``): small results are kept by the process so
that a rerun does not unpickle them again, and that must never show a stale or changed value.

The reads here count their calls (``COUNT``): a call is a read of the database. A page that changes
the frame it was given must not change what the next run reads; a write (a new data version) and a
restore (Streamlit's data cache cleared, the data version possibly the same number again) must make
the next run read the database."""
import os

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import seeded

COUNT = {"small": 0, "large": 0}


def small_read(db):
    """A district-sized frame."""
    COUNT["small"] += 1
    return pd.DataFrame({"id": ["GT-01", "XH-12"], "name": ["Đường", "Trường"]})


def large_read(db):
    """A frame above the memo's size for one value: left to Streamlit's cache alone."""
    COUNT["large"] += 1
    return pd.DataFrame({"text": ["x" * 2000] * 200})


def _app():
    import sys

    import streamlit as st

    from ui import frame
    m = sys.modules.get("test_frame_memo") or sys.modules["tests.test_frame_memo"]  # as pytest imported it

    df = frame.read(m.small_read)
    st.text(df["name"].iloc[0])
    df.loc[0, "name"] = "ĐÃ ĐỔI TRONG TRANG"   # a page changing its copy
    big = frame.read(m.large_read)
    st.text(str(len(big)))


@pytest.fixture
def app(tmp_path, monkeypatch):
    path = tmp_path / "memo.duckdb"
    seeded(path)
    monkeypatch.setenv("CT07_DB_PATH", str(path))
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    monkeypatch.syspath_prepend(root)
    import streamlit as st
    st.cache_data.clear()
    COUNT.update(small=0, large=0)
    at = AppTest.from_function(_app, default_timeout=60)
    yield at, path


def test_a_rerun_reads_nothing_again_and_a_page_cannot_change_the_next_runs_frame(app):
    at, _ = app
    for _ in range(3):
        at.run()
        assert not at.exception
        assert at.text[0].value == "Đường"          # not the name the previous run wrote in its copy
    assert COUNT["small"] == 1 and COUNT["large"] == 1
    from ui import frame
    kept = [k for k in frame._SMALL if k[1] in ("small_read", "large_read")]
    assert [k[1] for k in kept] == ["small_read"]    # the large frame is left to Streamlit's cache


def test_a_write_and_a_restore_make_the_next_run_read_the_database(app):
    at, path = app
    at.run()
    assert COUNT["small"] == 1
    # a write: the data version moves on, so the key of every read does
    from lib import auth
    from ui import frame
    db = frame._open(str(path))
    auth.add_user(db, auth.CLI, "ghi-thu", "Ghi thử", "editor", "mat-khau-ghi-thu-1")
    at.run()
    assert COUNT["small"] == 2 and at.text[0].value == "Đường"
    mine = [k for k in frame._SMALL if k[1] == "small_read"]
    assert len(mine) == 1 and mine[0][3] == db.data_version()   # the older version's entry let go
    # a restore clears Streamlit's data cache; the memo must not outlive it
    import streamlit as st
    st.cache_data.clear()
    at.run()
    assert COUNT["small"] == 3 and not at.exception


def test_the_memo_keeps_to_its_memory_budget(app, monkeypatch):
    from ui import frame
    at, _ = app
    monkeypatch.setattr(frame, "SMALL_TOTAL", 1)    # room for nothing: every value is let go at once
    at.run()
    at.run()
    assert COUNT["small"] == 1                      # still one read: Streamlit's cache has it
    assert frame._SMALL_STATE["bytes"] <= 1 and not [k for k in frame._SMALL if k[1] == "small_read"]


# -- kept views shared between sessions (``frame.kept``) and steps over one cached read (``then``) --
MADE = {"n": 0}


def make_view():
    MADE["n"] += 1
    return {"rows": list(range(1000))}


def doubled(df):
    return pd.concat([df, df], ignore_index=True)


def _kept_app():
    import sys

    import streamlit as st

    from ui import frame
    m = sys.modules.get("test_frame_memo") or sys.modules["tests.test_frame_memo"]
    view = frame.kept("memo_test_view", ("vi", None), m.make_view)
    st.session_state["seen_view"] = view
    st.text(str(len(view["rows"])))
    st.text(str(len(frame.read(m.small_read))))
    st.text(str(len(frame.read(m.small_read, then=m.doubled))))


def test_sessions_drawing_the_same_view_share_it_until_the_last_lets_it_go(app):
    import gc

    from lib import auth
    from ui import frame
    _, path = app
    MADE["n"] = 0
    first = AppTest.from_function(_kept_app, default_timeout=60)
    second = AppTest.from_function(_kept_app, default_timeout=60)
    first.run()
    second.run()
    assert not first.exception and not second.exception
    assert MADE["n"] == 1                                          # made once for both sessions
    assert first.session_state["seen_view"] is second.session_state["seen_view"]
    # the steps over a read reuse the read itself: the frame is read once, then doubled
    assert COUNT["small"] == 1 and first.text[2].value == "4"
    # a write: a new data version makes a new view, even for a session that holds the old one
    auth.add_user(frame._open(str(path)), auth.CLI, "ghi-thu", "Ghi thử", "editor", "mat-khau-ghi-thu-1")
    first.run()
    assert MADE["n"] == 2 and first.session_state["seen_view"] is not second.session_state["seen_view"]
    # nothing outlives the sessions that hold it
    del first, second
    gc.collect()
    assert not [k for k in frame._KEPT_SHARED.keys() if k[0] == "memo_test_view"]
