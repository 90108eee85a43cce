"""Altair chart builders: pure functions returning charts, legible on a projector.

Every chart is titled with its takeaway, uses text of at least 16 px, and colours
stages with the one palette of the ``stage`` table (Okabe-Ito, colour-blind safe).
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from lib.fmt import is_missing, number

FONT_SIZE = 16
TITLE_SIZE = 20


def projector(chart: alt.TopLevelMixin, height: int | None = None) -> alt.TopLevelMixin:
    """Large text everywhere, for a room reading a 1280x720 projector."""
    c = chart.configure_axis(labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE, labelLimit=320)
    c = c.configure_legend(labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE, labelLimit=320, orient="bottom")
    c = c.configure_title(fontSize=TITLE_SIZE, anchor="start", limit=1100)
    c = c.configure_header(labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE)
    c = c.configure_text(fontSize=FONT_SIZE).configure_view(strokeWidth=0)
    return c.properties(height=height) if height else c


def stage_scale(stage_rows: pd.DataFrame) -> alt.Scale:
    """The one stage colour scale: domain = stage labels in order, range = their colours."""
    rows = stage_rows.sort_values("order")
    return alt.Scale(domain=list(rows["label"]), range=list(rows["color"]))


def number_axis(title: str, lang: str, **kw) -> alt.Axis:
    """A quantitative axis whose labels follow the language (1.036,5 in Vietnamese)."""
    if lang == "vi":
        kw["labelExpr"] = VI_NUMBER_EXPR
    return alt.Axis(title=title, **kw)


# swap d3's ',' and '.' so that axis labels read 1.036,5
VI_NUMBER_EXPR = ("replace(replace(replace(format(datum.value, ',~r'), /,/g, '_'), /[.]/g, ','), /_/g, '.')")


def stage_bars(by_stage: pd.DataFrame, value: str, value_title: str, title: str,
               decimals: int = 0, lang: str = "vi", missing_text: str = "",
               height: int = 260, integer: bool = False) -> alt.LayerChart:
    """Horizontal bars, one per stage, coloured by stage; a stage with no figure reads ``missing_text``."""
    data = by_stage.copy()
    data["value_text"] = [number(v, decimals, lang) if not is_missing(v) else missing_text
                          for v in data[value]]
    data["text_x"] = data[value].astype("Float64").fillna(0).astype(float)
    data[value] = data[value].astype("Float64").astype(float)
    order = list(data.sort_values("order")["label"])
    y = alt.Y("label:N", sort=order, title=None)
    bars = alt.Chart(data).mark_bar().encode(
        y=y, x=alt.X(f"{value}:Q", axis=number_axis(value_title, lang, **({"tickMinStep": 1} if integer else {}))),
        color=alt.Color("label:N", scale=stage_scale(by_stage), legend=None),
        tooltip=[alt.Tooltip("label:N", title=" "), alt.Tooltip("value_text:N", title=value_title)],
    )
    text = alt.Chart(data).mark_text(align="left", dx=6, fontSize=FONT_SIZE).encode(
        y=y, x=alt.X("text_x:Q"), text="value_text:N")
    return projector(alt.layer(bars, text, title=title), height=height)


def stacked_by_town(rows: pd.DataFrame, stage_rows: pd.DataFrame, value: str, value_title: str,
                    title: str, town_title: str, fmt: str = ",.0f", height: int = 260) -> alt.Chart:
    """The pipeline: one bar per area, stacked by stage in stage order."""
    data = rows.copy()
    chart = alt.Chart(data, title=title).mark_bar().encode(
        y=alt.Y("town_label:N", title=town_title),
        x=alt.X(f"{value}:Q", title=value_title, stack="zero"),
        color=alt.Color("stage_label:N", scale=stage_scale(stage_rows), title=None),
        order=alt.Order("stage_order:Q"),
        tooltip=[alt.Tooltip("town_label:N", title=town_title), alt.Tooltip("stage_label:N", title=" "),
                 alt.Tooltip(f"{value}:Q", format=fmt, title=value_title)],
    )
    return projector(chart, height=height)
