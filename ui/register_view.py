"""The works register page, in pieces: filter bar, list with totals and downloads, charts, detail."""
from __future__ import annotations

import re
from datetime import date

import pandas as pd
import streamlit as st

from lib import charts, fmt, overview, progress, queries, register
from lib.stages import UNKNOWN as UNKNOWN_STAGE
from lib.fmt import TY
from lib.register import MISSING
from ui import frame, table, widgets
from ui.frame import Ctx

DETAIL_KEY = "reg_detail"   # the work shown in the detail tab
CHART_PICK_KEY = "reg_chart_stages"


def md(text) -> str:
    """Text from the data or the URL, safe inside st.markdown: no Markdown, HTML, LaTeX or
    Streamlit directive in it is interpreted."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$:=&])", r"\\\1", str(text))


def flag_levels(ctx: Ctx) -> dict[str, str]:
    """Work id -> severity (red, amber) of its worst delay flag at the session's evaluation date."""
    from lib import flags
    from ui import flags_view
    return flags_view.evaluate(ctx, flags_view.eval_date(ctx), then=(flags.worst_per_work, register.severity_by_work))


def _label_missing(ctx: Ctx, value: str, labels: dict[str, str] | None = None) -> str:
    if value == MISSING:
        return ctx.tr("common.no_data")
    return (labels or {}).get(value, value)


def filter_bar(ctx: Ctx, works: pd.DataFrame, flags: dict[str, str]) -> register.Filters:
    """One row: search, stage, category, year, and the rarer filters and sorting behind a button."""
    stage_col = "stage_vi" if ctx.lang == "vi" else "stage_en"
    cat_col = "category_vi" if ctx.lang == "vi" else "category_en"
    stage_labels = dict(zip(works["stage"].dropna().tolist(), works[stage_col].dropna().tolist()))
    cat_labels = dict(zip(works["category"].dropna().tolist(), works[cat_col].dropna().tolist()))
    c1, c2, c3, c4, c5 = st.columns([2.7, 2.1, 2.1, 1.7, 1.6], vertical_alignment="bottom")
    search = c1.text_input(ctx.tr("register.f_search"), key="reg_search",
                           placeholder=ctx.tr("register.f_search_ph"))
    stages_chosen = c2.multiselect(ctx.tr("register.f_stage"), register.options(works, "stage"), key="reg_stage",
                                   format_func=lambda v: _label_missing(ctx, v, stage_labels),
                                   placeholder=ctx.tr("register.ph_stage"), select_all=False)
    cats = c3.multiselect(ctx.tr("register.f_category"), register.options(works, "category"), key="reg_cat",
                          format_func=lambda v: _label_missing(ctx, v, cat_labels),
                          placeholder=ctx.tr("register.ph_category"), select_all=False)
    years = c4.multiselect(ctx.tr("register.f_year"),
                           [str(int(y)) if y != MISSING else y for y in register.options(works, "expected_year")],
                           key="reg_year", format_func=lambda v: _label_missing(ctx, v),
                           placeholder=ctx.tr("register.ph_year"), select_all=False)
    n_more = sum(bool(st.session_state.get(k)) for k in ("reg_funding", "reg_flagged"))
    label = ctx.tr("register.more_short_n", n=n_more) if n_more else ctx.tr("register.more_short")
    with c5.popover(label, icon=":material/tune:", width="stretch", key="reg_more",
                    help=ctx.tr("register.more_filters")):
        funding = st.multiselect(ctx.tr("register.f_funding"), register.options(works, "funding_source"),
                                 key="reg_funding", format_func=lambda v: _label_missing(ctx, v),
                                 placeholder=ctx.tr("register.ph_funding"), select_all=False)
        st.selectbox(ctx.tr("register.f_sort"), list(register.SORTS), key="reg_sort",
                     format_func=lambda k: ctx.tr(f"register.sort_{k}"), placeholder=ctx.tr("register.ph_sort"))
        st.toggle(ctx.tr("register.f_desc"), key="reg_desc")
        flagged_only = st.toggle(ctx.tr("register.f_flagged"), key="reg_flagged", disabled=not flags)
    picked_stages = st.session_state.get(CHART_PICK_KEY) or []
    if picked_stages:
        stages = frame.read(queries.stages)
        names = overview.by_stage(works.iloc[0:0], stages, ctx.lang).set_index("stage")["label"]
        names = names.rename(index={UNKNOWN_STAGE: MISSING})
        st.info(ctx.tr("register.chart_filter", stages=", ".join(names.get(p, p) for p in picked_stages)),
                icon=":material/filter_alt:")
    return register.Filters(categories=tuple(cats), stages=tuple(stages_chosen) + tuple(picked_stages),
                            funding=tuple(funding), years=tuple(years), search=search,
                            flagged_only=flagged_only, flagged_ids=frozenset(flags))


