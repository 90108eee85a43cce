"""Streamlit glue shared by app.py and the pages (the only UI code outside pages/)."""
