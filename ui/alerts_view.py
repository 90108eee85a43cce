"""Delay flags for the pages: the evaluation date (kept in the URL), markers, summaries."""
from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from lib import flags, fmt, queries
from ui import frame
from ui.frame import Ctx

EVAL_KEY = "eval_date"        # the date widget on the flags page
EVAL_SAVED = frame.EVAL_SAVED  # the chosen date, kept across pages (and in the URL by the frame)


def default_eval_date(ctx: Ctx) -> date:
    """The date of the period being viewed (the newest by default)."""
    return ctx.as_of or date.today()


def eval_date(ctx: Ctx) -> date:
    """The evaluation date of this session: chosen on the flags page, else the period's date."""
    return st.session_state.get(EVAL_SAVED) or default_eval_date(ctx)


def eval_date_input(ctx: Ctx) -> date:
    default = default_eval_date(ctx)
    if EVAL_KEY not in st.session_state:  # the widget's state is dropped when another page is shown
        st.session_state[EVAL_KEY] = eval_date(ctx)
    c1, c2 = st.columns([1, 2], vertical_alignment="bottom")
    c1.date_input(ctx.tr("alerts.eval_date"), key=EVAL_KEY, help=ctx.tr("alerts.eval_help"),
                  format="DD/MM/YYYY", min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))
    if st.session_state[EVAL_KEY] != default:
        c2.button(ctx.tr("alerts.eval_reset", date=fmt.day(default, ctx.lang)), key="eval_reset",
                  on_click=lambda: st.session_state.update({EVAL_KEY: default}))
    chosen = st.session_state[EVAL_KEY]
    if chosen == default:
        st.session_state.pop(EVAL_SAVED, None)
        if "eval" in st.query_params:
            del st.query_params["eval"]
    else:
        st.session_state[EVAL_SAVED] = chosen
        st.query_params["eval"] = chosen.isoformat()
    return chosen


def evaluate(ctx: Ctx, when: date) -> pd.DataFrame:
    return frame.read(flags.evaluate, when, ctx.towns, None, ctx.lang)


def markers(ctx: Ctx) -> dict[str, str]:
    """Work id -> '🔴 Đỏ' / '🟠 Vàng' for works with a delay flag at the evaluation date."""
    worst = flags.worst_per_work(evaluate(ctx, eval_date(ctx)))
    return {r.work_id: ctx.tr(f"alerts.marker_{r.severity}") for r in worst.itertuples()}


def overview_strip(ctx: Ctx) -> None:
    """A line of counts and the red flags, for the overview."""
    when = eval_date(ctx)
    f = evaluate(ctx, when)
    counts = flags.counts_by_severity(f).set_index("severity")["n_works"]
    st.markdown(ctx.tr("alerts.on_overview", date=fmt.day(when, ctx.lang),
                       red=int(counts.get("red", 0)), amber=int(counts.get("amber", 0))))
    red = f[f["severity"] == "red"]
    if len(red):
        st.dataframe(pd.DataFrame({
            ctx.tr("alerts.col_work"): [f"{r.work_id} · {r.work_name}" for r in red.itertuples()],
            ctx.tr("alerts.col_reason"): red["message"]}), hide_index=True, width="stretch")
    st.page_link(str(frame.ROOT / "pages" / "canh_bao.py"), label=ctx.tr("alerts.see_all"), icon=":material/arrow_forward:")


def flag_table(ctx: Ctx, rows: pd.DataFrame, causes: pd.DataFrame) -> pd.DataFrame:
    cause_col = "label_vi" if ctx.lang == "vi" else "label_en"
    cause_label = dict(zip(causes["code"], causes[cause_col]))

    def cause_text(r) -> str:
        if fmt.is_missing(r.cause):
            return ""
        text = cause_label.get(r.cause, r.cause)
        return f"{text} ({flags.cause_note(True, ctx.lang)})" if r.cause_inferred else text

    return pd.DataFrame({
        ctx.tr("alerts.col_work"): [f"{r.work_id} · {r.work_name}" for r in rows.itertuples()],
        ctx.tr("alerts.col_rule"): [flags.rule_label(r, ctx.lang) for r in rows["rule"]],
        ctx.tr("alerts.col_reason"): rows["message"],
        ctx.tr("alerts.col_since"): [fmt.day(d, ctx.lang) if not fmt.is_missing(d) else "" for d in rows["since"]],
        ctx.tr("alerts.col_cause"): [cause_text(r) for r in rows.itertuples()],
    })


def cause_rows(ctx: Ctx, f: pd.DataFrame, causes: pd.DataFrame) -> pd.DataFrame:
    counts = flags.counts_by_cause(f)
    cause_col = "label_vi" if ctx.lang == "vi" else "label_en"
    labels = dict(zip(causes["code"], causes[cause_col]))
    labels[flags.UNKNOWN_CAUSE] = ctx.tr("flags.cause.unknown")
    order = {c: i for i, c in enumerate(list(causes["code"]) + [flags.UNKNOWN_CAUSE])}
    return pd.DataFrame({"label": [labels.get(c, c) for c in counts["cause"]],
                         "n_works": counts["n_works"], "order": [order.get(c, 99) for c in counts["cause"]]})


def town_rows(ctx: Ctx, f: pd.DataFrame) -> pd.DataFrame:
    from lib import overview
    counts = flags.counts_by_town(f)
    order = {tid: i for i, tid in enumerate(ctx.town_options["id"])}
    rows = []
    for r in counts.itertuples():
        for sev, n in (("red", r.n_red), ("amber", r.n_amber)):
            rows.append({"town_label": overview.town_label(r.town, ctx.town_options, ctx.lang),
                         "town_order": order.get(r.town, 99), "severity": sev,
                         "severity_label": flags.severity_label(sev, ctx.lang), "n": int(n)})
    return pd.DataFrame(rows)


def trend_rows(ctx: Ctx) -> pd.DataFrame:
    t = frame.read(flags.trend, ctx.towns)
    rows = []
    for i, r in enumerate(t.sort_values("as_of").itertuples()):
        for sev in ("red", "amber"):
            rows.append({"period_label": r.label_vi, "period_order": i, "severity": sev,
                         "severity_label": flags.severity_label(sev, ctx.lang), "n": int(getattr(r, f"n_{sev}"))})
    return pd.DataFrame(rows)


def causes_table(ctx: Ctx) -> pd.DataFrame:
    return frame.read(queries.delay_causes)
