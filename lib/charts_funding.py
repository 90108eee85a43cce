"""Altair charts of the what-if funding page: pure builders, legible on a projector.

Same style as ``lib.charts`` (``projector``: text of at least 16 px, titles that state the
takeaway, legends below); colours from the Okabe-Ito palette (colour-blind safe), with a
shape as well as a colour wherever two series must be told apart. Charts over a discrete
axis of works use ``alt.Step`` heights, so a legend below never squeezes them. Charts with
a continuous y axis get a height that includes their title, axis and legend (Streamlit fits
the whole chart into it when it stretches the width), hence 420 px for a plot of about 260.
"""
from __future__ import annotations

import math

import altair as alt
import pandas as pd

from lib.charts import FONT_SIZE, number_axis, projector, town_scale
from lib.fmt import is_missing, number

FUNDED = "#0072B2"      # blue
UNFUNDED = "#E69F00"    # orange
ENVELOPE = "#000000"
BASELINE = "#777777"
EARLIER = "#0072B2"
LATER = "#D55E00"       # vermillion
SAME = "#000000"
PASS_LINE = "#000000"


def _quote(text: str) -> str:
    """A string literal for a Vega expression."""
    return "'" + str(text).replace("\\", "\\\\").replace("'", "\\'") + "'"


def need_by_year(rows: pd.DataFrame, title: str, labels: dict[str, str], lang: str = "vi",
                 height: int = 420, subtitle: str | None = None) -> alt.LayerChart:
    """Need per year split into funded and unfunded (stacked bars), with the yearly envelope
    as a dashed line. rows: year, funded_ty, unfunded_ty, envelope_ty (tỷ đồng).
    labels: year, amount (axis title), funded, unfunded, envelope. ``subtitle``: what the
    figures leave out (works without an amount), under the title."""
    data = rows.copy()
    parts = []
    for i, (col, kind) in enumerate((("funded_ty", "funded"), ("unfunded_ty", "unfunded"))):
        parts.append(pd.DataFrame({"year": data["year"].astype(int), "kind": labels[kind], "kind_order": i,
                                   "value": data[col].astype(float)}))
    long = pd.concat(parts, ignore_index=True)
    long["value_text"] = [number(v, 3, lang, strip=False) for v in long["value"]]
    env = pd.DataFrame({"year": data["year"].astype(int), "kind": labels["envelope"],
                        "value": data["envelope_ty"].astype(float)})
    env["value_text"] = [number(v, 3, lang, strip=False) for v in env["value"]]
    scale = alt.Scale(domain=[labels["funded"], labels["unfunded"], labels["envelope"]],
                      range=[FUNDED, UNFUNDED, ENVELOPE])
    x = alt.X("year:O", title=labels["year"], axis=alt.Axis(labelAngle=0))
    tooltip = [alt.Tooltip("year:O", title=labels["year"]), alt.Tooltip("kind:N", title=" "),
               alt.Tooltip("value_text:N", title=labels["amount"])]
    bars = alt.Chart(long).mark_bar().encode(
        x=x, y=alt.Y("value:Q", stack="zero", axis=number_axis(labels["amount"], lang)),
        color=alt.Color("kind:N", scale=scale, title=None, legend=alt.Legend(orient="bottom")),
        order=alt.Order("kind_order:Q"), tooltip=tooltip)
    line = alt.Chart(env).mark_line(strokeDash=[6, 4], strokeWidth=2.5,
                                    point=alt.OverlayMarkDef(filled=True, size=90, color=ENVELOPE)).encode(
        x=x, y=alt.Y("value:Q"), color=alt.Color("kind:N", scale=scale, title=None), tooltip=tooltip)
    heading = alt.Title(title, subtitle=subtitle, subtitleFontSize=FONT_SIZE) if subtitle else title
    return projector(alt.layer(bars, line, title=heading), height=height, lang=lang)


