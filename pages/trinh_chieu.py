"""Trình chiếu: the programme in a few slides for the steering committee's meeting room,
one message a slide, each on a whole 1280x720 screen (arrow keys move between slides)."""
import streamlit as st

from ui import frame
from ui import slides_view as sv

ctx = frame.page_header()
sv.style()
deck, footer = sv.deck(ctx)
if not deck:
    st.info(ctx.tr("slides.empty"))
    st.stop()
k = sv.current(len(deck), ctx)
sv.draw(ctx, deck[k - 1])
sv.controls(ctx, k, len(deck), footer)
