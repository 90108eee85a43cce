"""The what-if funding page, in pieces: the inputs (kept in session state, keys fund_*), the
headline, and one function per tab. The simulation is cheap (a few ms), so every change of
an input recomputes everything; reads of the database go through frame.read (cached).
The stages and their inputs are those of the database's ``stage`` table (``stage_model``),
read at each run: a stage added to the table gets its inputs, first set to its defaults.
"""
from __future__ import annotations

import dataclasses
from datetime import date, datetime
from types import SimpleNamespace

import pandas as pd
import streamlit as st

from lib.i18n import text_of
from lib import (charts_funding, criteria, fmt, funding, queries, scenario, scenario_report, scenario_store,
                 scenario_towns, stages, whatif)
from lib.db import DatabaseError
from lib.fmt import TY
from lib.scenario import Scenario
from lib.scenario_towns import TownProjection
from lib.stages import StageModel
from lib.tables import Col, Table
from lib.db import ValidationError
from lib.whatif import Outcomes, WhatIf
from ui import auth_view, criteria_view, frame, widgets
from ui import table as table_ui
from ui.frame import Ctx

STATE_OPTIONS = [i / 2 for i in range(0, 201)]      # 0 .. 100 tỷ đồng a year, step 0,5
NONSTATE_OPTIONS = [i / 2 for i in range(0, 101)]   # 0 .. 50 tỷ đồng a year
MONEY_STEP_VND = TY / 2
HORIZON_SPAN = 17                                   # the last year offered: start + 17
KEEP = "session"          # every input keeps its value across pages (Streamlit's persist_state)
RULESET_KEY = "fund_ruleset"
MONEY_DECIMALS = 3        # every amount of the page in tỷ đồng: 12,750 beside 10,000
SLIDER_DECIMALS = 1       # the sliders move by 0,5 tỷ: 10,0 beside 12,5
FLASH = "_fund_flash"     # a message to show after the rerun that follows a save or a delete


# -- inputs ------------------------------------------------------------------------------

def stage_model() -> StageModel:
    """The database's stage model (its ``stage`` table), read at each run."""
    return frame.read(stages.model)


def editable_stages(model: StageModel) -> tuple[str, ...]:
    """The stage keys of a scenario (``model.keys``) less the handed-over ones: complete whatever
    the money. Each has two inputs, ``fund_share_{stage}`` and ``fund_months_{stage}``."""
    return tuple(k for k in model.keys if k not in model.handed_over)


def baseline(ctx: Ctx) -> Scenario:
    """The baseline scenario ("kịch bản cơ sở"): the page's first values."""
    return scenario.default_scenario(ctx.as_of.year if ctx.as_of else None, ctx.towns, stage_model(), ctx.programme)


def defaults(ctx: Ctx, ruleset_ids: list[str]) -> dict:
    base = baseline(ctx)
    d = {
        "fund_state": base.state_budget_vnd / TY,
        "fund_nonstate": base.non_state_vnd / TY,
        "fund_horizon": (base.start_year, base.end_year),
        "fund_rule": base.rule,
        "fund_overrun": int(base.cost_overrun_pct),
        "fund_clearance": int(base.clearance_extra_months),
        "fund_build": base.min_build_years,
        "fund_carry": base.carry_unspent,
        RULESET_KEY: criteria.DEFAULT_RULESET if criteria.DEFAULT_RULESET in ruleset_ids else ruleset_ids[0],
    }
    for stage in editable_stages(base.stages):
        d[f"fund_share_{stage}"] = int(round(base.shares[stage] * 100))
        d[f"fund_months_{stage}"] = int(base.months[stage])
    return d


def _horizon_bounds(d: dict) -> tuple[int, int]:
    start = d["fund_horizon"][0]
    return start, start + HORIZON_SPAN


def init_state(d: dict) -> None:
    """Give every input its value: kept from this session (``persist_state``: also across pages),
    else the default."""
    for key, value in d.items():
        if key not in st.session_state:
            st.session_state[key] = value
    lo, hi = _horizon_bounds(d)
    start, end = st.session_state["fund_horizon"]
    start, end = min(max(int(start), lo), hi), min(max(int(end), lo), hi)
    if (start, end) != tuple(st.session_state["fund_horizon"]):
        st.session_state["fund_horizon"] = (start, end)
    checks = {"fund_state": STATE_OPTIONS, "fund_nonstate": NONSTATE_OPTIONS, "fund_rule": funding.RULES}
    for key, options in checks.items():
        if st.session_state[key] not in options:
            st.session_state[key] = d[key]


def _reset(d: dict) -> None:
    for key, value in d.items():
        st.session_state[key] = value


def _money(ctx: Ctx, v: float) -> str:
    """A slider's value in tỷ (one decimal for every value: the steps are 0,5 tỷ)."""
    return ctx.tr("funding.ty_short", n=fmt.number(v, SLIDER_DECIMALS, ctx.lang, strip=False))


def _ty(ctx: Ctx, vnd, unit: bool = True) -> str:
    """An amount of the page, in tỷ đồng with the page's one precision."""
    return fmt.ty(vnd, ctx.lang, decimals=MONEY_DECIMALS, unit=unit, strip=False)


_SLIDER_LABELS: dict[str, dict[float, str]] = {}  # language -> every slider value's label


def _slider_labels(ctx: Ctx) -> dict[float, str]:
    """The label of every value of the two money sliders (Streamlit formats each of their 300
    options on every run: written once per language)."""
    labels = _SLIDER_LABELS.get(ctx.lang)
    if labels is None:
        labels = _SLIDER_LABELS[ctx.lang] = {v: _money(ctx, v) for v in {*STATE_OPTIONS, *NONSTATE_OPTIONS}}
    return labels