def timeline(rows: pd.DataFrame, title: str, labels: dict[str, str], start_year: int, end_year: int,
             step: int = 30) -> alt.LayerChart:
    """Each work's completion year in the baseline scenario (hollow circle) and in this
    scenario (filled: a left triangle when earlier, a right triangle when later, a diamond
    when unchanged), joined by a line; works not complete within the horizon sit in the
    column after it ("after 2030"). rows: label, base_year, year (<NA>: not within the
    horizon), change ('earlier', 'later', 'same'), base_text, year_text.
    labels: year, after, baseline, earlier, later, same, base_col, year_col."""
    after = end_year + 1
    data = rows.copy()
    data["base_x"] = data["base_year"].astype("Float64").fillna(after).astype(float)
    data["cur_x"] = data["year"].astype("Float64").fillna(after).astype(float)
    series = {"earlier": labels["earlier"], "later": labels["later"], "same": labels["same"]}
    data["series"] = data["change"].map(series)
    domain = [labels["baseline"], labels["earlier"], labels["later"], labels["same"]]
    color = alt.Scale(domain=domain, range=[BASELINE, EARLIER, LATER, SAME])
    shape = alt.Scale(domain=domain, range=["circle", "triangle-left", "triangle-right", "diamond"])
    order = list(data["label"])
    y = alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=460))
    x_scale = alt.Scale(domain=[start_year - 0.5, after + 0.5], nice=False)
    axis = alt.Axis(title=labels["year"], values=list(range(start_year, after + 1)), format="d",
                    labelExpr=f"datum.value == {after} ? {_quote(labels['after'])} : datum.label")
    tooltip = [alt.Tooltip("label:N", title=" "), alt.Tooltip("base_text:N", title=labels["base_col"]),
               alt.Tooltip("year_text:N", title=labels["year_col"])]
    link = alt.Chart(data).mark_rule(color="#AAAAAA", strokeWidth=2).encode(
        y=y, x=alt.X("base_x:Q", scale=x_scale, axis=axis), x2="cur_x:Q")
    base = alt.Chart(data.assign(series=labels["baseline"])).mark_point(
        filled=False, size=300, strokeWidth=2.5).encode(
        y=y, x=alt.X("base_x:Q", scale=x_scale),
        color=alt.Color("series:N", scale=color, title=None, legend=alt.Legend(orient="bottom")),
        shape=alt.Shape("series:N", scale=shape, title=None), tooltip=tooltip)
    cur = alt.Chart(data).mark_point(filled=True, size=260, opacity=1).encode(
        y=y, x=alt.X("cur_x:Q", scale=x_scale),
        color=alt.Color("series:N", scale=color, title=None),
        shape=alt.Shape("series:N", scale=shape, title=None), tooltip=tooltip)
    return projector(alt.layer(link, base, cur, title=title), step=step)


def town_scores(rows: pd.DataFrame, pass_mark: float | None, title: str, labels: dict[str, str],
                lang: str = "vi", height: int = 420) -> alt.LayerChart:
    """Each town's projected total score per year, with a dashed rule at the pass mark.
    Only scores that could be computed are drawn (an unknown total is not 0).
    rows: year, town_label, total. labels: year, points, pass."""
    data = rows.dropna(subset=["total"]).copy()
    data["total"] = data["total"].astype(float)
    data["total_text"] = [number(v, 2, lang) for v in data["total"]]
    values = list(data["total"]) + ([pass_mark] if pass_mark is not None else [])
    lo = math.floor(min(values) - 5) if values else 0
    hi = math.ceil(max(values) + 5) if values else 100
    y_scale = alt.Scale(domain=[max(lo, 0), hi], zero=False)
    towns = list(dict.fromkeys(data["town_label"]))
    x = alt.X("year:O", title=labels["year"], axis=alt.Axis(labelAngle=0))
    lines = alt.Chart(data).mark_line(strokeWidth=3, point=alt.OverlayMarkDef(filled=True, size=120)).encode(
        x=x, y=alt.Y("total:Q", scale=y_scale, axis=number_axis(labels["points"], lang)),
        color=alt.Color("town_label:N", scale=town_scale(towns), title=None, legend=alt.Legend(orient="bottom")),
        strokeDash=alt.StrokeDash("town_label:N", title=None,
                                  scale=alt.Scale(domain=towns, range=[[1, 0], [8, 3], [2, 2], [12, 4]][:len(towns)])),
        tooltip=[alt.Tooltip("town_label:N", title=" "), alt.Tooltip("year:O", title=labels["year"]),
                 alt.Tooltip("total_text:N", title=labels["points"])])
    layers = [lines]
    if pass_mark is not None and not is_missing(pass_mark):
        mark = pd.DataFrame({"y": [float(pass_mark)], "label": [labels["pass"]]})
        layers.append(alt.Chart(mark).mark_rule(color=PASS_LINE, strokeDash=[6, 4], strokeWidth=2).encode(
            y=alt.Y("y:Q", scale=y_scale)))
        layers.append(alt.Chart(mark).mark_text(align="left", dx=4, dy=-10, fontSize=FONT_SIZE, color=PASS_LINE,
                                                fontWeight="bold").encode(
            y=alt.Y("y:Q", scale=y_scale), x=alt.value(4), text="label:N"))
    return projector(alt.layer(*layers, title=title), height=height, lang=lang)
