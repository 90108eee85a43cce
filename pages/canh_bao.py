"""Cảnh báo tiến độ: which works are late or at risk at a chosen date, why, and since when.

The answer comes first: one short row (evaluation date and the three figures), then the red
works and the amber works, one row per work with all its flags. The rule filter, what changed
since the previous period and the charts follow. Every count comes from ``flags.by_work``.
"""
import streamlit as st

from lib import charts, flags, fmt, queries
from ui import flags_view, frame, widgets

ctx = frame.page_header()
rules = flags_view.chosen_rules()  # the filter is drawn below the lists; its state is read first

c_date, c_red, c_amber, c_clear = st.columns([1.5, 1.1, 1.1, 1.1], vertical_alignment="bottom")
with c_date:
    when = flags_view.eval_date_input(ctx)
every = set(rules) == set(flags.RULES)  # every rule: the counts the other pages show, cached with the flags
f = flags_view.evaluate(ctx, when)
shown = f if every else f[f["rule"].isin(rules)]
w = flags_view.evaluate(ctx, when, then=flags.by_work) if every else flags.by_work(shown)
n = flags.severity_counts(w)
works = frame.read(queries.works, ctx.towns, ctx.period_id, ctx.programme)
# the unit in the label: a province's counts (2.067) stay whole in the columns of a 1280-px screen
c_red.metric(ctx.tr("flags.kpi_red"), fmt.number(n["red"], lang=ctx.lang), help=ctx.tr("flags.kpi_help"))
c_amber.metric(ctx.tr("flags.kpi_amber"), fmt.number(n["amber"], lang=ctx.lang), help=ctx.tr("flags.kpi_help"))
c_clear.metric(ctx.tr("flags.kpi_clear"), fmt.number(len(works) - n["red"] - n["amber"], lang=ctx.lang))
if len(rules) < len(flags.RULES):
    st.caption(ctx.tr("flags.filtered", n=len(rules), total=len(flags.RULES)))

flags_view.work_lists(ctx, w, when)
flags_view.rule_filter(ctx)
flags_view.changes_section(ctx)

sev_labels = {s: flags.severity_label(s, ctx.lang) for s in charts.SEVERITY_COLORS}
left, right = st.columns(2)
with left:
    crow = flags_view.cause_rows(ctx, w)
    if crow["n_works"].sum():
        top = crow.sort_values(["n_works", "order"], ascending=[False, True]).iloc[0]
        widgets.altair(charts.cause_bars, crow, ctx.tr("flags.causes_title", top=top["label"], n=int(top["n_works"])),
                                          ctx.tr("flags.count_works"), ctx.lang, width="stretch")
    else:
        st.info(ctx.tr("flags.causes_none"))
with right:
    trow = flags_view.town_rows(ctx, flags_view.evaluate(ctx, when, then=flags.counts_by_town) if every
                                else flags.counts_by_town(shown))
    if len(trow) and trow["n"].sum():
        totals = trow.groupby("town_label")["n"].sum().sort_values(ascending=False)
        widgets.altair(charts.flags_by_town, trow, sev_labels, ctx.tr("flags.towns_title", top=totals.index[0]),
                                             ctx.tr("flags.count_works"), ctx.lang, width="stretch")

trend = flags_view.trend_rows(ctx, rules)
if len(trend):
    widgets.altair(charts.flag_trend, trend, sev_labels, ctx.tr("flags.trend_title"), ctx.tr("flags.count_works"),
                                      ctx.tr("chart.period"), ctx.lang, width="stretch")
    if trend["period_label"].nunique() == 1:
        st.caption(ctx.tr("flags.trend_single"))

with st.expander(ctx.tr("flags.causes_report")):
    st.caption(ctx.tr("flags.causes_note"))
    flags_view.report_causes(ctx)
th = frame.read(flags.stored_thresholds)
st.caption(ctx.tr("flags.rules_note", red=th.overdue_red_months, severe=th.overdue_severe_months,
                  risk=th.at_risk_months, risk_c=th.at_risk_construction_months,
                  stalled=th.stalled_periods, stale=th.stale_days))
