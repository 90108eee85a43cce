"""Pieces of page shared by several pages (tables and charts with their labels)."""
from __future__ import annotations

import hashlib
import importlib
import pickle

import html
from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from lib import charts, flags, fmt, overview
from lib.stages import UNKNOWN as UNKNOWN_STAGE
from lib.fmt import TY
from ui import frame
from ui import table as table_ui
from ui.frame import ROOT, Ctx

MONEY_DECIMALS = 3        # KPIs and tables: tỷ đồng to the million đồng, the report's precision
CHART_MONEY_DECIMALS = 1  # bar labels of a money chart: every bar the same (45,6 beside 2,0)


def note(text: str, where=None) -> None:
    """A line of small print that stays legible on a projector: 18 px at full contrast (Streamlit
    draws st.caption at 60 % opacity, below WCAG AA), and escaped: never Markdown or HTML, since
    it may hold names a person typed. ``where``: a column or container (default: the page)."""
    (where or st).html(f'<div class="ct07-stamp">{html.escape(text)}</div>')


def overview_kpis(ctx: Ctx, k: overview.Kpis, late: overview.Late, when: date) -> None:
    """The first row of the overview: done, late, money, in progress."""
    c1, c2, c3, c4 = st.columns([1, 1.25, 1.1, 0.85])
    c1.metric(ctx.tr("overview.kpi_handed_over"), ctx.tr("overview.kpi_handed_over_value", done=k.n_handed_over,
                                                          n=k.n_works),
              help=ctx.tr("overview.kpi_handed_over_help"))
    handed = ctx.tr("overview.kpi_handed_over_delta",
                    amount=fmt.ty(k.handed_over_vnd, ctx.lang, decimals=MONEY_DECIMALS, strip=False))
    if k.n_handed_over_missing_amount:
        handed += " · " + ctx.tr("overview.kpi_missing_amount", n=k.n_handed_over_missing_amount)
    note(handed, c1)
    c2.metric(ctx.tr("overview.kpi_late", date=fmt.day(when, ctx.lang)),
              _late_value(ctx, late),
              help=ctx.tr("overview.kpi_late_help", date=fmt.day(when, ctx.lang), n=late.n_delayed))
    with c2:
        st.page_link(str(ROOT / "pages" / "canh_bao.py"), label=ctx.tr("overview.kpi_late_link", n=late.n_works),
                     icon=":material/arrow_forward:")
    c3.metric(ctx.tr("overview.kpi_investment"),
              fmt.ty(k.investment_vnd, ctx.lang, decimals=MONEY_DECIMALS, unit=False, strip=False),
              help=ctx.tr("overview.kpi_investment_help", n=k.n_missing_amount))
    if k.n_missing_amount:
        note(ctx.tr("overview.kpi_missing_amount", n=k.n_missing_amount), c3)
    c4.metric(ctx.tr("overview.kpi_in_progress"), fmt.number(k.n_in_progress, lang=ctx.lang),
              help=ctx.tr("overview.kpi_in_progress_help", n=k.n_works - k.n_handed_over - k.n_in_progress))


def _late_value(ctx: Ctx, late: overview.Late) -> str:
    """'2 đỏ · 10 vàng', each part in its colour when it counts a work (a 0 stays plain)."""
    red = ctx.tr("overview.kpi_late_red", n=late.n_red)
    amber = ctx.tr("overview.kpi_late_amber", n=late.n_amber)
    return (f":red[{red}]" if late.n_red else red) + " · " + (f":orange[{amber}]" if late.n_amber else amber)


def stage_count_chart(ctx: Ctx, by_stage: pd.DataFrame, k: overview.Kpis, step: int = 30):
    data = by_stage[by_stage["n"] > 0]
    top = data.sort_values("n", ascending=False).iloc[0]["label"] if len(data) else "-"
    title = ctx.tr("overview.chart_stage_title", done=k.n_handed_over, n=k.n_works, top=top)
    return charts.stage_bars(data, "n", ctx.tr("overview.chart_stage_count"), title,
                             lang=ctx.lang, integer=True, step=step)


def stage_money_chart(ctx: Ctx, by_stage: pd.DataFrame, step: int = 30):
    """Investment per stage; every bar label has the same number of decimals, a stage with no
    known amount reads 'chưa có số liệu' (never a bar of 0)."""
    data = by_stage[by_stage["n"] > 0].assign(investment_ty=lambda d: d["investment_vnd"] / TY)
    known = data[data["stage"] != UNKNOWN_STAGE].dropna(subset=["investment_ty"])
    if len(known):
        top = known.sort_values("investment_ty", ascending=False).iloc[0]
        title = ctx.tr("overview.chart_money_title", stage=top["label"],
                       amount=fmt.ty(top["investment_vnd"], ctx.lang, decimals=CHART_MONEY_DECIMALS, strip=False))
    else:
        title = ctx.tr("common.no_data")
    return money_bars(data, "investment_ty", ctx.tr("overview.chart_stage_money"), title, ctx.lang,
                      ctx.tr("common.no_data"), step)