def _pipeline_rows(ctx: Ctx, works: pd.DataFrame, stages: pd.DataFrame) -> pd.DataFrame:
    rows = overview.by_stage_and_town(works, ctx.town_options, stages, ctx.lang)
    order = {tid: i for i, tid in enumerate(ctx.town_options["id"])}
    return rows.assign(town_order=rows["town"].map(order), investment_ty=rows["investment_vnd"] / TY)


def works_list(ctx: Ctx, works: pd.DataFrame, flags: dict[str, str]) -> None:
    """The filtered register: a totals line, the table (names whole, a totals row), downloads."""
    sort_by = st.session_state.get("reg_sort", "report")
    ordered = register.sort(works[register.LIST_COLUMNS], sort_by, bool(st.session_state.get("reg_desc")))
    tot = register.totals(ordered)
    st.markdown(ctx.tr("register.totals", n=tot.n,
                       amount=fmt.ty(tot.investment_vnd, ctx.lang, decimals=register.REGISTER.money_decimals,
                                     strip=False),
                       missing=tot.n_missing_amount, done=tot.n_handed_over))
    if ordered.empty:
        st.info(ctx.tr("register.no_rows"))
        return
    spec = register.register_table(with_flags=bool(flags))
    rows = register.register_rows(ordered, ctx.lang, flags)
    table.show_paged(ctx, spec, rows, key="reg_page", total=register.register_total(ordered, ctx.lang))
    towns = ", ".join(frame.town_display(r, ctx.lang) for r in ctx.town_options.to_dict("records")
                      if ctx.towns is None or r["id"] in ctx.towns)
    meta = [ctx.tr("register.export_meta", today=fmt.day(date.today(), ctx.lang),
                   as_of=fmt.as_of(ctx.as_of, ctx.as_of_precision, ctx.lang), towns=towns,
                   filters=_filters_text(ctx))]
    table.downloads(ctx, spec, rows, stem="danh-muc-cong-trinh", sheet=ctx.tr("register.export_sheet"),
                    meta=meta, key="dl_register")
    _open_data_download(ctx)


def _open_data_download(ctx: Ctx) -> None:
    """'Tải dữ liệu mở (OC4IDS, JSON)': one OC4IDS project per work of the towns and period shown
    (not narrowed by the search filters). Built only when clicked (deferred data)."""
    from lib import oc4ids

    towns, period_id, programme = ctx.towns, ctx.period_id, ctx.programme

    def build() -> bytes:
        return oc4ids.to_bytes(frame.get_db(), towns=towns, period_id=period_id, programme=programme)

    st.download_button(ctx.tr("opendata.download"), data=build, key="dl_register_oc4ids",
                       file_name=f"ct07-oc4ids-{period_id or 'moi-nhat'}.json", mime="application/json",
                       icon=":material/data_object:", help=ctx.tr("opendata.download_help"), on_click="ignore")


def _filters_text(ctx: Ctx) -> str:
    parts = []
    for key, label in (("reg_search", "register.f_search"), ("reg_stage", "register.f_stage"),
                       ("reg_cat", "register.f_category"), ("reg_year", "register.f_year"),
                       ("reg_funding", "register.f_funding")):
        value = st.session_state.get(key)
        if value:
            parts.append(f"{ctx.tr(label)}: {value if isinstance(value, str) else ', '.join(map(str, value))}")
    return "; ".join(parts) or "-"