def sliders(ctx: Ctx, d: dict) -> None:
    """The money and the horizon, in one compact row with the reset."""
    lo, hi = _horizon_bounds(d)
    labels = _slider_labels(ctx)
    c1, c2, c3, c4 = st.columns([3.6, 3, 3, 2.4], vertical_alignment="bottom")
    c1.select_slider(ctx.tr("funding.in_state"), STATE_OPTIONS, key="fund_state", persist_state=KEEP,
                     format_func=lambda v: labels.get(v) or _money(ctx, v), help=ctx.tr("funding.in_state_help"))
    c2.select_slider(ctx.tr("funding.in_nonstate"), NONSTATE_OPTIONS, key="fund_nonstate", persist_state=KEEP,
                     format_func=lambda v: labels.get(v) or _money(ctx, v), help=ctx.tr("funding.in_nonstate_help"))
    c3.slider(ctx.tr("funding.in_horizon"), min_value=lo, max_value=hi, step=1, key="fund_horizon", persist_state=KEEP, format="%d",
              help=ctx.tr("funding.in_horizon_help"))
    c4.button(ctx.tr("funding.reset"), key="fund_reset", on_click=_reset, args=(d,), icon=":material/restart_alt:",
              help=ctx.tr("funding.reset_help"), width="stretch", wrap=True)


def controls(ctx: Ctx, d: dict, stage_labels: dict[str, str]) -> None:
    """The other inputs: the rule, overrun and clearance, and the stage assumptions in an expander."""
    # three choices, all in view: one click on the projector, and no drop-down to search
    c4, c5, c6 = st.columns([5, 2.5, 2.5], vertical_alignment="bottom")
    c4.radio(ctx.tr("funding.in_rule"), list(funding.RULES), key="fund_rule", persist_state=KEEP, horizontal=True,
             format_func=lambda r: ctx.tr(f"funding.rule.{r}"), help=ctx.tr("funding.in_rule_help"))
    c5.slider(ctx.tr("funding.in_overrun"), 0, 50, step=1, key="fund_overrun", persist_state=KEEP, format="%d %%",
              help=ctx.tr("funding.in_overrun_help"))
    c6.slider(ctx.tr("funding.in_clearance"), 0, 24, step=1, key="fund_clearance", persist_state=KEEP, format="%d",
              help=ctx.tr("funding.in_clearance_help"))
    with st.expander(ctx.tr("funding.more")):
        widgets.note(ctx.tr("funding.more_help"))
        editable = editable_stages(stage_model())
        cols = st.columns(len(editable), vertical_alignment="bottom")  # a long stage name wraps
        for col, stage in zip(cols, editable):
            col.markdown(f"**{stage_labels.get(stage, stage)}**")
            col.number_input(ctx.tr("funding.in_share"), 0, 100, step=5, key=f"fund_share_{stage}", persist_state=KEEP,
                             help=ctx.tr("funding.in_share_help"))
            col.number_input(ctx.tr("funding.in_months"), 0, 60, step=1, key=f"fund_months_{stage}", persist_state=KEEP,
                             help=ctx.tr("funding.in_months_help"))
        b1, b2, _ = st.columns([2, 3, 3], vertical_alignment="bottom")
        b1.number_input(ctx.tr("funding.in_build"), 1, 5, step=1, key="fund_build", persist_state=KEEP, help=ctx.tr("funding.in_build_help"))
        b2.toggle(ctx.tr("funding.in_carry"), key="fund_carry", persist_state=KEEP, help=ctx.tr("funding.in_carry_help"))


def current_scenario(ctx: Ctx) -> Scenario:
    s = st.session_state
    model = stage_model()
    shares, months = model.default_done_share(), model.default_months_to_start()
    for stage in editable_stages(model):
        shares[stage] = s[f"fund_share_{stage}"] / 100
        months[stage] = float(s[f"fund_months_{stage}"])
    start, end = s["fund_horizon"]
    return Scenario(int(start), int(end), float(s["fund_state"]) * TY, float(s["fund_nonstate"]) * TY,
                    s["fund_rule"], float(s["fund_overrun"]), float(s["fund_clearance"]), shares, months,
                    int(s["fund_build"]), bool(s["fund_carry"]), tuple(ctx.towns) if ctx.towns is not None else None,
                    model, programme=ctx.programme)


def score_options(ctx: Ctx, catalog) -> tuple[str, bool]:
    """The rule-set the towns are scored with and the illustrative-data toggle (shared with
    the criteria page)."""
    c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
    ruleset_id = c1.selectbox(ctx.tr("funding.in_ruleset"), catalog.ids, key=RULESET_KEY,
                              placeholder=ctx.tr("funding.ph_ruleset"),
                              format_func=lambda i: catalog[i].info.name, help=ctx.tr("funding.in_ruleset_help"))
    with c2:
        demo = criteria_view.demo_toggle(ctx)
    return ruleset_id, bool(demo)


# -- the model of one run: lib/whatif.py -------------------------------------------------------

def town_names(ctx: Ctx) -> dict[str, str]:
    return {r["id"]: frame.town_display(r, ctx.lang) for r in ctx.town_options.to_dict("records")}


def compute(ctx: Ctx, scenario: Scenario, ruleset_id: str, demo: bool, catalog) -> WhatIf:
    """``whatif.evaluate`` with this session's choices: the towns, the period, the class chosen
    for each town, and the page's cache of reads."""
    ruleset = catalog[ruleset_id]
    towns = [t for t in frame.read(scenario_towns.programme_towns, ctx.programme) if ctx.towns is None or t in ctx.towns]
    classes = {t: criteria_view.chosen_class(t, ruleset, frame.read(criteria.target_class, t, ctx.programme)) for t in towns}
    base, names = baseline(ctx), town_names(ctx)
    labels = frame.read(whatif.stage_labels, ctx.lang)
    # the session's last evaluation is drawn again while nothing it is made of changed (a rerun
    # for another widget, a tab, a download): the scenario, every choice, the data version
    key = (scenario, base, tuple(ctx.towns) if ctx.towns is not None else None, ctx.period_id, ruleset_id, demo,
           tuple(classes.items()), tuple(names.items()), tuple(labels.items()))
    st.session_state[_MODEL_KEY] = key
    return frame.kept("fund_model", key, lambda: whatif.evaluate(
        frame.get_db(), scenario, base, towns=ctx.towns, period_id=ctx.period_id, ruleset_id=ruleset_id, demo=demo,
        classes=classes, town_names=names, stage_labels=labels, read=lambda fn, *args: frame.read(fn, *args)))