def money_bars(by_stage: pd.DataFrame, value: str, value_title: str, title: str, lang: str,
               missing_text: str, step: int = 30, decimals: int = CHART_MONEY_DECIMALS) -> alt.LayerChart:
    """``charts.stage_bars`` for amounts: labels with ``decimals`` fixed ('2,0' beside '45,6')."""
    data = by_stage.copy()
    data["value_text"] = [fmt.number(v, decimals, lang, strip=False) if not fmt.is_missing(v) else missing_text
                          for v in data[value]]
    data["text_x"] = data[value].astype("Float64").fillna(0).astype(float)
    data[value] = data[value].astype("Float64").astype(float)
    y = alt.Y("label:N", sort=list(data.sort_values("order")["label"]), title=None)
    bars = alt.Chart(data).mark_bar().encode(
        y=y, x=alt.X(f"{value}:Q", axis=charts.number_axis(value_title, lang)),
        color=alt.Color("label:N", scale=charts.stage_scale(by_stage), legend=None),
        tooltip=[alt.Tooltip("label:N", title=" "), alt.Tooltip("value_text:N", title=value_title)])
    text = alt.Chart(data).mark_text(align="left", dx=6, fontSize=charts.FONT_SIZE).encode(
        y=y, x=alt.X("text_x:Q"), text="value_text:N")
    return charts.projector(alt.layer(bars, text, title=title), step=step, lang=lang)


def town_table(ctx: Ctx, works: pd.DataFrame) -> None:
    rows, total = overview.town_table_rows(works, ctx.town_options, ctx.lang)
    table_ui.show(ctx, overview.TOWN_TABLE, rows, total=total)
    if any(len(a) > 1 for a in works["area_ids"]):
        note(ctx.tr("overview.both_towns_note"))



def red_flags(ctx: Ctx, w: pd.DataFrame, labels: dict[str, str]) -> None:
    """The red works at the evaluation date with their reasons, whole (the flags page's rows,
    fewer columns). ``w``: a ``flags.by_work`` frame; ``labels``: cause labels."""
    red = w[w["severity"] == "red"]
    if red.empty:
        return
    st.subheader(ctx.tr("overview.red_title", n=len(red)))
    table_ui.show(ctx, flags.SHORT_TABLE, flags.work_table_rows(red, labels, ctx.lang))


def _rows(data) -> bool:
    """A dataset of rows (records), not geometry (which Vega-Lite reads itself)."""
    return isinstance(data, list) and not (data and isinstance(data[0], dict) and "geometry" in data[0])


@st.cache_data(show_spinner=False, max_entries=256)
def _chart_spec(module: str, name: str, version: int, digest: str, _args: tuple, _kwargs: dict) -> dict:
    """The chart's spec, keyed by ``digest`` of its arguments (Streamlit hashes no ``_`` argument)."""
    return _build_spec(module, name, _args, _kwargs)


def _build_spec(module: str, name: str, args: tuple, kwargs: dict) -> dict:
    from streamlit import dataframe_util

    fn = getattr(importlib.import_module(module), name)
    with alt.data_transformers.disable_max_rows():  # as st.altair_chart: a province has > 5,000 points
        spec = fn(*args, **kwargs).to_dict(validate=False)  # the builders are validated by tests/test_charts.py
    # Each dataset as the Arrow bytes st.vega_lite_chart would make of it on every rerun (the same
    # bytes; it sends bytes as they are): a cached spec of thousands of rows is then quick to read
    # back from the cache and to send, where rows of dicts were a third of a province rerun.
    if isinstance(spec.get("datasets"), dict):
        spec["datasets"] = {name_: dataframe_util.convert_anything_to_arrow_bytes(data) if _rows(data) else data
                            for name_, data in spec["datasets"].items()}
    return spec


def _spec(build, args: tuple, kwargs: dict) -> dict:
    """``_chart_spec`` of ``build`` and its arguments, keyed by a digest of their pickle: equal
    pickles are equal arguments, and pickling a frame is much quicker than Streamlit's hashing of
    it (a tenth of a rerun, for charts of thousands of rows)."""
    try:
        data = pickle.dumps((args, kwargs), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - an argument that does not pickle: built, not cached
        return _build_spec(build.__module__, build.__qualname__, args, kwargs)
    digest = hashlib.blake2b(data, digest_size=20).hexdigest()
    return _chart_spec(build.__module__, build.__qualname__, frame.data_version(), digest, args, kwargs)


def spec(build, *args, **kwargs) -> dict:
    """The Vega-Lite spec ``altair`` draws, to keep and draw later (``draw``, ``draw_select``):
    Streamlit copies a spec before it changes it, so one spec may be drawn on every rerun."""
    return _spec(build, args, kwargs)


def draw(spec_: dict, width="stretch") -> None:
    st.vega_lite_chart(spec_, width=width)


def draw_select(spec_: dict, *, key: str, selection_mode, width="stretch"):
    """``draw`` for a chart the user selects in (``on_select="rerun"``): the selection
    ``st.altair_chart`` would return (the widget is known by ``key``)."""
    return st.vega_lite_chart(spec_, width=width, on_select="rerun", key=key, selection_mode=selection_mode)


def altair(build, *args, width="stretch", **kwargs) -> None:
    """``st.altair_chart(build(*args, **kwargs))``, its Vega-Lite spec built once per data version
    and arguments (Altair's building and validation was a third of a rerun); the same chart,
    drawn by ``st.vega_lite_chart``. A chart the user selects in: ``spec`` then ``draw_select``."""
    draw(_spec(build, args, kwargs), width)
