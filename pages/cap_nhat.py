"""Cập nhật kỳ báo cáo: the secretary records each work's status for a reporting period."""
from datetime import date

import pandas as pd
import streamlit as st

from lib import fmt, queries, updates
from lib.db import DatabaseError
from ui import auth_view, frame

ctx = frame.page_header()
who = auth_view.who()  # the signed-in identity: the write path checks its role again
if not auth_view.may("status_update"):
    st.info(ctx.tr("auth.need_sign_in") if who is None else
            ctx.tr("auth.need_role", role=auth_view.role_label("editor", ctx.lang)))
    if who is None:
        with st.container(width=420):
            auth_view.sign_in_form(ctx.lang, "upd_auth")
    st.stop()

db = frame.get_db()
stages = frame.read(queries.stages)
causes = frame.read(queries.delay_causes)
periods = frame.read(queries.periods)
label_col = "label_vi" if ctx.lang == "vi" else "label_en"
stage_label = dict(zip(stages["code"], stages[label_col]))
cause_label = dict(zip(causes["code"], causes[label_col]))
blank = ctx.tr("update.none")

pending = st.session_state.pop("upd_goto", None)  # a period just created: keep recording into it
if pending in set(periods["id"]):
    st.session_state["upd_mode"], st.session_state["upd_period"] = "existing", pending

st.caption(ctx.tr("auth.acting_as", name=who.display_name, username=who.username))
h2, h3 = st.columns([1.2, 1.6], vertical_alignment="bottom")
mode = h2.radio(ctx.tr("update.period_mode"), ["existing", "new"], horizontal=True, key="upd_mode",
                format_func=lambda m: ctx.tr(f"update.period_{m}"))
if mode == "existing":
    pid = h3.selectbox(ctx.tr("update.period_existing"), list(periods["id"]), key="upd_period",
                       placeholder=ctx.tr("common.choose"), filter_mode=None,
                       format_func=lambda p: periods.set_index("id").loc[p, "label_vi"])
    prow = periods.set_index("id").loc[pid]
    period = updates.Period(pid, prow["label_vi"], prow["as_of"].date(), prow["source_ref"])
else:
    c1, c2, c3 = st.columns([1, 2, 1])
    today = date.today()
    pid = c1.text_input(ctx.tr("update.period_id"), value=f"{today:%Y-%m}", key="upd_new_id")
    label = c2.text_input(ctx.tr("update.period_label"), key="upd_new_label",
                          placeholder=ctx.tr("update.period_label_ph"))
    as_of_text = c3.text_input(ctx.tr("update.period_as_of"), value=fmt.day(today, "vi"), key="upd_new_as_of",
                               placeholder=ctx.tr("common.placeholder_day"), max_chars=10)
    source = st.text_input(ctx.tr("update.period_source"), key="upd_new_source")
    try:
        as_of = fmt.parse_day(as_of_text, ctx.lang)
    except ValueError as e:
        st.error(fmt.md_escape(str(e)))
        st.stop()
    period = updates.Period(pid.strip(), label.strip() or updates.default_period_label(pid.strip()),
                            as_of, source or None)


def save(rows: list[updates.Update], labels: list[str] | None = None) -> None:
    try:
        n = updates.record(db, who, period, rows, new_period=(mode == "new")) if labels is None else \
            _record_with_labels(rows, labels)
    except updates.ValidationError as e:
        st.error(ctx.tr("update.errors", n=len(e.problems)) + "\n\n" + "\n".join(f"- {p}" for p in e.problems))
        return
    except DatabaseError as e:  # refused by the write path (role, disabled account)
        st.error(str(e))
        return
    st.session_state[frame.GOTO_PERIOD] = period.id
    st.session_state["upd_goto"] = period.id
    st.session_state["upd_flash"] = ctx.tr("update.saved", n=n, period=period.id)
    st.rerun()


def _record_with_labels(rows, labels):
    # validate with the table's own row names, then write
    updates.validate_updates(rows, db, period.as_of, labels)
    return updates.record(db, who, period, rows, new_period=(mode == "new"))


if "upd_flash" in st.session_state:
    st.success(st.session_state.pop("upd_flash"))

works = frame.read(queries.works, None, None)
tab_one, tab_all, tab_settings = st.tabs([ctx.tr("update.tab_one"), ctx.tr("update.tab_period"),
                                          ctx.tr("update.tab_settings")])