# what the charts read of the works: every step below then copies these columns, not all forty
CHART_COLUMNS = ["id", "name", "stage", "area_ids", "total_investment_vnd", "disbursed_vnd", "physical_pct",
                 "is_handed_over", "expected_year", "baseline_year", "category_vi", "category_en"]


def progress_charts(ctx: Ctx, works: pd.DataFrame, stages: pd.DataFrame) -> None:
    if works.empty:
        st.info(ctx.tr("register.no_rows"))
        return
    # the charts' data and specs, built once per data version and view and kept by the session: a
    # rerun with nothing changed (a click elsewhere on the page) only draws them
    key = (ctx.lang, ctx.towns and tuple(ctx.towns), ctx.period_id, ctx.programme, ctx.as_of,
           ctx.as_of_precision, tuple(works["id"]))
    c = frame.kept("register_charts", key, lambda: _chart_specs(ctx, works[CHART_COLUMNS], stages))
    # a. the pipeline, works (a click on a stage narrows the list) and investment
    event = widgets.draw_select(c["pipeline_n"], key="reg_pipeline", selection_mode=charts.STAGE_PICK)
    picked = [p.get("stage_key") for p in (event.selection.get(charts.STAGE_PICK) or [])] if event else []
    picked = [p.replace(UNKNOWN_STAGE, MISSING) for p in picked if p]
    if picked != (st.session_state.get(CHART_PICK_KEY) or []):
        st.session_state[CHART_PICK_KEY] = picked
        st.rerun()
    st.caption(ctx.tr("register.click_hint"))
    widgets.draw(c["pipeline_money"])
    # b. investment by category and town
    if c["category"] is not None:
        widgets.draw(c["category"])
    # c. timeline, baseline against current, with the data date
    if c["timeline"] is not None:
        widgets.draw(c["timeline"])
    if c["timeline_missing"]:
        st.caption(c["timeline_missing"])
    # d. progress across reporting periods
    if c["progress"] is not None:
        widgets.draw(c["progress"], width="content")
    for caption in c["progress_captions"]:
        st.caption(caption)
    # e. physical and financial progress
    if c["physfin"] is None:
        st.info(ctx.tr("chart.physfin_none"))
    else:
        widgets.draw(c["physfin"])
        if c["physfin_missing"]:
            st.caption(c["physfin_missing"])


def _chart_specs(ctx: Ctx, works: pd.DataFrame, stages: pd.DataFrame) -> dict:
    """The register's charts as Vega-Lite specs (``widgets.spec``) and their captions."""
    by_stage = overview.by_stage(works, stages, ctx.lang)
    k = overview.kpis(works)
    rows = _pipeline_rows(ctx, works, stages)
    c = {"pipeline_n": widgets.spec(charts.pipeline, rows, by_stage, "n", ctx.tr("overview.chart_stage_count"),
                                    ctx.tr("chart.pipeline_count_title", done=k.n_handed_over, n=k.n_works),
                                    ctx.tr("filter.town"), ctx.lang, selectable=True)}
    not_done = fmt.sum_known(works.loc[~works["is_handed_over"], "total_investment_vnd"])  # None: unknown
    c["pipeline_money"] = widgets.spec(charts.pipeline, rows, by_stage, "investment_ty",
                                       ctx.tr("overview.chart_stage_money"),
                                       ctx.tr("chart.pipeline_money_title", share=fmt.ty(not_done, ctx.lang)),
                                       ctx.tr("filter.town"), ctx.lang, decimals=1)
    cat = _category_rows(ctx, works)
    c["category"] = None
    if len(cat):
        top = cat.groupby("category_label")["investment_ty"].sum().sort_values(ascending=False)
        c["category"] = widgets.spec(
            charts.category_by_town, cat,
            ctx.tr("chart.category_title", category=top.index[0], amount=fmt.ty(top.iloc[0] * TY, ctx.lang)),
            ctx.tr("overview.chart_stage_money"), ctx.tr("filter.town"), ctx.lang)
    c.update(_timeline(ctx, works, by_stage))
    c.update(_progress(ctx))
    labels = {"physical": ctx.tr("chart.physical"), "financial": ctx.tr("chart.financial"),
              "measure": ctx.tr("chart.measure")}
    pf, missing = progress.physical_financial(works, labels)
    c["physfin"] = None if pf.empty else widgets.spec(
        charts.physical_financial, pf, ctx.tr("chart.physfin_title", n=pf["id"].nunique(), total=len(works)),
        labels, ctx.lang)
    c["physfin_missing"] = ctx.tr("chart.physfin_missing", ids=", ".join(missing)) if missing and not pf.empty else None
    return c


