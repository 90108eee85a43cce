"""The works register page, in pieces: filter bar, list with totals and downloads, charts, detail."""
from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from lib import charts, export, fmt, overview, progress, queries, register
from lib.fmt import TY
from lib.register import MISSING
from ui import frame
from ui.frame import Ctx


def flag_markers(ctx: Ctx) -> dict[str, str]:
    """Work id -> marker text for works with a delay flag at the session's evaluation date."""
    from ui import alerts_view
    return alerts_view.markers(ctx)


def _label_missing(ctx: Ctx, value: str, labels: dict[str, str] | None = None) -> str:
    if value == MISSING:
        return ctx.tr("common.no_data")
    return (labels or {}).get(value, value)


def filter_bar(ctx: Ctx, works: pd.DataFrame, flags: dict[str, str]) -> register.Filters:
    stage_col = "stage_vi" if ctx.lang == "vi" else "stage_en"
    cat_col = "category_vi" if ctx.lang == "vi" else "category_en"
    stage_labels = dict(zip(works["stage"].dropna(), works[stage_col].dropna()))
    cat_labels = dict(zip(works["category"].dropna(), works[cat_col].dropna()))
    all_ = ctx.tr("common.placeholder_all")
    c1, c2, c3, c4 = st.columns([3, 2, 2, 2])
    search = c1.text_input(ctx.tr("register.f_search"), key="reg_search",
                           placeholder=ctx.tr("register.f_search_ph"))
    stages_chosen = c2.multiselect(ctx.tr("register.f_stage"), register.options(works, "stage"), key="reg_stage",
                                   format_func=lambda v: _label_missing(ctx, v, stage_labels), placeholder=all_)
    cats = c3.multiselect(ctx.tr("register.f_category"), register.options(works, "category"), key="reg_cat",
                          format_func=lambda v: _label_missing(ctx, v, cat_labels), placeholder=all_)
    years = c4.multiselect(ctx.tr("register.f_year"),
                           [str(int(y)) if y != MISSING else y for y in register.options(works, "expected_year")],
                           key="reg_year", format_func=lambda v: _label_missing(ctx, v), placeholder=all_)
    more = st.expander(ctx.tr("register.more_filters"))
    d1, d2, d3, d4 = more.columns([3, 2, 2, 2], vertical_alignment="bottom")
    funding = d1.multiselect(ctx.tr("register.f_funding"), register.options(works, "funding_source"),
                             key="reg_funding", format_func=lambda v: _label_missing(ctx, v), placeholder=all_)
    sort_by = d2.selectbox(ctx.tr("register.f_sort"), list(register.SORTS), key="reg_sort",
                           format_func=lambda k: ctx.tr(f"register.sort_{k}"))
    d3.toggle(ctx.tr("register.f_desc"), key="reg_desc")
    flagged_only = d4.toggle(ctx.tr("register.f_flagged"), key="reg_flagged", disabled=not flags)
    picked_stages = st.session_state.get("reg_chart_stages") or []
    return register.Filters(categories=tuple(cats), stages=tuple(stages_chosen) + tuple(picked_stages),
                            funding=tuple(funding), years=tuple(years), search=search,
                            flagged_only=flagged_only, flagged_ids=frozenset(flags))


def _pipeline_rows(ctx: Ctx, works: pd.DataFrame, stages: pd.DataFrame) -> pd.DataFrame:
    rows = overview.by_stage_and_town(works, ctx.town_options, stages, ctx.lang)
    order = {tid: i for i, tid in enumerate(ctx.town_options["id"])}
    return rows.assign(town_order=rows["town"].map(order), investment_ty=rows["investment_vnd"] / TY)