with tab_one:
    names = dict(zip(works["id"], works["name"]))
    wid = st.selectbox(ctx.tr("update.work"), list(works["id"]), key="upd_work", placeholder=ctx.tr("common.choose"),
                       format_func=lambda i: f"{i} · {names[i]}")
    w = works.set_index("id").loc[wid]
    st.caption(ctx.tr("update.current", stage=w["stage_vi"] if not fmt.is_missing(w["stage_vi"]) else ctx.tr("common.no_data"),
                      year=w["expected_year"] if not fmt.is_missing(w["expected_year"]) else ctx.tr("common.no_data"),
                      baseline=w["baseline_year"] if not fmt.is_missing(w["baseline_year"]) else ctx.tr("common.no_data"),
                      date=fmt.as_of(w["status_as_of"].date(), w["status_precision"], ctx.lang) if not fmt.is_missing(w["status_as_of"]) else ctx.tr("common.no_data")))
    with st.form("upd_one_form"):
        c1, c2, c3, c4 = st.columns(4)
        stage_opts = [None] + list(stages["code"])
        current_stage = w["stage"] if not fmt.is_missing(w["stage"]) else None
        stage = c1.selectbox(ctx.tr("update.stage"), stage_opts, index=stage_opts.index(current_stage),
                             placeholder=ctx.tr("common.choose"), filter_mode=None,
                             format_func=lambda c: stage_label.get(c, blank) if c else blank)
        known = lambda v: None if fmt.is_missing(v) else v  # noqa: E731
        pct = c2.number_input(ctx.tr("update.physical"), value=known(w["physical_pct"]),
                              placeholder=ctx.tr("common.no_data"), step=1.0, help=ctx.tr("update.blank_help"))
        disbursed = c3.text_input(ctx.tr("update.disbursed"), placeholder="1.200.000.000",
                                  value=fmt.number(w["disbursed_vnd"]) if known(w["disbursed_vnd"]) is not None else "",
                                  help=ctx.tr("update.blank_help"))
        year = c4.number_input(ctx.tr("update.expected"), step=1, placeholder=ctx.tr("common.no_data"),
                               value=int(w["expected_year"]) if known(w["expected_year"]) is not None else None,
                               help=ctx.tr("update.blank_help"))
        note = st.text_area(ctx.tr("update.note"), height=80)
        cause = st.selectbox(ctx.tr("update.cause"), [None] + list(causes["code"]),
                             placeholder=ctx.tr("common.choose"), filter_mode=None,
                             format_func=lambda c: cause_label.get(c, blank) if c else blank)
        if st.form_submit_button(ctx.tr("update.save"), type="primary"):
            save([updates.Update(wid, stage, pct, disbursed or None, year, note or None, cause)])

with tab_all:
    st.caption(ctx.tr("update.editor_help"))
    prefill = pd.DataFrame({
        "work_id": works["id"], "name": works["name"],
        "stage": [stage_label.get(s) if not fmt.is_missing(s) else None for s in works["stage"]],
        "physical_pct": works["physical_pct"].astype("float"),
        "disbursed_vnd": [fmt.number(v, 0, ctx.lang) if not fmt.is_missing(v) else "" for v in works["disbursed_vnd"]],
        "expected_year": works["expected_year"].astype("Float64").astype("float"),
        "note": [""] * len(works),
        "cause": [""] * len(works)})
    edited = st.data_editor(prefill, key="upd_table", hide_index=True, width="stretch", num_rows="fixed",
                            disabled=["work_id", "name"], column_config={
        "work_id": st.column_config.TextColumn(ctx.tr("register.col_id"), width="small"),
        "name": st.column_config.TextColumn(ctx.tr("register.col_name"), width="large"),
        "stage": st.column_config.SelectboxColumn(ctx.tr("update.stage"), options=list(stage_label.values())),
        "physical_pct": st.column_config.NumberColumn(ctx.tr("update.physical"), min_value=0, max_value=100),
        "disbursed_vnd": st.column_config.TextColumn(ctx.tr("update.disbursed"), help=ctx.tr("update.blank_help")),
        "expected_year": st.column_config.NumberColumn(ctx.tr("update.expected"), min_value=2000, max_value=2100, format="%d"),
        "note": st.column_config.TextColumn(ctx.tr("update.note")),
        "cause": st.column_config.SelectboxColumn(ctx.tr("update.cause"), options=[""] + list(cause_label.values())),
    })
    if st.button(ctx.tr("update.save"), key="upd_all_save", type="primary"):
        rows, labels = updates.rows_from_table(prefill, edited, {v: k for k, v in stage_label.items()},
                                               {v: k for k, v in cause_label.items()})
        if rows:
            save(rows, labels)
        else:
            st.info(ctx.tr("update.nothing_changed"))


def settings_form() -> None:
    current = frame.read(queries.settings)
    rows = frame.read(queries.setting_rows)
    with st.form("upd_settings"):
        values = {}
        for r in rows.itertuples():
            values[r.key] = st.number_input(ctx.tr(f"setting.{r.key}"), value=int(r.value), step=1,
                                            help=f"{r.description} ({r.key})")
        if st.form_submit_button(ctx.tr("update.settings_save")):
            changed = {k: v for k, v in values.items() if str(v) != str(current.get(k))}
            try:
                if changed:
                    updates.save_settings(db, who, changed)
                st.session_state["upd_flash"] = ctx.tr("update.settings_saved")
                st.rerun()
            except updates.ValidationError as e:
                st.error(ctx.tr("update.errors", n=len(e.problems)) + "\n\n" + "\n".join(f"- {p}" for p in e.problems))
            except DatabaseError as e:  # e.g. the account was disabled meanwhile: refused by the write path
                st.error(str(e))


with tab_settings:
    st.caption(ctx.tr("update.settings_help"))
    if auth_view.may("settings"):  # thresholds: admins only (the write path checks again)
        settings_form()
    else:
        st.info(ctx.tr("auth.need_role", role=auth_view.role_label("admin", ctx.lang)))
