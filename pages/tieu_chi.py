"""Tiêu chí đô thị: each programme town against its target first, then one town's points under
a chosen rule-set, what fails, what helps."""
import streamlit as st

from lib import criteria
from ui import criteria_view as cv
from ui import frame

ctx = frame.page_header()
catalog = frame.read(criteria.catalog)
towns = cv.programme_towns(ctx)
if not towns:
    st.info(ctx.tr("crit.no_town"))
    st.stop()

# 1. each programme town against its target, under the rule-set chosen here
ids = catalog.ids
c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
ruleset_id = c1.selectbox(ctx.tr("crit.ruleset"), ids, index=ids.index(criteria.DEFAULT_RULESET),
                          key="crit_ruleset", format_func=lambda i: catalog[i].info.name,
                          placeholder=ctx.tr("crit.ruleset_ph"))
with c2:
    demo = cv.demo_toggle(ctx)
ruleset = catalog[ruleset_id]
if demo:
    cv.demo_banner(ctx)
if "crit_flash" in st.session_state:
    st.success(st.session_state.pop("crit_flash"))
cv.targets_strip(ctx, catalog, ruleset_id, towns, demo)

# 2. one town in detail; the class follows the town (its programme target)
st.subheader(ctx.tr("crit.detail"))
names = {r["id"]: frame.town_display(r, ctx.lang) for _, r in ctx.town_options.iterrows()}
d1, d2, _ = st.columns([2, 1.3, 2.7], vertical_alignment="bottom")
town = d1.selectbox(ctx.tr("crit.town"), towns, key="crit_town", format_func=lambda t: names.get(t, t),
                    placeholder=ctx.tr("crit.town_ph"))
target = frame.read(criteria.target_class, town)
cv.class_follows_town(town, ruleset, target)
class_code = d2.selectbox(ctx.tr("crit.class"), list(ruleset.classes), key="crit_class",
                          format_func=lambda c: ctx.tr("crit.class_label", c=c), placeholder=ctx.tr("crit.class_ph"))

card = frame.read(criteria.scorecard, town, ruleset_id, class_code, None, demo)
res = card.result
cv.kpis(ctx, res)
if target:
    st.caption(ctx.tr("crit.target", c=target))
cv.unit_note(ctx, town)

links = frame.read(criteria.work_links)
st.altair_chart(cv.groups_chart(ctx, res), width="stretch")
cv.failing_list(ctx, res, links, card.values)
st.subheader(ctx.tr("crit.table"))
st.dataframe(cv.standards_table(ctx, res, card.values, links), hide_index=True, width="stretch",
             column_config={ctx.tr("crit.col_name"): st.column_config.TextColumn(width="large")})
if res.notes:
    with st.expander(ctx.tr("crit.notes")):
        for n in res.notes:
            st.markdown(f"- {n}")
st.caption(ctx.tr("crit.source", legal=ruleset.info.legal_source or "", note=ruleset.info.note or ""))
cv.entry_form(ctx, town, ruleset.standards_for(class_code))
cv.import_box(ctx)