def _category_rows(ctx: Ctx, works: pd.DataFrame) -> pd.DataFrame:
    cat_col = "category_vi" if ctx.lang == "vi" else "category_en"
    order = {tid: i for i, tid in enumerate(ctx.town_options["id"])}
    w = works.dropna(subset=["total_investment_vnd"])
    w = w.assign(town=w["area_ids"].apply(lambda a: a if len(a) else [queries.UNKNOWN_TOWN])).explode("town")
    g = w.groupby([cat_col, "town"])["total_investment_vnd"].sum().reset_index()
    return pd.DataFrame({
        "category_label": g[cat_col],
        "town_label": g["town"].map(overview.town_labels(g["town"].unique(), ctx.town_options, ctx.lang)),
        "town_order": g["town"].map(order),
        "investment_ty": g["total_investment_vnd"].astype(float) / TY})


def _timeline(ctx: Ctx, works: pd.DataFrame, by_stage: pd.DataFrame) -> dict:
    labels_map = by_stage.set_index("stage")["label"].to_dict()
    has_year = works.dropna(subset=["expected_year"])
    missing = works[works["expected_year"].isna()]
    out = {"timeline": None, "timeline_missing": None}
    if len(has_year) and ctx.as_of:
        as_of_year = ctx.as_of.year + (ctx.as_of.timetuple().tm_yday / 366)
        due_passed = has_year[(has_year["expected_year"].astype(int) + 1 <= as_of_year) & ~has_year["is_handed_over"]]
        rows = pd.DataFrame({
            "label": [f"{i} · {n[:42]}" for i, n in zip(has_year["id"].tolist(), has_year["name"].tolist())],
            "stage_label": [labels_map.get(s if isinstance(s, str) else UNKNOWN_STAGE)
                            for s in has_year["stage"].tolist()],
            "baseline_year": has_year["baseline_year"].astype("Float64"),
            "expected_year": has_year["expected_year"].astype(int)})
        labels = {"year": ctx.tr("chart.year"), "baseline": ctx.tr("chart.timeline_baseline"),
                  "current": ctx.tr("chart.timeline_current"), "as_of": ctx.tr("chart.timeline_asof")}
        title = ctx.tr("chart.timeline_title", n_due=len(due_passed),
                       as_of=fmt.as_of(ctx.as_of, ctx.as_of_precision, ctx.lang))
        out["timeline"] = widgets.spec(charts.timeline, rows, by_stage, as_of_year, title, labels)
    if len(missing):
        out["timeline_missing"] = ctx.tr("chart.timeline_missing", n=len(missing), ids=", ".join(missing["id"]))
    return out


def _progress(ctx: Ctx) -> dict:
    prog = frame.read(progress.by_period, ctx.towns, ctx.programme)
    labels = {"done": ctx.tr("chart.progress_metric_done"), "money": ctx.tr("chart.progress_metric_money"),
              "physical": ctx.tr("chart.progress_metric_physical"), "period": ctx.tr("chart.period"),
              "value": ctx.tr("chart.value")}
    out = {"progress": None, "progress_captions": []}
    if prog.empty:
        return out
    last = prog.iloc[-1]
    out["progress"] = widgets.spec(charts.progress_over_periods, progress.long_form(prog, labels),
                                   ctx.tr("chart.progress_title", done=int(last["n_handed_over"])), labels, ctx.lang)
    if len(prog) == 1:
        out["progress_captions"].append(ctx.tr("chart.progress_single", period=last["period_label"]))
    if prog["n_physical_known"].sum() == 0:
        out["progress_captions"].append(ctx.tr("chart.progress_physical_none"))
    return out


