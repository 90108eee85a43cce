"""Cảnh báo tiến độ: which works are late or at risk at a chosen date, why, and since when."""
import streamlit as st

from lib import charts, flags, fmt, queries
from ui import alerts_view, frame

ctx = frame.page_header()
when = alerts_view.eval_date_input(ctx)
f = alerts_view.evaluate(ctx, when)
causes = alerts_view.causes_table(ctx)
works = frame.read(queries.works, ctx.towns, ctx.period_id)
sev_labels = {s: flags.severity_label(s, ctx.lang) for s in charts.SEVERITY_COLORS}

counts = flags.counts_by_severity(f).set_index("severity")["n_works"]
n_red, n_amber = int(counts.get("red", 0)), int(counts.get("amber", 0))
c1, c2, c3 = st.columns(3)
c1.metric(ctx.tr("alerts.kpi_red"), ctx.tr("alerts.kpi_works", n=n_red), help=ctx.tr("alerts.kpi_help"))
c2.metric(ctx.tr("alerts.kpi_amber"), ctx.tr("alerts.kpi_works", n=n_amber), help=ctx.tr("alerts.kpi_help"))
c3.metric(ctx.tr("alerts.kpi_clear"), ctx.tr("alerts.kpi_works", n=len(works) - n_red - n_amber))

rule_codes = list(flags.RULES)  # a fixed list, so a choice survives a change of date
chosen = st.pills(ctx.tr("alerts.rules"), rule_codes, selection_mode="multi", default=rule_codes,
                  key="alerts_rules", format_func=lambda r: flags.rule_label(r, ctx.lang))
shown = f[f["rule"].isin(chosen or [])]
if shown.empty:
    st.success(ctx.tr("alerts.none", date=fmt.day(when, ctx.lang)))
for sev in ("red", "amber"):
    rows = shown[shown["severity"] == sev]
    if len(rows):
        st.subheader(ctx.tr(f"alerts.group_{sev}") + f" ({rows['work_id'].nunique()})")
        st.dataframe(alerts_view.flag_table(ctx, rows, causes), hide_index=True, width="stretch",
                     column_config={ctx.tr("alerts.col_reason"): st.column_config.TextColumn(width="large"),
                                    ctx.tr("alerts.col_work"): st.column_config.TextColumn(width="medium")})

left, right = st.columns(2)
with left:
    crow = alerts_view.cause_rows(ctx, f, causes)
    if crow["n_works"].sum():
        top = crow.sort_values(["n_works", "order"], ascending=[False, True]).iloc[0]
        st.altair_chart(charts.cause_bars(crow, ctx.tr("alerts.causes_title", top=top["label"], n=int(top["n_works"])),
                                          ctx.tr("alerts.count_works"), ctx.lang), width="stretch")
    else:
        st.info(ctx.tr("alerts.causes_none"))
with right:
    trow = alerts_view.town_rows(ctx, f)
    if len(trow) and trow["n"].sum():
        totals = trow.groupby("town_label")["n"].sum().sort_values(ascending=False)
        st.altair_chart(charts.flags_by_town(trow, sev_labels, ctx.tr("alerts.towns_title", top=totals.index[0]),
                                             ctx.tr("alerts.count_works"), ctx.lang), width="stretch")
st.caption(ctx.tr("alerts.causes_note"))
for c in causes.dropna(subset=["report_text"]).itertuples():
    st.caption(f"- **{c.label_vi if ctx.lang == 'vi' else c.label_en}**: “{c.report_text}” ({c.source_ref})")

trend = alerts_view.trend_rows(ctx)
if len(trend):
    st.altair_chart(charts.flag_trend(trend, sev_labels, ctx.tr("alerts.trend_title"), ctx.tr("alerts.count_works"),
                                      ctx.tr("chart.period"), ctx.lang), width="stretch")
    if trend["period_label"].nunique() == 1:
        st.caption(ctx.tr("alerts.trend_single"))
th = flags.Thresholds.from_settings(frame.read(queries.settings))
st.caption(ctx.tr("alerts.rules_note", red=th.overdue_red_months, severe=th.overdue_severe_months,
                  risk=th.at_risk_months, risk_c=th.at_risk_construction_months,
                  stalled=th.stalled_periods, stale=th.stale_days))