_MODEL_KEY = "_fund_model_key"  # what the session's model (``compute``) was made of


def _view(ctx: Ctx, name: str, make):
    """``make()``, kept with the session's model (``compute``) in this language: the tables and
    chart specs drawn from it are built once, and a rerun that changes nothing only draws them."""
    views = frame.kept("fund_views", (st.session_state.get(_MODEL_KEY), ctx.lang), dict)
    if name not in views:
        views[name] = make()
    return views[name]


# -- headline -----------------------------------------------------------------------------

def demo_banner(ctx: Ctx, m: WhatIf) -> None:
    if m.uses_demo:
        st.warning(ctx.tr("funding.demo_banner"), icon=":material/science:")


def _town_short(ctx: Ctx, p: TownProjection, end: int) -> str:
    if p.status == "dat":
        return ctx.tr("funding.kpi_town_reached", year=p.first_year)
    if p.status == "chua_du_so_lieu":
        return ctx.tr("funding.kpi_town_no_data")
    return ctx.tr("funding.kpi_town_not_reached", end=end)


def programme_end(ctx: Ctx) -> int | None:
    """The programme's last year (2025 for the 2021-2025 programme), when the data give it."""
    v = frame.read(queries.programme, ctx.programme).get("period_end")
    return None if fmt.is_missing(v) else int(v)


def _probe(s: Scenario) -> Scenario:
    """The scenario without its amounts: goal seeking does not depend on them, so moving the
    money sliders reuses the cached answer (frame.read: keyed by data version and inputs)."""
    return dataclasses.replace(s, state_budget_vnd=0.0, non_state_vnd=0.0)


def lead(ctx: Ctx, m: WhatIf) -> None:
    """The page's answer, first: the smallest yearly money with which every work that has an
    amount is complete by the end of the horizon (and of the programme, when it ends earlier
    within the horizon), with a button that sets the slider to it."""
    s = m.scenario
    goals = [(s.end_year, ctx.tr("funding.lead_horizon_end"))]
    prog_end = programme_end(ctx)
    if prog_end is not None and s.start_year <= prog_end < s.end_year:
        goals.append((prog_end, ctx.tr("funding.lead_programme_end")))
    st.markdown(f"**{ctx.tr('funding.lead_title', start=s.start_year)}**")
    cols = st.columns([4.5, 3] if len(goals) == 1 else [4.5, 4.5, 3], vertical_alignment="bottom")
    main = None
    for col, (year, which) in zip(cols, goals):
        g = frame.read(whatif.goal_all, _probe(s), ctx.period_id, year)
        main = main or g
        label = ctx.tr("funding.lead_label", year=year, which=which)
        if g.envelope_vnd is None:
            col.metric(label, ctx.tr("funding.lead_unreachable"),
                       help=ctx.tr("funding.goal_too_late", works=", ".join(g.too_late), year=year)
                       if g.too_late else ctx.tr("funding.goal_unreachable"))
        else:
            col.metric(label, ctx.tr("funding.lead_value", amount=_ty(ctx, g.envelope_vnd)),
                       help=ctx.tr("funding.lead_help", start=s.start_year, year=year, n=g.n_works,
                                   rule=ctx.tr(f"funding.rule.{s.rule}")))
    with cols[-1]:
        if main.envelope_vnd is not None:
            _apply_button(ctx, s, main.envelope_vnd, "fund_lead_apply", short=True)
    note = ctx.tr("funding.lead_now", amount=_ty(ctx, s.total_vnd))
    if main.envelope_vnd is not None:
        diff = s.total_vnd - main.envelope_vnd
        if diff < -0.5:
            note += " " + ctx.tr("funding.lead_short_by", amount=_ty(ctx, -diff))
        else:
            note += " " + ctx.tr("funding.lead_enough")
    if m.outcomes.n_not_simulated:
        note += " " + ctx.tr("funding.lead_excludes", n=m.outcomes.n_not_simulated)
    widgets.note(note)


def _done_year_text(ctx: Ctx, year: int | None, end: int) -> str:
    return str(year) if year is not None else ctx.tr("funding.tl_after", end=end).lower()


