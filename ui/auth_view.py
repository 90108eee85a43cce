"""Signing in: the session of the browser tab, the sidebar box, and the identity pages write as.

The identity is only ever made by ``lib.auth.sign_in`` (right password, active unlocked
account) and kept in ``st.session_state[SESSION_KEY]`` with its times; ``refresh`` (app.py,
every run) re-reads the account, so an expired session or a disabled account is a viewer
again at once. Pages show a form only to a role that may use it (``may``), and the write
path checks the role again whatever the page did.
"""
from __future__ import annotations

import html

import streamlit as st

from lib import auth, fmt
from lib.i18n import t, text_of
from ui import frame

SESSION_KEY = "ct07_session"
FLASH_KEY = "ct07_auth_flash"


def refresh() -> auth.Identity | None:
    """The signed-in identity of this run (None: a viewer); drops an expired session."""
    session = st.session_state.get(SESSION_KEY)
    if session is None:
        return None
    fresh = auth.resume(frame.get_db(), session)
    if fresh is None:
        del st.session_state[SESSION_KEY]
        st.session_state[FLASH_KEY] = "auth.expired"
        return None
    st.session_state[SESSION_KEY] = fresh
    return fresh.identity


def who() -> auth.Identity | None:
    """The identity app.py checked this run (None: a viewer)."""
    session = st.session_state.get(SESSION_KEY)
    return session.identity if isinstance(session, auth.Session) else None


def may(action: str) -> bool:
    return auth.may(who(), action)


def role_label(role: str, lang: str) -> str:
    return t(f"auth.role.{role}", lang)


def _sign_out() -> None:
    st.session_state.pop(SESSION_KEY, None)


def sign_in_form(lang: str, key: str) -> None:
    """Username, password, "Đăng nhập"; on success the page reruns as the signed-in user."""
    with st.form(f"{key}_form", clear_on_submit=True, border=False):
        username = st.text_input(t("auth.username", lang), key=f"{key}_user", max_chars=32)
        password = st.text_input(t("auth.password", lang), key=f"{key}_password", type="password", max_chars=200)
        if st.form_submit_button(t("auth.sign_in", lang), key=f"{key}_go", type="primary"):
            try:
                identity = auth.sign_in(frame.get_db(), username, password)
            except auth.AuthError as e:
                st.error(fmt.md_escape(text_of(e, lang), 400))
                return
            st.session_state[SESSION_KEY] = auth.start_session(identity)
            st.rerun()


def sidebar_box(lang: str) -> None:
    """In the sidebar: the sign-in form, or who is signed in and "Đăng xuất"."""
    identity = who()
    with st.sidebar:
        flash = st.session_state.pop(FLASH_KEY, None)
        if flash:
            st.warning(t(flash, lang))
        if identity is None:
            st.markdown(f"**{t('auth.title', lang)}**")
            st.caption(t("auth.viewer_note", lang))
            sign_in_form(lang, "auth_side")
        else:
            st.html('<div class="ct07-signed-in">' + html.escape(t(
                "auth.signed_in", lang, name=identity.display_name, role=role_label(identity.role, lang))) + "</div>")
            st.button(t("auth.sign_out", lang), key="auth_sign_out", on_click=_sign_out, icon=":material/logout:")
