"""Tiêu chí đô thị: each programme town's points under a chosen rule-set, what fails, what helps."""
import streamlit as st

from lib import criteria, fmt
from ui import criteria_view as cv
from ui import frame

ctx = frame.page_header()
catalog = frame.read(criteria.catalog)
towns = cv.programme_towns(ctx)
if not towns:
    st.info(ctx.tr("crit.no_town"))
    st.stop()

names = dict(zip(ctx.town_options["id"], ctx.town_options["name"]))
c1, c2, c3, c4 = st.columns([3, 2, 1, 2], vertical_alignment="bottom")
ids = catalog.ids
ruleset_id = c1.selectbox(ctx.tr("crit.ruleset"), ids, index=ids.index(criteria.DEFAULT_RULESET),
                          key="crit_ruleset", format_func=lambda i: catalog[i].info.name)
town = c2.selectbox(ctx.tr("crit.town"), towns, key="crit_town", format_func=lambda t: names[t])
ruleset = catalog[ruleset_id]
target = frame.read(criteria.target_class, town)
classes = list(ruleset.classes)
default_class = target if target in classes else ("III" if "III" in classes else classes[0])
if st.session_state.get("crit_class") not in classes:
    st.session_state["crit_class"] = default_class
class_code = c3.selectbox(ctx.tr("crit.class"), classes, key="crit_class",
                          format_func=lambda c: ctx.tr("crit.class_label", c=c))
with c4:
    demo = cv.demo_toggle(ctx)

card = frame.read(criteria.scorecard, town, ruleset_id, class_code, None, demo)
if "crit_flash" in st.session_state:
    st.success(st.session_state.pop("crit_flash"))
res = card.result
if card.uses_demo:
    cv.demo_banner(ctx)
cv.kpis(ctx, res)
if target:
    st.caption(ctx.tr("crit.target", c=target))
cv.unit_note(ctx, town)
cv.validity_note(ctx, ruleset.info)

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