def detail(ctx: Ctx, works: pd.DataFrame, all_works: pd.DataFrame) -> None:
    """One work, chosen here or by the link ``?work=GT-01``: every field with its source, the
    report's words, the update history."""
    ids = works["id"].tolist()
    names = dict(zip(ids, works["name"].tolist()))
    wanted = st.query_params.get("work")
    found = register.find_work(works, wanted)
    if st.session_state.get(DETAIL_KEY) not in ids:
        st.session_state.pop(DETAIL_KEY, None)
    if DETAIL_KEY not in st.session_state and found:
        st.session_state[DETAIL_KEY] = found
    if wanted and not found and not st.session_state.get(DETAIL_KEY):
        elsewhere = register.find_work(all_works, wanted)
        if elsewhere:
            st.warning(ctx.tr("detail.work_elsewhere", id=md(elsewhere)), icon=":material/filter_alt:")
        else:
            st.warning(ctx.tr("detail.work_unknown", id=md(wanted.strip()[:40])), icon=":material/help:")
    if not ids:
        st.info(ctx.tr("register.no_rows"))
        return
    work_id = st.selectbox(ctx.tr("detail.pick"), ids, index=None, key=DETAIL_KEY,
                           format_func=lambda i: f"{i} · {names[i]}", placeholder=ctx.tr("detail.pick_ph"))
    if work_id is None:
        st.caption(ctx.tr("detail.pick_hint"))
        return
    if st.query_params.get("work") != work_id:
        st.query_params["work"] = work_id  # the link to this work, to share or bookmark
    work = works.set_index("id").loc[work_id].copy()
    work["id"] = work_id
    base = work["baseline_year"]
    cur = work["expected_year"]
    line = ctx.tr("detail.baseline_vs_current",
                  baseline=int(base) if not fmt.is_missing(base) else ctx.tr("common.no_data"),
                  current=int(cur) if not fmt.is_missing(cur) else ctx.tr("common.no_data"))
    if not fmt.is_missing(base) and not fmt.is_missing(cur):
        line += " · " + (ctx.tr("detail.slip", years=int(cur) - int(base)) if int(cur) > int(base)
                         else ctx.tr("detail.no_slip"))
    st.markdown(line)
    table.show(ctx, register.DETAIL, register.detail_fields(work, ctx.lang))
    if not fmt.is_missing(work["source_quote"]):
        st.markdown(f"**{ctx.tr('detail.quote')}:** {md(work['source_quote'])}")
    if not fmt.is_missing(work["source_note"]):
        st.markdown(f"**{ctx.tr('detail.source_note')}:** {md(work['source_note'])}")
    from ui import evidence_view  # the committee's decision on the town, or its form (issue 12)
    evidence_view.town_box(ctx, work_id)
    st.subheader(ctx.tr("detail.history"))
    hist = frame.read(queries.status_history, work_id)
    stage_col = "stage_vi" if ctx.lang == "vi" else "stage_en"
    stages = frame.read(queries.stages)
    by_stage = overview.by_stage(works.iloc[0:0], stages, ctx.lang)
    expected = [str(int(y)) if not fmt.is_missing(y) else ctx.tr("common.no_data") for y in hist["expected_year"]]
    chart_rows = pd.DataFrame({"as_of": hist["as_of"], "period_label": hist["period_label"],
                               "stage_label": hist[stage_col].fillna(ctx.tr("stage.unknown")),
                               "expected_text": expected})
    by_stage = pd.concat([by_stage, pd.DataFrame([{"stage": UNKNOWN_STAGE, "label": ctx.tr("stage.unknown"),
                                                   "color": "#BBBBBB", "order": 99}])], ignore_index=True)
    if len(hist) > 1:  # one update is one dot: the table says it better
        widgets.altair(charts.status_history, chart_rows, by_stage, ctx.tr("detail.history_chart"),
                                              {"date": ctx.tr("detail.h_date"), "period": ctx.tr("detail.h_period"),
                                               "expected": ctx.tr("register.col_expected")}, width="stretch")
    table.show(ctx, register.HISTORY, register.history_rows(hist, ctx.lang))