def results(ctx: Ctx, m: WhatIf) -> None:
    """What the sliders move, in large figures: works complete, the year every work is complete,
    the money still short (honest about the works left out), the works that change year."""
    o, b = m.outcomes, m.base_outcomes
    end = m.scenario.end_year
    c1, c2, c3, c4 = st.columns(4)
    diff = o.n_done - b.n_done
    c1.metric(ctx.tr("funding.kpi_done", end=end), ctx.tr("funding.kpi_done_value", n=o.n_done, total=o.n_simulated),
              delta=ctx.tr("funding.kpi_vs_base", d=("+" if diff > 0 else "") + fmt.number(diff, lang=ctx.lang))
              if diff else None,
              help=ctx.tr("funding.kpi_done_help", n=o.n_not_simulated))
    year, base_year = funding.all_done_year(m.result), funding.all_done_year(m.base_result)
    delta = None
    if year != base_year:
        if year is None or base_year is None:
            delta = ctx.tr("funding.change_now_out") if year is None else ctx.tr("funding.change_now_in")
        else:
            delta = ctx.tr("funding.kpi_vs_base", d=ctx.tr("funding.years_value", n=f"{year - base_year:+d}"))
    c2.metric(ctx.tr("funding.kpi_all_done"), _done_year_text(ctx, year, end), delta=delta, delta_color="inverse",
              help=ctx.tr("funding.kpi_all_done_help", n=o.n_simulated))
    if year is None:
        widgets.note(ctx.tr("funding.kpi_all_done_left", n=o.n_simulated - o.n_done, end=end), c2)
    gap, base_gap = funding.funding_gap(m.result), funding.funding_gap(m.base_result)
    value, note = funding.gap_text(gap, ctx.lang, MONEY_DECIMALS)
    change = gap.known_vnd - base_gap.known_vnd
    c3.metric(ctx.tr("funding.kpi_outstanding", end=end), value,
              delta=ctx.tr("funding.kpi_vs_base", d=("+" if change > 0 else "") + _ty(ctx, change, unit=False))
              if abs(change) >= 0.0005 * TY else None, delta_color="inverse",
              help=ctx.tr("funding.kpi_outstanding_help", amount=_ty(ctx, gap.known_vnd)))
    if note:
        widgets.note(note, c3)
    moved = m.moved[m.moved["change"] != "same"]
    n_earlier, n_later = int((moved["change"] == "earlier").sum()), int((moved["change"] == "later").sum())
    c4.metric(ctx.tr("funding.kpi_moved"), ctx.tr("funding.kpi_moved_value", earlier=n_earlier, later=n_later)
              if len(moved) else ctx.tr("funding.kpi_moved_none"), help=ctx.tr("funding.kpi_moved_help"))
    if len(moved):
        shown = [f"{r.work_id} {_change_text(ctx, r)}" for r in moved.head(3).itertuples()]
        more = len(moved) - len(shown)
        widgets.note("; ".join(shown) + (" " + ctx.tr("funding.kpi_moved_more", n=more) if more else ""), c4)


def town_metrics(ctx: Ctx, m: WhatIf) -> None:
    """When each programme town reaches its target class, against the baseline."""
    if not m.projections:
        return
    end = m.scenario.end_year
    cols = st.columns(max(4, len(m.projections)))
    for col, p, bp in zip(cols, m.projections, m.base_projections):
        help_text = ctx.tr("funding.kpi_town_help", ruleset=m.ruleset_name, n=p.n_scored, total=p.n_total,
                           result=scenario_report.town_result_text(p, end, ctx.lang))
        delta = None
        if p.first_year != bp.first_year:
            if p.first_year is None or bp.first_year is None:
                delta = ctx.tr("funding.kpi_town_lost") if p.first_year is None else ctx.tr("funding.kpi_town_won")
            else:
                delta = ctx.tr("funding.kpi_vs_base", d=ctx.tr("funding.years_value", n=f"{p.first_year - bp.first_year:+d}"))
        col.metric(ctx.tr("funding.kpi_town", town=m.town_names.get(p.town, p.town), c=p.class_code),
                   _town_short(ctx, p, end), delta=delta, delta_color="inverse", help=help_text)


# -- works ----------------------------------------------------------------------------------

def _year_text(ctx: Ctx, year, end: int, handed_over: bool = False) -> str:
    if handed_over:
        return ctx.tr("funding.handed_over")
    return str(int(year)) if not fmt.is_missing(year) else ctx.tr("funding.tl_after", end=end).lower()


def _change_text(ctx: Ctx, r) -> str:
    if r.change == "same":
        return ctx.tr("funding.change_same")
    if fmt.is_missing(r.base_year):
        return ctx.tr("funding.change_now_in")
    if fmt.is_missing(r.year):
        return ctx.tr("funding.change_now_out")
    n = int(r.change_years)
    return ctx.tr("funding.change_earlier", n=-n) if n < 0 else ctx.tr("funding.change_later", n=n)


def _delay_text(ctx: Ctx, r, end: int) -> str:
    if r.handed_over:
        return ctx.tr("funding.handed_over")
    if fmt.is_missing(r.baseline_year):
        return ctx.tr("funding.no_baseline")
    if fmt.is_missing(r.year):
        return ctx.tr("funding.not_by", end=end)
    n = int(r.year) - int(r.baseline_year)
    if n > 0:
        return ctx.tr("funding.delay_late", n=n)
    return ctx.tr("funding.delay_on_time") if n == 0 else ctx.tr("funding.delay_early", n=-n)


def works_table(ctx: Ctx, m: WhatIf, rows: pd.DataFrame) -> pd.DataFrame:
    end = m.scenario.end_year
    each = fmt.each_distinct  # each text once per distinct value (a province has thousands of works)
    return pd.DataFrame({
        ctx.tr("funding.col_id"): rows["work_id"],
        ctx.tr("funding.col_name"): rows["name"],
        ctx.tr("funding.col_town"): each(lambda t: m.town_names.get(t, ctx.tr("town.unknown")) if isinstance(t, str)
                                         else ctx.tr("town.unknown"), rows["town"]),
        ctx.tr("funding.col_base"): each(lambda y, h: _year_text(ctx, y, end, h), rows["base_year"],
                                         rows["handed_over"]),
        ctx.tr("funding.col_year"): each(lambda y, h: _year_text(ctx, y, end, h), rows["year"], rows["handed_over"]),
        ctx.tr("funding.col_change"): each(lambda c, b, y, n: _change_text(ctx, SimpleNamespace(
            change=c, base_year=b, year=y, change_years=n)), rows["change"], rows["base_year"], rows["year"],
            rows["change_years"]),
        ctx.tr("funding.col_baseline_year"): each(lambda y: str(int(y)) if not fmt.is_missing(y)
                                                  else ctx.tr("common.no_data"), rows["baseline_year"]),
        ctx.tr("funding.col_delay"): each(lambda h, b, y: _delay_text(ctx, SimpleNamespace(
            handed_over=h, baseline_year=b, year=y), end), rows["handed_over"], rows["baseline_year"], rows["year"]),
    })