def works_list(ctx: Ctx, works: pd.DataFrame, stages: pd.DataFrame, flags: dict[str, str]) -> str | None:
    """The pipeline (click a bar to filter), the table with its totals row, downloads.
    Returns the id of the row the user selected, if any."""
    by_stage = overview.by_stage(works, stages, ctx.lang)
    k = overview.kpis(works)
    if len(works):
        chart = charts.pipeline(_pipeline_rows(ctx, works, stages), by_stage, "n",
                                ctx.tr("overview.chart_stage_count"),
                                ctx.tr("chart.pipeline_count_title", done=k.n_handed_over, n=k.n_works),
                                ctx.tr("filter.town"), ctx.lang, selectable=True)
        event = st.altair_chart(chart, width="stretch", on_select="rerun", key="reg_pipeline",
                                selection_mode=charts.STAGE_PICK)
        picked = [p.get("stage_key") for p in (event.selection.get(charts.STAGE_PICK) or [])] if event else []
        picked = [p.replace(overview.UNKNOWN_STAGE, MISSING) for p in picked if p]
        if picked != (st.session_state.get("reg_chart_stages") or []):
            st.session_state["reg_chart_stages"] = picked
            st.rerun()
        st.caption(ctx.tr("register.click_hint"))
    if st.session_state.get("reg_chart_stages"):
        names = ", ".join(by_stage.set_index("stage").rename(index={overview.UNKNOWN_STAGE: MISSING})
                          .loc[st.session_state["reg_chart_stages"], "label"])
        st.info(ctx.tr("register.chart_filter", stages=names))

    sort_by = st.session_state.get("reg_sort", "report")
    ordered = register.sort(works, sort_by, bool(st.session_state.get("reg_desc")))
    tot = register.totals(ordered)
    st.markdown(ctx.tr("register.totals", n=tot.n, amount=fmt.ty(tot.investment_vnd, ctx.lang),
                       missing=tot.n_missing_amount, done=tot.n_handed_over))
    if ordered.empty:
        st.info(ctx.tr("register.no_rows"))
        return None
    table = register.display_rows(ordered, ctx.lang, flags)
    if not flags:
        table = table.drop(columns=[ctx.tr("register.col_flag")])
    # the table's key follows the rows shown, so a selection never points into another list
    shown_key = "reg_table_" + str(abs(hash(tuple(ordered["id"]))))
    event = st.dataframe(table, hide_index=True, width="stretch", on_select="rerun",
                         selection_mode="single-row", key=shown_key,
                         column_config={ctx.tr("register.col_name"): st.column_config.TextColumn(width="large")})
    picked_id = None
    rows = event.selection.rows if event else []
    if rows and rows[0] < len(ordered):
        picked_id = ordered.iloc[rows[0]]["id"]
    _downloads(ctx, ordered, flags)
    return picked_id


