"""The frame of the app: page config, shared filters (kept in the URL), navigation.

Run:  streamlit run app.py
"""
from pathlib import Path

import streamlit as st

from lib.db import DatabaseError
from lib.i18n import t
from ui import frame

ROOT = Path(__file__).resolve().parent

# (file in pages/, title key, icon); the first one is the home page. The URL of a page is
# its file name (/danh_muc): the same path Streamlit's pages/ auto-discovery would serve, so
# a bookmark opened first after a restart still finds its page (see ui/frame.page_header).
PAGES = [
    ("pages/tong_quan.py", "nav.overview", ":material/dashboard:"),
    ("pages/danh_muc.py", "nav.register", ":material/list_alt:"),
    ("pages/nhiem_vu.py", "nav.tasks", ":material/assignment_ind:"),
]

st.set_page_config(page_title="CT07 · Trùng Khánh", page_icon=":material/location_city:",
                   layout="wide", initial_sidebar_state="collapsed")

lang = frame.current_lang()
pages = {
    file: st.Page(str(ROOT / file), title=t(key, lang), icon=icon, default=(i == 0))
    for i, (file, key, icon) in enumerate(PAGES)
}
current = st.navigation(list(pages.values()), position="top")

try:
    frame.render_frame(current.title)
except DatabaseError as e:
    st.error(str(e))
    st.stop()
try:
    current.run()
finally:
    st.session_state[frame.FRAME_FLAG] = False