def works_tab(ctx: Ctx, m: WhatIf) -> None:
    moved = m.moved[m.moved["change"] != "same"]
    st.markdown(f"**{ctx.tr('funding.moved_title', n=len(moved))}**")
    name_col = {ctx.tr("funding.col_id"): st.column_config.TextColumn(width="small"),
                ctx.tr("funding.col_name"): st.column_config.TextColumn(width="medium")}
    if len(moved):
        st.dataframe(_view(ctx, "moved_table", lambda: works_table(ctx, m, moved)), hide_index=True,
                     width="stretch", column_config=name_col)
    elif m.scenario == m.base:
        st.info(ctx.tr("funding.moved_none_base"))
    else:
        st.info(ctx.tr("funding.moved_none"))
    widgets.note(ctx.tr("funding.base_note", state=_ty(ctx, m.base.state_budget_vnd),
                      start=m.base.start_year, end=m.base.end_year))
    _timeline(ctx, m)
    with st.expander(ctx.tr("funding.all_works", n=len(m.moved))):
        st.dataframe(_view(ctx, "all_table", lambda: works_table(ctx, m, m.moved)), hide_index=True,
                     width="stretch", column_config=name_col)
    _not_simulated(ctx, m)


def _timeline(ctx: Ctx, m: WhatIf) -> None:
    spec = _view(ctx, "timeline", lambda: _timeline_spec(ctx, m))
    if spec is not None:
        widgets.draw(spec)


def _timeline_spec(ctx: Ctx, m: WhatIf) -> dict | None:
    rows = m.moved[~m.moved["handed_over"]]
    if rows.empty:
        return None
    end = m.scenario.end_year
    data = pd.DataFrame({
        "label": [f"{i} · {n[:44]}{'…' if len(n) > 44 else ''}"
                  for i, n in zip(rows["work_id"].tolist(), rows["name"].tolist())],
        "base_year": rows["base_year"].to_numpy(), "year": rows["year"].to_numpy(), "change": rows["change"].to_numpy(),
        "base_text": fmt.each_distinct(lambda y: _year_text(ctx, y, end), rows["base_year"]),
        "year_text": fmt.each_distinct(lambda y: _year_text(ctx, y, end), rows["year"])})
    n_earlier, n_later = int((rows["change"] == "earlier").sum()), int((rows["change"] == "later").sum())
    if n_earlier or n_later:
        title = ctx.tr("funding.tl_title_moved", earlier=n_earlier, later=n_later)
    else:
        title = ctx.tr("funding.tl_title_same", n=int(rows["year"].notna().sum()), total=len(rows), end=end)
    labels = {"year": ctx.tr("funding.tl_year"), "after": ctx.tr("funding.tl_after", end=end),
              "baseline": ctx.tr("funding.tl_baseline"), "earlier": ctx.tr("funding.tl_earlier"),
              "later": ctx.tr("funding.tl_later"), "same": ctx.tr("funding.tl_same"),
              "base_col": ctx.tr("funding.col_base"), "year_col": ctx.tr("funding.col_year")}
    return widgets.spec(charts_funding.timeline, data, title, labels, m.scenario.start_year, end)


def _not_simulated(ctx: Ctx, m: WhatIf) -> None:
    ns = m.result.not_simulated
    if ns.empty:
        return
    names = dict(zip(m.works["id"].tolist(), m.works["name"].tolist()))
    widgets.note(ctx.tr("funding.not_simulated", n=len(ns),
                      works="; ".join(f"{w} ({names.get(w, w)})" for w in ns["work_id"])))


# -- money per year -------------------------------------------------------------------------

MONEY_TABLE = Table("funding_money", (
    Col("year", "funding.tl_year", "year", width=8, wrap=False),
    Col("available_vnd", "funding.need_envelope", "money", width=14),
    Col("need_vnd", "funding.col_need", "money", width=14),
    Col("spent_vnd", "funding.need_funded", "money", width=14),
    Col("unfunded_need_vnd", "funding.need_unfunded", "money", width=18),
    Col("unspent_vnd", "funding.col_unspent", "money", width=14),
    Col("works_completed", "funding.col_completed", "int", width=12),
), money_decimals=MONEY_DECIMALS)


def money_tab(ctx: Ctx, m: WhatIf) -> None:
    widgets.draw(_view(ctx, "money_chart", lambda: _money_spec(ctx, m)))
    widgets.note(ctx.tr("funding.need_note"))
    table_ui.show(ctx, MONEY_TABLE, m.result.per_year, caption=ctx.tr("funding.money_table_caption"))


def _money_spec(ctx: Ctx, m: WhatIf) -> dict:
    py = m.result.per_year
    end = m.scenario.end_year
    rows = pd.DataFrame({"year": py["year"], "funded_ty": py["spent_vnd"] / TY,
                         "unfunded_ty": py["unfunded_need_vnd"] / TY, "envelope_ty": py["available_vnd"] / TY})
    short = py["unfunded_need_vnd"] > 0.5
    gap = funding.funding_gap(m.result)
    if gap.known_vnd > 0:
        title = ctx.tr("funding.need_title_short", amount=_ty(ctx, gap.known_vnd), end=end)
    elif not short.any():
        title = ctx.tr("funding.need_title_enough")
    else:
        title = ctx.tr("funding.need_title_from", year=int(py.loc[short, "year"].max()) + 1)
    subtitle = ctx.tr("funding.gap_excludes_long", n=gap.n_unknown) if gap.n_unknown else None
    labels = {"year": ctx.tr("funding.tl_year"), "amount": ctx.tr("funding.need_axis"),
              "funded": ctx.tr("funding.need_funded"), "unfunded": ctx.tr("funding.need_unfunded"),
              "envelope": ctx.tr("funding.need_envelope")}
    return widgets.spec(charts_funding.need_by_year, rows, title, labels, ctx.lang, subtitle=subtitle)


# -- towns ------------------------------------------------------------------------------------

