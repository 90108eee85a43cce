"""The floor of the benchmark: a two-page Streamlit app that only writes titles.

Every figure of bench/results.md is also given as a ratio to this app, measured the same way in
the same run, so that the table reads the same on a fast or a slow machine."""
import streamlit as st


def _one():
    st.title("Trang một")


def _two():
    st.title("Trang hai")


st.navigation([st.Page(_one, title="Một", url_path="mot", default=True),
               st.Page(_two, title="Hai", url_path="hai")], position="top").run()
