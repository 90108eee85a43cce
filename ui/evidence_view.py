"""Evidence on the criteria page (the checklist of missing values, its export and import, the
works that move a standard) and the committee's form on the register's detail tab."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.i18n import text_of
from lib import evidence, fmt
from lib.tables import Col, Table
from lib.db import DatabaseError
from lib.db import ValidationError
from ui import auth_view, criteria_view, frame, table
from ui.frame import Ctx

FLASH_KEY = "ev_flash"
PREVIEW = Table("evidence_preview", (
    Col("line", "ev.col_line", "int", width=6),
    Col("code", "ev.col_code", width=12),
    Col("value", "ev.col_value", width=12),
    Col("as_of", "ev.col_as_of", "date", width=12),
    Col("doc_name", "ev.col_doc_name", width=28),
    Col("doc_no", "ev.col_doc_no", width=12, missing=""),
    Col("doc_date", "ev.col_doc_date", "date", width=12, missing=""),
))


def _readonly(action: str = "import_indicator_values") -> bool:
    """The forms are for the role that may use them; the write path checks again."""
    return not auth_view.may(action)


def _town_name(ctx: Ctx, town: str) -> str:
    names = {r["id"]: frame.town_display(r, ctx.lang) for _, r in ctx.town_options.iterrows()}
    return names.get(town, town)


def section(ctx: Ctx, town: str, ruleset_id: str) -> None:
    """The town's missing values as a checklist (download, import back), then the works that
    move a standard of the rule-set."""
    st.subheader(ctx.tr("ev.section"))
    if FLASH_KEY in st.session_state:
        st.success(st.session_state.pop(FLASH_KEY))
    catalog = criteria_view.catalog()
    class_code = frame.read(evidence.class_for, town, ruleset_id, ctx.programme)  # the target of the programme shown
    rows = frame.read(evidence.missing_standards, town, ruleset_id, class_code, ctx.lang)
    name = _town_name(ctx, town)
    info = catalog[ruleset_id].info
    if rows.empty:
        st.caption(ctx.tr("ev.missing_none", town=name, c=class_code, ruleset=info.name))
    else:
        table.show(ctx, evidence.CHECKLIST, rows,
                   caption=ctx.tr("ev.missing_caption", town=name, n=len(rows), c=class_code, ruleset=info.name))
    st.download_button(ctx.tr("ev.download"), key="ev_dl_checklist", icon=":material/download:",
                       data=frame.read(evidence.checklist_xlsx, town, ruleset_id, class_code, ctx.lang),
                       file_name=f"so-lieu-con-thieu-{town}-{ruleset_id}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    if not _readonly():
        import_box(ctx, town)
    work_effects(ctx, ruleset_id)


def import_box(ctx: Ctx, town: str) -> None:
    """Upload the filled checklist: every problem listed by row and column; all or nothing."""
    with st.expander(ctx.tr("ev.import")):
        st.caption(ctx.tr("ev.import_help"))
        up = st.file_uploader(ctx.tr("ev.import_file"), type=["xlsx"], key=f"ev_import_file_{town}",
                              help=ctx.tr("common.upload_help", mb=fmt.number(evidence.MAX_BYTES / 2**20, 0, ctx.lang)))
        if up is None:
            return
        data = up.getvalue()
        db = frame.get_db()
        p = evidence.preview_import(db, town, data)
        if p.problems:
            st.error(ctx.tr("ev.preview_errors", n=len(p.problems)) + "\n\n" +
                     "\n".join(f"- {fmt.md_escape(text_of(x, ctx.lang), 400)}" for x in p.problems))
            return
        if not p.rows:
            st.info(ctx.tr("ev.preview_nothing", same=len(p.unchanged), blank=p.n_blank))
            return
        st.success(ctx.tr("ev.preview_ok", n=len(p.rows), same=len(p.unchanged), blank=p.n_blank))
        table.show(ctx, PREVIEW, pd.DataFrame([{
            "line": r.line, "code": r.code,
            "value": r.value_text if r.value_text is not None else fmt.number(r.value_num, 2, ctx.lang),
            "as_of": r.as_of, "doc_name": r.doc_name, "doc_no": r.doc_no, "doc_date": r.doc_date} for r in p.rows]))
        if st.button(ctx.tr("ev.import_go", n=len(p.rows)), key="ev_import_go", type="primary"):
            try:
                result = evidence.import_checklist(db, auth_view.who(), town, data)
            except ValidationError as e:
                st.error("\n".join(f"- {fmt.md_escape(text_of(x, ctx.lang), 400)}" for x in e.problems))
                return
            except DatabaseError as e:  # refused by the write path
                st.error(fmt.md_escape(text_of(e, ctx.lang), 400))
                return
            st.session_state[FLASH_KEY] = ctx.tr("ev.import_done", n=result.written, town=_town_name(ctx, town))
            st.session_state.pop(f"ev_import_file_{town}", None)
            st.rerun()


def work_effects(ctx: Ctx, ruleset_id: str) -> None:
    st.subheader(ctx.tr("ev.links"))
    rows = frame.read(evidence.work_effect_rows, ruleset_id, ctx.lang, ctx.programme)
    table.show(ctx, evidence.WORK_EFFECTS, rows, empty=ctx.tr("ev.links_none"))
    st.caption(ctx.tr("ev.links_caption"))


def town_box(ctx: Ctx, work_id: str) -> None:
    """On a work's detail: the committee's decision on its town, or the form to record one
    when the report leaves the town open."""
    if FLASH_KEY in st.session_state:
        st.success(st.session_state.pop(FLASH_KEY))
    decided = frame.read(evidence.decisions, work_id)
    for d in decided.itertuples():
        st.caption(ctx.tr("ev.town_decided", town=fmt.md_escape(d.area_name), ref=fmt.md_escape(d.decision_ref),
                          date=fmt.day(pd.Timestamp(d.decision_date).date(), ctx.lang),
                          by=fmt.md_escape(d.recorded_by)))  # typed text: shown as text, never Markdown
    open_ids = set(frame.read(evidence.works_without_town)["id"])
    if work_id not in open_ids or _readonly("work_area_committee"):
        return
    choices = frame.read(evidence.town_choices, ctx.programme)
    names = dict(zip(choices["id"], choices["name"]))
    st.subheader(ctx.tr("ev.town_form"))
    st.caption(ctx.tr("ev.town_help"))
    with st.form(f"ev_town_{work_id}"):
        c1, c2 = st.columns([1, 1])
        area = c1.selectbox(ctx.tr("ev.f_town"), list(choices["id"]), index=None, key="ev_town_area",
                            format_func=lambda a: names.get(a, a), placeholder=ctx.tr("ev.f_town_ph"))
        ref = c2.text_input(ctx.tr("ev.f_ref"), key="ev_town_ref")
        when = c1.text_input(ctx.tr("ev.f_date"), key="ev_town_date", placeholder=ctx.tr("ev.f_date_ph"))
        if st.form_submit_button(ctx.tr("ev.town_save"), type="primary"):
            try:
                evidence.state_town(frame.get_db(), auth_view.who(), work_id, area, ref, when)
            except ValidationError as e:
                st.error("\n".join(f"- {fmt.md_escape(text_of(x, ctx.lang), 400)}" for x in e.problems))
                return
            except DatabaseError as e:
                st.error(fmt.md_escape(text_of(e, ctx.lang), 400))
                return
            st.session_state[FLASH_KEY] = ctx.tr("ev.town_saved", id=work_id, town=names.get(area, area))
            st.rerun()