def _score_part(ctx: Ctx, m: WhatIf, p: TownProjection, end: int) -> str:
    """One town's takeaway for the chart title; with its last score when it falls short."""
    town = m.town_names.get(p.town, p.town)
    last = p.rows.iloc[-1] if len(p.rows) else None
    if p.status == "khong_dat" and last is not None and not fmt.is_missing(last["total"]) and p.pass_mark:
        return ctx.tr("funding.sc_part_short", town=town, c=p.class_code, total=fmt.number(last["total"], 1, ctx.lang),
                      mark=fmt.number(p.pass_mark, 0, ctx.lang), end=end)
    return ctx.tr("funding.sc_part", town=town, c=p.class_code, result=scenario_report.town_result_text(p, end, ctx.lang))


def _towns_spec(ctx: Ctx, m: WhatIf) -> dict | None:
    """Each town's projected points by year (None: no town has a year scored)."""
    end = m.scenario.end_year
    rows = []
    for p in m.projections:
        scored = p.rows[p.rows["verdict"] != "chua_du_so_lieu"]
        rows.append(pd.DataFrame({"year": scored["year"], "town_label": m.town_names.get(p.town, p.town),
                                  "total": scored["total"]}))
    data = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    if not len(data):
        return None
    parts = [_score_part(ctx, m, p, end) for p in m.projections]
    labels = {"year": ctx.tr("funding.tl_year"), "points": ctx.tr("funding.sc_points"),
              "pass": ctx.tr("funding.sc_pass", mark=fmt.number(m.projections[0].pass_mark, 0, ctx.lang))}
    return widgets.spec(charts_funding.town_scores, data, m.projections[0].pass_mark, "; ".join(parts), labels,
                        ctx.lang)


def towns_tab(ctx: Ctx, m: WhatIf) -> None:
    if not m.projections:
        st.info(ctx.tr("funding.no_town"))
        return
    end = m.scenario.end_year
    spec = _view(ctx, "towns_chart", lambda: _towns_spec(ctx, m))
    if spec is not None:
        widgets.draw(spec)
    else:
        st.info(ctx.tr("funding.sc_none"))
    for p in m.projections:
        name = m.town_names.get(p.town, p.town)
        st.markdown(f"- **{ctx.tr('funding.kpi_town', town=name, c=p.class_code)}**: "
                    f"{scenario_report.town_result_text(p, end, ctx.lang)}. "
                    + ctx.tr("funding.sc_links", n=p.n_effect_links, total=p.n_links))
    loose = frame.read(scenario_towns.unattributed_links)
    if len(loose):
        widgets.note(ctx.tr("funding.sc_unattributed", works=", ".join(
            f"{r.work_id} ({r.work_name})" for r in loose.drop_duplicates("work_id").itertuples())))
    widgets.note(ctx.tr("funding.sc_note"))


# -- goal seeking -------------------------------------------------------------------------------

def _apply_envelope(total_vnd: float) -> None:
    nonstate = float(st.session_state.get("fund_nonstate", 0.0)) * TY
    value = scenario.envelope_to_state(total_vnd, nonstate, MONEY_STEP_VND) / TY
    st.session_state["fund_state"] = min(STATE_OPTIONS, key=lambda o: abs(o - value))


def _year_select(ctx: Ctx, label: str, key: str, years: list[int]) -> int:
    if st.session_state.get(key) not in years:
        st.session_state[key] = years[-1]
    return st.selectbox(label, years, key=key, placeholder=ctx.tr("funding.ph_year"))


def goal_tab(ctx: Ctx, m: WhatIf) -> None:
    s = m.scenario
    # the envelope amounts play no part in goal seeking: leave them out of the cache key
    probe = _probe(s)
    years = s.years
    widgets.note(ctx.tr("funding.goal_intro", rule=ctx.tr(f"funding.rule.{s.rule}"), start=s.start_year))
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown(f"**{ctx.tr('funding.goal_all_title')}**")
        year = _year_select(ctx, ctx.tr("funding.goal_year"), "fund_goal_year", years)
        g = frame.read(whatif.goal_all, probe, ctx.period_id, year)
        if g.envelope_vnd is None:
            st.warning(ctx.tr("funding.goal_unreachable"))
            if g.too_late:
                widgets.note(ctx.tr("funding.goal_too_late", works=", ".join(g.too_late), year=year))
        else:
            _goal_result(ctx, s, g.envelope_vnd, ctx.tr("funding.goal_all_result", amount=_ty(ctx, g.envelope_vnd),
                                                        start=s.start_year, year=year, n=g.n_works), "fund_goal_apply_all")
    with right:
        st.markdown(f"**{ctx.tr('funding.goal_town_title')}**")
        towns = [p.town for p in m.projections]
        if not towns:
            st.info(ctx.tr("funding.no_town"))
            return
        c1, c2 = st.columns([3, 2])
        with c1:
            if st.session_state.get("fund_goal_town") not in towns:
                st.session_state["fund_goal_town"] = towns[0]
            town = st.selectbox(ctx.tr("funding.goal_town"), towns, key="fund_goal_town",
                                placeholder=ctx.tr("funding.ph_town"),
                                format_func=lambda x: m.town_names.get(x, x))
        with c2:
            tyear = _year_select(ctx, ctx.tr("funding.goal_year_short"), "fund_goal_town_year", years)
        g = frame.read(whatif.goal_town, probe, ctx.period_id, town, m.ruleset_id, m.demo, tyear)
        name = m.town_names.get(town, town)
        if g.status == "no_data":
            st.warning(ctx.tr("funding.goal_town_no_data", town=name, n=g.n_scored, total=g.n_total,
                              ruleset=m.ruleset_name))
        elif g.status == "unreachable":
            st.warning(ctx.tr("funding.goal_town_unreachable"))
            short = g.best_total is not None and g.pass_mark is not None and g.best_total < g.pass_mark
            widgets.note(ctx.tr("funding.goal_town_best" if short else "funding.goal_town_groups", town=name,
                              c=g.class_code, year=tyear, total=fmt.number(g.best_total, 2, ctx.lang),
                              mark=fmt.number(g.pass_mark, 0, ctx.lang)))
        elif g.envelope_vnd == 0:
            st.success(ctx.tr("funding.goal_town_free", town=name, c=g.class_code, year=tyear))
        else:
            _goal_result(ctx, s, g.envelope_vnd, ctx.tr("funding.goal_town_result", amount=_ty(ctx, g.envelope_vnd),
                                                        town=name, c=g.class_code, year=tyear, start=s.start_year),
                         "fund_goal_apply_town")


