"""Tiêu chí đô thị: each programme town against its target first (legal status today, then the
assessment under a chosen rule-set), then one town's points, what fails, what helps.

The page draws for any stored set of rule-sets: none, files that no longer pass the checks, a
set without the default rule-set or with a rule-set the scorecard cannot use. It then says so
in Vietnamese, and the import box (at the end) stays reachable so an administrator can fix it."""
from datetime import date

import streamlit as st

from lib import criteria, fmt, queries
from ui import criteria_view as cv
from ui import frame, widgets

ctx = frame.page_header()
catalog = cv.load_catalog(ctx)
if catalog is None or not len(catalog):
    cv.import_box(ctx, expanded=True)
    st.stop()
towns = cv.programme_towns(ctx)
if not towns:
    st.info(ctx.tr("crit.no_town"))
    cv.import_box(ctx)
    st.stop()

# 1. each programme town against its target, under the rule-set chosen here
ids = catalog.ids
default_id = cv.default_ruleset(ctx, catalog)
if st.session_state.get("crit_ruleset") not in ids:
    st.session_state.pop("crit_ruleset", None)
c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
ruleset_id = c1.selectbox(ctx.tr("crit.ruleset"), ids, index=ids.index(default_id),
                          key="crit_ruleset", format_func=lambda i: catalog[i].info.name,
                          placeholder=ctx.tr("crit.ruleset_ph"))
with c2:
    demo = cv.demo_toggle(ctx)
ruleset = catalog[ruleset_id]
if demo:
    cv.demo_banner(ctx)
if "crit_flash" in st.session_state:
    st.success(st.session_state.pop("crit_flash"))
today = date.today()
with cv.guard(ctx, ruleset):
    cv.targets_strip(ctx, catalog, ruleset_id, towns, demo, today)
    cv.town_answers(ctx, catalog, ruleset_id, towns, demo, today)

# 2. one town in detail; the class follows the town (its programme target)
st.subheader(ctx.tr("crit.detail"))
names = {r["id"]: frame.town_display(r, ctx.lang) for _, r in ctx.town_options.iterrows()}
d1, d2, _ = st.columns([2, 1.3, 2.7], vertical_alignment="bottom")
town = d1.selectbox(ctx.tr("crit.town"), towns, key="crit_town", format_func=lambda t: names.get(t, t),
                    placeholder=ctx.tr("crit.town_ph"))
target = frame.read(criteria.target_class, town, ctx.programme)
target_year = frame.read(queries.targets, ctx.programme).set_index("area_id")["target_year"].get(town)
class_code = cv.class_selector(ctx, d2, town, ruleset, target, target_year)

with cv.guard(ctx, ruleset):
    card = frame.read(criteria.scorecard, town, ruleset_id, class_code, None, demo)
    res = card.result
    cv.kpis(ctx, res)
    cv.unit_note(ctx, town)

    links = frame.read(criteria.work_links)
    widgets.altair(cv.groups_chart, ctx, res, width="stretch")
    made_of = (town, ruleset_id, class_code, demo)  # what the scorecard was made of: its tables are kept
    cv.failing_list(ctx, res, links, card.values, key=made_of)
    st.subheader(ctx.tr("crit.table"))
    st.dataframe(cv.standards_table(ctx, res, card.values, links, key=made_of), hide_index=True, width="stretch",
                 column_config={ctx.tr("crit.col_name"): st.column_config.TextColumn(width="large")})
    cv.notes(ctx, res)
st.caption(ctx.tr("crit.source", legal=fmt.md_escape(ruleset.info.legal_source or "", 400),
                  note=fmt.md_escape(ruleset.info.note or "", 2000)))
with cv.guard(ctx, ruleset):
    cv.entry_form(ctx, town, ruleset.standards_for(class_code))
cv.import_box(ctx)

from ui import evidence_view  # noqa: E402  (issue 12: evidence, checklist, works that move a standard)

with cv.guard(ctx, ruleset):
    evidence_view.section(ctx, town, ruleset_id)