def _downloads(ctx: Ctx, works: pd.DataFrame, flags: dict[str, str]) -> None:
    rows = register.export_rows(works, ctx.lang, flags)
    towns = ", ".join(frame.town_display(r, ctx.lang) for _, r in ctx.town_options.iterrows()
                      if ctx.towns is None or r["id"] in ctx.towns)
    meta = [ctx.tr("register.export_meta", today=fmt.day(date.today(), ctx.lang),
                   as_of=fmt.as_of(ctx.as_of, ctx.as_of_precision, ctx.lang), towns=towns,
                   filters=_filters_text(ctx))]
    c1, c2, _ = st.columns([1, 1, 3])
    c1.download_button(ctx.tr("register.download_xlsx"), key="dl_xlsx",
                       data=export.to_xlsx_bytes(rows, ctx.tr("register.export_sheet"), meta),
                       file_name="danh-muc-cong-trinh.xlsx", icon=":material/download:",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    c2.download_button(ctx.tr("register.download_csv"), key="dl_csv", data=export.to_csv_bytes(rows),
                       file_name="danh-muc-cong-trinh.csv", mime="text/csv", icon=":material/download:")


def _filters_text(ctx: Ctx) -> str:
    parts = []
    for key, label in (("reg_search", "register.f_search"), ("reg_stage", "register.f_stage"),
                       ("reg_cat", "register.f_category"), ("reg_year", "register.f_year"),
                       ("reg_funding", "register.f_funding")):
        value = st.session_state.get(key)
        if value:
            parts.append(f"{ctx.tr(label)}: {value if isinstance(value, str) else ', '.join(map(str, value))}")
    return "; ".join(parts) or "-"


def progress_charts(ctx: Ctx, works: pd.DataFrame, stages: pd.DataFrame) -> None:
    if works.empty:
        st.info(ctx.tr("register.no_rows"))
        return
    by_stage = overview.by_stage(works, stages, ctx.lang)
    k = overview.kpis(works)
    rows = _pipeline_rows(ctx, works, stages)
    # a. the pipeline, works and investment
    st.altair_chart(charts.pipeline(rows, by_stage, "n", ctx.tr("overview.chart_stage_count"),
                                    ctx.tr("chart.pipeline_count_title", done=k.n_handed_over, n=k.n_works),
                                    ctx.tr("filter.town"), ctx.lang), width="stretch")
    not_done = works.loc[~works["is_handed_over"], "total_investment_vnd"].dropna().sum()
    share = fmt.ty(not_done, ctx.lang)
    st.altair_chart(charts.pipeline(rows, by_stage, "investment_ty", ctx.tr("overview.chart_stage_money"),
                                    ctx.tr("chart.pipeline_money_title", share=share), ctx.tr("filter.town"),
                                    ctx.lang, decimals=1), width="stretch")
    # b. investment by category and town
    cat = _category_rows(ctx, works)
    if len(cat):
        top = cat.groupby("category_label")["investment_ty"].sum().sort_values(ascending=False)
        st.altair_chart(charts.category_by_town(
            cat, ctx.tr("chart.category_title", category=top.index[0], amount=fmt.ty(top.iloc[0] * TY, ctx.lang)),
            ctx.tr("overview.chart_stage_money"), ctx.tr("filter.town"), ctx.lang), width="stretch")
    # c. timeline, baseline against current, with the data date
    _timeline(ctx, works, by_stage)
    # d. progress across reporting periods
    _progress(ctx)
    # e. physical and financial progress
    labels = {"physical": ctx.tr("chart.physical"), "financial": ctx.tr("chart.financial"),
              "measure": ctx.tr("chart.measure")}
    pf, missing = progress.physical_financial(works, labels)
    if pf.empty:
        st.info(ctx.tr("chart.physfin_none"))
    else:
        st.altair_chart(charts.physical_financial(pf, ctx.tr("chart.physfin_title", n=pf["id"].nunique(),
                                                                 total=len(works)), labels, ctx.lang),
                        width="stretch")
        if missing:
            st.caption(ctx.tr("chart.physfin_missing", ids=", ".join(missing)))


def _category_rows(ctx: Ctx, works: pd.DataFrame) -> pd.DataFrame:
    cat_col = "category_vi" if ctx.lang == "vi" else "category_en"
    order = {tid: i for i, tid in enumerate(ctx.town_options["id"])}
    w = works.dropna(subset=["total_investment_vnd"])
    w = w.assign(town=w["area_ids"].apply(lambda a: a if len(a) else [queries.UNKNOWN_TOWN])).explode("town")
    g = w.groupby([cat_col, "town"])["total_investment_vnd"].sum().reset_index()
    return pd.DataFrame({
        "category_label": g[cat_col],
        "town_label": [overview.town_label(tid, ctx.town_options, ctx.lang) for tid in g["town"]],
        "town_order": g["town"].map(order),
        "investment_ty": g["total_investment_vnd"].astype(float) / TY})


def _timeline(ctx: Ctx, works: pd.DataFrame, by_stage: pd.DataFrame) -> None:
    labels_map = by_stage.set_index("stage")["label"]
    has_year = works.dropna(subset=["expected_year"])
    missing = works[works["expected_year"].isna()]
    if len(has_year) and ctx.as_of:
        as_of_year = ctx.as_of.year + (ctx.as_of.timetuple().tm_yday / 366)
        due_passed = has_year[(has_year["expected_year"].astype(int) + 1 <= as_of_year) & ~has_year["is_handed_over"]]
        rows = pd.DataFrame({
            "label": [f"{r.id} · {r.name[:42]}" for r in has_year.itertuples()],
            "stage_label": [labels_map.get(s if isinstance(s, str) else overview.UNKNOWN_STAGE) for s in has_year["stage"]],
            "baseline_year": has_year["baseline_year"].astype("Float64"),
            "expected_year": has_year["expected_year"].astype(int)})
        labels = {"year": ctx.tr("chart.year"), "baseline": ctx.tr("chart.timeline_baseline"),
                  "current": ctx.tr("chart.timeline_current"), "as_of": ctx.tr("chart.timeline_asof")}
        title = ctx.tr("chart.timeline_title", n_due=len(due_passed),
                       as_of=fmt.as_of(ctx.as_of, ctx.as_of_precision, ctx.lang))
        st.altair_chart(charts.timeline(rows, by_stage, as_of_year, title, labels), width="stretch")
    if len(missing):
        st.caption(ctx.tr("chart.timeline_missing", n=len(missing), ids=", ".join(missing["id"])))


def _progress(ctx: Ctx) -> None:
    prog = frame.read(progress.by_period, ctx.towns)
    labels = {"done": ctx.tr("chart.progress_metric_done"), "money": ctx.tr("chart.progress_metric_money"),
              "physical": ctx.tr("chart.progress_metric_physical"), "period": ctx.tr("chart.period"),
              "value": ctx.tr("chart.value")}
    if prog.empty:
        return
    last = prog.iloc[-1]
    st.altair_chart(charts.progress_over_periods(progress.long_form(prog, labels),
                                                 ctx.tr("chart.progress_title", done=int(last["n_handed_over"])),
                                                 labels, ctx.lang), width="content")
    if len(prog) == 1:
        st.caption(ctx.tr("chart.progress_single", period=last["period_label"]))
    if prog["n_physical_known"].sum() == 0:
        st.caption(ctx.tr("chart.progress_physical_none"))


def detail(ctx: Ctx, works: pd.DataFrame, picked: str | None) -> None:
    ids = list(works["id"])
    if not ids:
        st.info(ctx.tr("register.no_rows"))
        return
    names = dict(zip(works["id"], works["name"]))
    wanted = picked or st.query_params.get("work")
    if wanted in ids and st.session_state.get("reg_detail") != wanted and (picked or "reg_detail" not in st.session_state):
        st.session_state["reg_detail"] = wanted
    work_id = st.selectbox(ctx.tr("detail.pick"), ids, key="reg_detail",
                           format_func=lambda i: f"{i} · {names[i]}")
    work = works.set_index("id").loc[work_id]
    work["id"] = work_id
    base = work["baseline_year"]
    cur = work["expected_year"]
    st.markdown(ctx.tr("detail.baseline_vs_current",
                       baseline=int(base) if not fmt.is_missing(base) else ctx.tr("common.no_data"),
                       current=int(cur) if not fmt.is_missing(cur) else ctx.tr("common.no_data")))
    if not fmt.is_missing(base) and not fmt.is_missing(cur):
        st.caption(ctx.tr("detail.slip", years=int(cur) - int(base)) if int(cur) > int(base)
                   else ctx.tr("detail.no_slip"))
    st.dataframe(register.detail_fields(work, ctx.lang), hide_index=True, width="stretch")
    st.markdown(f"**{ctx.tr('detail.quote')}:** {work['source_quote']}")
    if not fmt.is_missing(work["source_note"]):
        st.markdown(f"**{ctx.tr('detail.source_note')}:** {work['source_note']}")
    st.subheader(ctx.tr("detail.history"))
    hist = frame.read(queries.status_history, work_id)
    stage_col = "stage_vi" if ctx.lang == "vi" else "stage_en"
    stages = frame.read(queries.stages)
    by_stage = overview.by_stage(works.iloc[0:0], stages, ctx.lang)
    expected = [str(int(y)) if not fmt.is_missing(y) else ctx.tr("common.no_data") for y in hist["expected_year"]]
    chart_rows = pd.DataFrame({"as_of": hist["as_of"], "period_label": hist["period_label"],
                               "stage_label": hist[stage_col].fillna(ctx.tr("stage.unknown")),
                               "expected_text": expected})
    by_stage = pd.concat([by_stage, pd.DataFrame([{"stage": overview.UNKNOWN_STAGE, "label": ctx.tr("stage.unknown"),
                                                   "color": "#BBBBBB", "order": 99}])], ignore_index=True)
    st.altair_chart(charts.status_history(chart_rows, by_stage, ctx.tr("detail.history_chart"),
                                          {"date": ctx.tr("detail.h_date"), "period": ctx.tr("detail.h_period"),
                                           "expected": ctx.tr("register.col_expected")}), width="stretch")
    st.dataframe(pd.DataFrame({
        ctx.tr("detail.h_date"): [fmt.as_of(d.date(), p, ctx.lang) for d, p in zip(hist["as_of"], hist["as_of_precision"])],
        ctx.tr("detail.h_period"): hist["period_label"],
        ctx.tr("register.col_stage"): hist[stage_col].fillna(ctx.tr("common.no_data")),
        ctx.tr("register.col_expected"): expected,
        ctx.tr("detail.physical"): [fmt.percent(v, ctx.lang) for v in hist["physical_pct"]],
        ctx.tr("detail.disbursed"): [fmt.ty(v, ctx.lang) for v in hist["disbursed_vnd"]],
        ctx.tr("detail.status_note"): hist["note"].fillna(""),
        ctx.tr("detail.h_by"): hist["entered_by"],
    }), hide_index=True, width="stretch")