def _goal_result(ctx: Ctx, s: Scenario, needed: float, text: str, key: str) -> None:
    st.success(text)
    widgets.note(ctx.tr("funding.goal_now", amount=_ty(ctx, s.total_vnd)))
    _apply_button(ctx, s, needed, key)


def _apply_button(ctx: Ctx, s: Scenario, needed: float, key: str, short: bool = False) -> None:
    """A button that sets the state-budget slider so that the yearly money reaches ``needed``."""
    state = scenario.envelope_to_state(needed, s.non_state_vnd, MONEY_STEP_VND) / TY
    if state <= STATE_OPTIONS[-1]:
        st.button(ctx.tr("funding.goal_apply_short" if short else "funding.goal_apply", amount=_money(ctx, state)),
                  key=key, on_click=_apply_envelope, args=(needed,), icon=":material/input:", wrap=True,
                  help=ctx.tr("funding.goal_apply_help", amount=_money(ctx, state)))
    else:
        widgets.note(ctx.tr("funding.goal_too_big", max=_money(ctx, STATE_OPTIONS[-1])))


# -- saved scenarios ----------------------------------------------------------------------------

def _saved(ctx: Ctx) -> tuple[pd.DataFrame, dict[str, Scenario], list[str]]:
    rows = frame.read(scenario_store.list_scenarios, ctx.programme)
    parsed, problems, model = {}, [], stage_model()
    for r in rows.itertuples():
        try:
            parsed[r.name] = scenario_store.read_saved(r.params, model, ctx.programme)  # keyed by the database's stages
        except ValidationError as e:
            problems += [f"«{r.name}»: {text_of(p, ctx.lang)}" for p in e.problems]
    return rows, parsed, problems


def _apply_saved(sc: Scenario, valid_towns: list[str]) -> None:
    s = st.session_state
    s["fund_state"] = min(STATE_OPTIONS, key=lambda o: abs(o - sc.state_budget_vnd / TY))
    s["fund_nonstate"] = min(NONSTATE_OPTIONS, key=lambda o: abs(o - sc.non_state_vnd / TY))
    s["fund_horizon"] = (sc.start_year, sc.end_year)
    s["fund_rule"] = sc.rule
    s["fund_overrun"] = int(min(round(sc.cost_overrun_pct), 50))
    s["fund_clearance"] = int(min(round(sc.clearance_extra_months), 24))
    s["fund_build"] = int(min(sc.min_build_years, 5))
    s["fund_carry"] = sc.carry_unspent
    for stage in editable_stages(sc.stages):
        s[f"fund_share_{stage}"] = int(round(sc.shares[stage] * 100))
        s[f"fund_months_{stage}"] = int(min(round(sc.months[stage]), 60))
    s[frame.TOWN_KEY] = [t for t in (sc.towns if sc.towns is not None else valid_towns) if t in valid_towns]


def saved_tab(ctx: Ctx, m: WhatIf) -> None:
    readonly = not auth_view.may("save_scenario")  # the forms for the secretary; the write path checks again
    rows, parsed, problems = _saved(ctx)
    if st.session_state.get(FLASH):
        st.success(st.session_state.pop(FLASH))
    for p in problems:
        st.error(p)
    # a stage added to the table after a scenario was saved: its default is used, and said
    notes = [text_of(n, ctx.lang) for n in m.notes] + \
        [f"«{name}»: {text_of(n, ctx.lang)}" for name, sc in parsed.items() for n in sc.notes]
    for n in notes:
        widgets.note(n)
    left, right = st.columns([2, 3], gap="large")
    with left:
        if readonly:
            widgets.note(ctx.tr("funding.readonly"))
        else:
            _save_form(ctx, m)
    with right:
        table = _compare(ctx, m, rows, parsed)
        if parsed:
            _manage(ctx, parsed, readonly)
    if table is not None:
        st.dataframe(table, hide_index=True, width="stretch", height=36 * (len(table) + 1) + 4,
                     column_config={table.columns[0]: st.column_config.TextColumn(width="medium")})


def _save_form(ctx: Ctx, m: WhatIf) -> None:
    with st.form("fund_save_form", clear_on_submit=False):
        st.markdown(f"**{ctx.tr('funding.save_title')}**")
        name = st.text_input(ctx.tr("funding.save_name"), key="fund_save_name", max_chars=scenario.MAX_NAME,
                             placeholder=ctx.tr("funding.save_name_ph"))
        note = st.text_input(ctx.tr("funding.save_note"), key="fund_save_note")
        if st.form_submit_button(ctx.tr("funding.save"), type="primary", icon=":material/save:"):
            try:
                saved = scenario_store.save_scenario(frame.get_db(), auth_view.who(), name, m.scenario, note or None)
                st.session_state[FLASH] = ctx.tr("funding.saved", name=saved)
                st.rerun()  # so that the new scenario is offered for comparison at once
            except ValidationError as e:
                st.error("\n".join(f"- {text_of(p, ctx.lang)}" for p in e.problems))
            except DatabaseError as e:  # refused by the write path
                st.error(fmt.md_escape(text_of(e, ctx.lang), 400))


