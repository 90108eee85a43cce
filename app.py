"""The frame of the app: page config, shared filters (kept in the URL), navigation.

Run:  streamlit run app.py
"""
from pathlib import Path

import streamlit as st

from lib.db import DatabaseError
from lib import fmt
from lib.i18n import t, text_of
from ui import auth_view, frame
from ui.nav import BARE, NAV_LABEL, PAGES, in_menu

ROOT = Path(__file__).resolve().parent

frame.configure_page()
lang = frame.current_lang()
try:
    who = auth_view.refresh()  # the signed-in account, re-read every run (None: a viewer)
except DatabaseError as e:
    st.error(fmt.md_escape(text_of(e, lang), 400))
    st.stop()
pages = [st.Page(str(ROOT / file), title=t(NAV_LABEL.get(key, key), lang), icon=icon, default=(i == 0),
                 visibility="visible" if in_menu(file, who and who.role) else "hidden")  # the admin page: admins
         for i, (file, key, icon) in enumerate(PAGES)]
full_titles = {page.url_path: t(key, lang) for page, (_, key, _) in zip(pages, PAGES)}
current = st.navigation(pages, position="top")

try:
    frame.render_frame(full_titles.get(current.url_path, current.title), chrome=current.url_path not in BARE)
    auth_view.sidebar_box(frame.current_lang())
except DatabaseError as e:
    st.error(fmt.md_escape(text_of(e, lang), 400))
    st.stop()
current.run()
