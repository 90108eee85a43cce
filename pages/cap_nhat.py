"""Cập nhật kỳ báo cáo: the secretary records each work's status for a reporting period."""
from datetime import date, datetime

import pandas as pd
import streamlit as st

from lib.i18n import text_of
from lib import fmt, queries, updates
from lib.db import AlreadySubmitted, DatabaseError, ValidationError, new_token
from ui import auth_view, frame, import_view, table

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

st.caption(ctx.tr("auth.acting_as", name=fmt.md_escape(who.display_name), username=fmt.md_escape(who.username)))
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
        st.error(fmt.md_escape(text_of(e, ctx.lang)))
        st.stop()
    period = updates.Period(pid.strip(), label.strip() or updates.default_period_label(pid.strip()),
                            as_of, source or None)


LABELS = {"stage": stage_label, "delay_cause": cause_label}


def show_errors(problems: list[str]) -> None:
    st.error(ctx.tr("update.errors", n=len(problems)) + "\n\n" + "\n".join(
        f"- {fmt.md_escape(text_of(p, ctx.lang), 400)}" for p in problems))


# Streamlit may stop a run at any use of st.session_state when a new click has arrived (and replays
# the click's trigger into the next run). So the database, not the session, says whether a form's
# submit has written: every view carries a submit token, a token that wrote has its receipt in the
# database (``updates.receipt_of``), and each run first says the receipts of its views' tokens and
# drops those views. Messages are keyed by token, so saying one twice shows it once.
VIEWS = ("upd_view_one", "upd_view_all")


def forget_views() -> None:
    """After a write (or on request): the next run reads the newest data and takes new submit tokens."""
    for key in (*VIEWS, "upd_conflict"):
        st.session_state.pop(key, None)


def view(key: str, work_ids: list[str]) -> dict:
    """The data a form is built from, read once and kept until a save: the widgets keep their
    identity across reruns (another user's save does not reset what is being typed), and the row
    versions and the submit token are those of what the user saw."""
    v = st.session_state.get(key)
    if v is None or v["works"] != work_ids:
        fresh = frame.read(queries.works, None, None).set_index("id")
        v = {"works": work_ids, "rows": fresh.loc[work_ids].reset_index(), "seen": updates.versions(db, work_ids),
             "token": new_token(), "read_at": datetime.now()}
        st.session_state[key] = v
    return v


def flash(key: str, kind: str, lines: list[str]) -> None:
    """Say it on the next run (keyed: saying it again replaces it). The rerun happens at the end of
    this run (``upd_rerun``): when two submits reach one run, each is saved and said."""
    st.session_state.setdefault("upd_flash", {})[key] = (kind, lines)
    st.session_state["upd_rerun"] = True


def said(receipt: updates.Receipt, token: str) -> None:
    """A write's receipt on screen (count and rows, as written), then its view dropped. A save of
    the one-work form leaves that work "done" (``upd_done_one``): no fresh form for it until asked."""
    one = st.session_state.get("upd_view_one")
    if one is not None and one["token"] == token and receipt.count == 1:
        st.session_state["upd_done_one"] = {"work": receipt.work_ids[0], "period": receipt.period_id,
                                            "token": token, "at": datetime.now()}
    flash(token, "success", [ctx.tr("update.saved_rows", n=receipt.count, period=receipt.period_id),
                             *updates.receipt_lines(receipt, LABELS, ctx.lang)])
    forget_views()
    st.session_state[frame.GOTO_PERIOD] = receipt.period_id
    st.session_state["upd_goto"] = receipt.period_id


