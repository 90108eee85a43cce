"""Why the shared filters (towns, period, language) are kept in the address by ui/frame.py and
not by Streamlit's ``bind="query-params"`` -- checked against the Streamlit we pin.

A bound widget with a ``format_func`` reads and writes the option's *label* in the address, not
the option: the towns would travel as ``?town=Trà+Lĩnh`` and the period as
``?period=Kỳ+…``, in the language of the screen. A link copied from the English interface
would then open nothing in the Vietnamese one, and every bookmark made since 2022
(``?town=tra-linh``, ``?period=2022-12``, ``?lang=en``) would stop working. The frame keeps the
ids in the address itself (``ui.frame._sync_url``), says what it refused, and reads old
``?town=a,b`` links. When this test fails, Streamlit binds by option value: move the filters to
``bind="query-params"`` then. The funding inputs, which carry no ids, use ``persist_state``.
"""
from streamlit.testing.v1 import AppTest


def _app():
    import streamlit as st

    towns = st.pills("Địa bàn", ["trung-khanh", "tra-linh"], selection_mode="multi", key="town",
                     default=["trung-khanh", "tra-linh"], bind="query-params",
                     format_func={"trung-khanh": "Trùng Khánh", "tra-linh": "Trà Lĩnh"}.get)
    st.text(repr(towns))


def _towns(query: str) -> str:
    at = AppTest.from_function(_app)
    at.query_params["town"] = query
    at.run()
    return at.text[0].value


def test_a_bound_filter_reads_the_label_not_the_id():
    assert _towns("tra-linh") == repr(["trung-khanh", "tra-linh"]), \
        "Streamlit now reads the option's id from the address: bind the frame's filters"
    assert _towns("Trà Lĩnh") == repr(["tra-linh"])


def test_the_frame_reads_the_ids_of_an_old_link(tmp_path):
    from tests.test_app import new_app

    at = new_app(tmp_path)
    at.query_params["town"] = "tra-linh,trung-khanh"
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception
    assert sorted(at.session_state["f_towns"]) == ["tra-linh", "trung-khanh"]
    assert at.session_state["f_lang"] == "en"