def _compare(ctx: Ctx, m: WhatIf, rows: pd.DataFrame, parsed: dict[str, Scenario]) -> pd.DataFrame | None:
    """The choice of saved scenarios and the downloads; returns the table to show side by side."""
    st.markdown(f"**{ctx.tr('funding.cmp_title')}**")
    names = [n for n in rows["name"] if n in parsed]
    if not names:
        st.info(ctx.tr("funding.cmp_none"))
        return None
    if any(n not in names for n in st.session_state.get("fund_compare") or []):
        st.session_state["fund_compare"] = [n for n in st.session_state["fund_compare"] if n in names]
    chosen = st.multiselect(ctx.tr("funding.cmp_pick"), names, key="fund_compare", select_all=False,
                            max_selections=scenario.MAX_COMPARE, placeholder=ctx.tr("funding.cmp_ph"))
    current = ctx.tr("funding.cmp_current")
    items = [(current, m.scenario, m.outcomes)]
    meta_rows = {r.name: r for r in rows.itertuples()}
    json_items = [{"name": current, "scenario": m.scenario, "outcomes": m.outcomes}]
    for name in chosen:
        o = frame.read(whatif.outcomes, parsed[name], ctx.period_id, m.ruleset_id, m.demo)
        items.append((name, parsed[name], o))
        r = meta_rows[name]
        json_items.append({"name": name, "created_by": r.created_by, "created_at": r.created_at,
                           "note": r.note if isinstance(r.note, str) else None, "scenario": parsed[name], "outcomes": o})
    table = scenario_report.comparison_frame(items, m.town_names, m.stage_labels, ctx.lang)
    for name in chosen:
        r = meta_rows[name]
        widgets.note(ctx.tr("funding.cmp_saved_by", name=name, by=r.created_by,
                          at=r.created_at.strftime("%d/%m/%Y %H:%M")) + (f" · {r.note}" if isinstance(r.note, str) else ""))
    meta = [ctx.tr("funding.export_meta", today=fmt.day(date.today(), ctx.lang),
                   as_of=fmt.as_of(ctx.as_of, ctx.as_of_precision, ctx.lang), ruleset=m.ruleset_name)]
    if m.uses_demo:
        meta.append(ctx.tr("funding.demo_banner"))
    detail = scenario_report.comparison_frame(items, m.town_names, m.stage_labels, ctx.lang, detail=True)
    c1, c2 = st.columns(2)
    c1.download_button(ctx.tr("funding.dl_xlsx"), scenario_report.comparison_xlsx(detail, meta, ctx.lang),
                       file_name="so-sanh-kich-ban-von.xlsx", key="fund_dl_xlsx", icon=":material/download:",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    json_meta = {"exported_at": datetime.now().isoformat(timespec="seconds"),
                 "data_as_of": ctx.as_of.isoformat() if ctx.as_of else None, "period": ctx.period_id,
                 "ruleset": m.ruleset_id, "illustrative_data": m.uses_demo}
    c2.download_button(ctx.tr("funding.dl_json"), scenario_report.comparison_json(json_items, json_meta),
                       file_name="so-sanh-kich-ban-von.json", key="fund_dl_json", icon=":material/download:",
                       mime="application/json")
    return table


def _manage(ctx: Ctx, parsed: dict[str, Scenario], readonly: bool) -> None:
    with st.expander(ctx.tr("funding.manage")):
        if st.session_state.get("fund_manage_pick") not in parsed:
            st.session_state.pop("fund_manage_pick", None)
        name = st.selectbox(ctx.tr("funding.manage_pick"), list(parsed), key="fund_manage_pick",
                            placeholder=ctx.tr("funding.ph_scenario"))
        valid = list(ctx.town_options["id"])
        st.button(ctx.tr("funding.apply_saved"), key="fund_apply_saved", on_click=_apply_saved,
                  args=(parsed[name], valid), icon=":material/tune:", help=ctx.tr("funding.apply_saved_help"))
        if readonly:
            return
        if st.button(ctx.tr("funding.delete_button"), key="fund_delete", icon=":material/delete:",
                     help=ctx.tr("funding.delete", name=fmt.md_escape(name))):
            try:
                scenario_store.delete_scenario(frame.get_db(), auth_view.who(), name)
                st.session_state[FLASH] = ctx.tr("funding.deleted", name=fmt.md_escape(name))
                st.rerun()
            except ValidationError as e:
                st.error("\n".join(f"- {fmt.md_escape(text_of(p, ctx.lang), 400)}" for p in e.problems))
            except DatabaseError as e:
                st.error(fmt.md_escape(text_of(e, ctx.lang), 400))


# -- the minutes --------------------------------------------------------------------------------

def minutes_tab(ctx: Ctx, m: WhatIf) -> None:
    names = dict(zip(m.works["id"].tolist(), m.works["name"].tolist()))
    name = ctx.tr("funding.cmp_current")
    args = dict(as_of_text=fmt.as_of(ctx.as_of, ctx.as_of_precision, ctx.lang), period_label=ctx.period_label,
                town_names=m.town_names, stage_labels=m.stage_labels, not_simulated_names=names,
                ruleset_name=m.ruleset_name, uses_demo=m.uses_demo, lang=ctx.lang)
    text = scenario_report.minutes_markdown(name, m.scenario, m.outcomes, **args)
    c1, c2, _ = st.columns([1.3, 1.3, 2.4])
    c1.download_button(ctx.tr("funding.dl_minutes"), text.encode("utf-8"), file_name="gia-dinh-kich-ban-von.md",
                       mime="text/markdown", key="fund_dl_minutes", icon=":material/download:")
    c2.download_button(ctx.tr("funding.dl_minutes_docx"), _minutes_docx(frame.get_db(), name, m.scenario, m.outcomes, args),
                       file_name="gia-dinh-kich-ban-von.docx", key="fund_dl_minutes_docx", icon=":material/download:",
                       mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    st.markdown(text)


def _minutes_docx(db, name: str, scenario: Scenario, outcomes: Outcomes, args: dict):
    """The Word minutes, written when the button is clicked (a deferred download: building the
    document and importing its library stay out of every run of the page)."""
    def build() -> bytes:
        from lib import meeting_pack
        return meeting_pack.scenario_minutes_docx(name, scenario, outcomes,
                                                  head=meeting_pack.letterhead(db, programme=scenario.programme), **args)
    return build