def save(v: dict, rows: list[updates.Update], labels: list[str] | None = None) -> None:
    try:
        receipt = updates.record(db, who, period, rows, new_period=(mode == "new"), seen=v["seen"],
                                 token=v["token"], row_labels=labels)
    except updates.NothingChanged as e:  # it would repeat what is stored (e.g. saved twice): nothing written
        # said at the top of the page until seen, as a receipt is: a run cut short cannot lose it
        flash(f"{v['token']}:unchanged", "info", [ctx.tr("update.unchanged"),
                                                   *(text_of(p, ctx.lang) for p in e.problems)])
        return
    except ValidationError as e:
        show_errors(e.problems)
        return
    except updates.ConflictError as e:  # someone saved these works since this view was read
        st.session_state["upd_conflict"] = e  # shown at the top of the page, above the forms
        st.session_state["upd_rerun"] = True
        return
    except AlreadySubmitted as e:  # this view's submit wrote already: say what it wrote, write nothing
        earlier = updates.receipt_of(db, e.token)
        if earlier is not None:
            said(earlier, e.token)
        else:
            flash(e.token, "info", [ctx.tr("update.already", user=e.username,
                                           time=e.at.strftime("%H:%M:%S %d/%m/%Y"))])
            forget_views()
        return
    except DatabaseError as e:  # refused by the write path (role, disabled account)
        st.error(fmt.md_escape(text_of(e, ctx.lang), 400))
        return
    said(receipt, v["token"])


for _key in VIEWS:  # a view whose submit wrote in a run that was cut short: say it now
    _v = st.session_state.get(_key)
    _done = updates.receipt_of(db, _v["token"]) if _v is not None else None
    if _done is not None:
        said(_done, _v["token"])

for kind, lines in list(st.session_state.get("upd_flash", {}).values()):
    getattr(st, kind)("\n".join(f"- {fmt.md_escape(x, 600)}" if i else fmt.md_escape(x, 600)
                                for i, x in enumerate(lines)))

if "upd_conflict" in st.session_state:
    conflict = st.session_state["upd_conflict"]
    st.error(ctx.tr("update.conflict", n=len(conflict.conflicts)))
    table.show(ctx, updates.CONFLICT_TABLE, updates.conflict_rows(conflict, LABELS, ctx.lang))
    if st.button(ctx.tr("update.reload"), key="upd_reload", icon=":material/refresh:"):
        forget_views()
        st.rerun()

works = frame.read(queries.works, None, None, ctx.programme)  # the programme on screen
tab_one, tab_all, tab_import, tab_settings = st.tabs([ctx.tr("update.tab_one"), ctx.tr("update.tab_period"),
                                                      ctx.tr("update.tab_import"), ctx.tr("update.tab_settings")],
                                                     key="upd_tab")  # the open tab is kept across reruns
with tab_one:
    names = dict(zip(works["id"], works["name"]))
    wid = st.selectbox(ctx.tr("update.work"), list(works["id"]), key="upd_work", placeholder=ctx.tr("common.choose"),
                       format_func=lambda i: f"{i} · {names[i]}")
    done = st.session_state.get("upd_done_one")  # this work was just saved from this form (``said``)
    if done is not None and (done["work"], done["period"]) != (wid, period.id):
        st.session_state.pop("upd_done_one", None)  # another work (or period) picked: its form at once
        done = None
    if wid is None:  # a programme with no work yet (its works not imported)
        st.info(ctx.tr("update.no_works"))
    elif done is not None:
        # no fresh form for the work just saved until the user asks for one: the rest of a burst of
        # clicks on the save button finds no form to submit (the fresh form, prefilled with the stored
        # values and an empty note, would be a new valid submit); a repeat is refused anyway
        # (``updates.NothingChanged``)
        st.info(fmt.md_escape(ctx.tr("update.done_one", work=done["work"], period=done["period"],
                                     time=done["at"].strftime("%H:%M:%S")), 600))
        if st.button(ctx.tr("update.again"), key=f"upd_again_{done['token']}", icon=":material/edit_note:"):
            st.session_state.pop("upd_done_one", None)
            st.rerun()
    else:
        one = view("upd_view_one", [wid])
        w = one["rows"].iloc[0]
        st.caption(ctx.tr("update.current", stage=w["stage_vi"] if not fmt.is_missing(w["stage_vi"]) else ctx.tr("common.no_data"),
                          year=w["expected_year"] if not fmt.is_missing(w["expected_year"]) else ctx.tr("common.no_data"),
                          baseline=w["baseline_year"] if not fmt.is_missing(w["baseline_year"]) else ctx.tr("common.no_data"),
                          date=fmt.as_of(w["status_as_of"].date(), w["status_precision"], ctx.lang) if not fmt.is_missing(w["status_as_of"]) else ctx.tr("common.no_data"))
                   + " " + ctx.tr("update.view_from", time=one["read_at"].strftime("%H:%M:%S")))
        # the form's identity is its view's token: once a save has written and the view is dropped, a click
        # still queued for the old form finds no form and writes nothing (see ``view``)
        with st.form(f"upd_one_form_{one['token']}"):
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
                save(one, [updates.Update(wid, stage, pct, disbursed or None, year, note or None, cause)])

with tab_all:
    if works.empty:  # a programme with no work yet
        st.info(ctx.tr("update.no_works"))
    else:
        st.caption(ctx.tr("update.editor_help"))
        every = view("upd_view_all", list(works["id"]))
        shown = every["rows"]
        prefill = pd.DataFrame({
            "work_id": shown["id"], "name": shown["name"],
            "stage": [stage_label.get(s) if not fmt.is_missing(s) else None for s in shown["stage"]],
            "physical_pct": shown["physical_pct"].astype("float"),
            "disbursed_vnd": [fmt.number(v, 0, ctx.lang) if not fmt.is_missing(v) else "" for v in shown["disbursed_vnd"]],
            "expected_year": shown["expected_year"].astype("Float64").astype("float"),
            "note": [""] * len(shown),
            "cause": [""] * len(shown)})
        edited = st.data_editor(prefill, key=f"upd_table_{every['token']}", hide_index=True, width="stretch", num_rows="fixed",
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
        if st.button(ctx.tr("update.save"), key=f"upd_all_save_{every['token']}", type="primary"):
            rows, labels = updates.rows_from_table(prefill, edited, {v: k for k, v in stage_label.items()},
                                                   {v: k for k, v in cause_label.items()})
            if rows:
                save(every, rows, labels)
            else:
                st.info(ctx.tr("update.nothing_changed"))


with tab_import:  # the departments' spreadsheets: templates, preview by row and column, all or nothing
    import_view.render(ctx, db, who)


def settings_form() -> None:
    rows = frame.read(queries.setting_rows)
    snap = st.session_state.get("upd_view_settings")
    if snap is not None and db.submitted(snap["token"]) is not None:  # saved in a run cut short
        flash(snap["token"], "success", [ctx.tr("update.settings_saved")])
        st.session_state.pop("upd_view_settings", None)
        snap = None
    if snap is None:  # the values the form shows, kept until a save (see ``view``)
        snap = {"values": dict(zip(rows["key"], rows["value"])), "token": new_token()}
        st.session_state["upd_view_settings"] = snap
    with st.form(f"upd_settings_{snap['token']}"):
        values = {}
        for r in rows.itertuples():
            values[r.key] = st.number_input(ctx.tr(f"setting.{r.key}"), value=int(snap["values"].get(r.key, r.value)),
                                            step=1, help=f"{r.description} ({r.key})")
        if st.form_submit_button(ctx.tr("update.settings_save")):
            changed = {k: v for k, v in values.items() if str(v) != str(snap["values"].get(k))}
            try:
                if changed:
                    updates.save_settings(db, who, changed, seen=snap["values"], token=snap["token"])
                flash(snap["token"], "success", [ctx.tr("update.settings_saved")])
                st.session_state.pop("upd_view_settings", None)
            except ValidationError as e:
                show_errors(e.problems)
            except updates.ConflictError as e:
                for c in e.conflicts:
                    st.error(ctx.tr("update.settings_conflict", setting=ctx.tr(f"setting.{c.key}"),
                                    theirs=c.theirs["value"], yours=c.yours["value"]))
                st.session_state.pop("upd_view_settings", None)  # the next run shows the stored values
            except AlreadySubmitted:  # this form's submit wrote already: nothing written again
                flash(snap["token"], "success", [ctx.tr("update.settings_saved")])
                st.session_state.pop("upd_view_settings", None)
            except DatabaseError as e:  # e.g. the account was disabled meanwhile: refused by the write path
                st.error(fmt.md_escape(text_of(e, ctx.lang), 400))


with tab_settings:
    st.caption(ctx.tr("update.settings_help"))
    if auth_view.may("settings"):  # thresholds: admins only (the write path checks again)
        settings_form()
    else:
        st.info(ctx.tr("auth.need_role", role=auth_view.role_label("admin", ctx.lang)))

if st.session_state.pop("upd_rerun", False):  # after every save of this run: show what was written
    st.rerun()
st.session_state["upd_flash"] = {}  # this run drew every message and reached its end: they were seen
