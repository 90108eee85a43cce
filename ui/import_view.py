"""The import tab of the update page: the secretary fills a template (.xlsx) and imports it.

Three kinds: status updates of a reporting period and yearly capital plans (lib/importer.py),
indicator values of a town (lib/evidence.py's checklist). Each: download the template, upload it
filled, read the preview (every problem by row and column, as plain text), then write all rows or
none with one button; the message after says exactly what was written."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.i18n import text_of
from lib import auth, criteria, evidence, fmt, importer, queries
from lib.db import Database, DatabaseError
from lib.tables import Col, Table
from lib.db import ValidationError
from ui.frame import Ctx

FLASH_KEY = "imp_flash"
NONCE_KEY = "imp_nonce"        # bumped after a write: a fresh, empty file uploader
KINDS = ("status", "indicator", "capital_plan")
MAX_SHOWN = 50                 # problems listed; the rest counted
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

STATUS_PREVIEW = Table("import_status_preview", (
    Col("line", "imp.ui.col_line", "int", width=6),
    Col("work_id", "imp.col.work_id", width=10),
    Col("stage", "imp.col.stage", width=18, missing=""),
    Col("physical_pct", "imp.col.physical_pct", "pct", width=10),
    Col("disbursed_vnd", "imp.ui.col_disbursed_cum", "money", width=14),  # shown in tỷ đồng: no "(đồng)"
    Col("expected_year", "imp.col.expected_year", "year", width=10),
    Col("delay_cause", "imp.col.delay_cause", width=16, missing=""),
    Col("note", "imp.col.note", width=30, missing=""),
))
PLAN_PREVIEW = Table("import_plan_preview", (
    Col("line", "imp.ui.col_line", "int", width=6),
    Col("work_id", "imp.col.work_id", width=10),
    Col("year", "imp.col.year", "year", width=8),
    Col("allocated_vnd", "imp.ui.col_allocated", "money", width=14),
    Col("disbursed_vnd", "imp.ui.col_disbursed_year", "money", width=14),
    Col("decision_ref", "imp.col.decision_ref", width=22, missing=""),
    Col("source_ref", "imp.col.source_ref", width=22, missing=""),
    Col("change", "imp.ui.col_change", width=10),
))


def problems_text(ctx: Ctx, problems: list[str]) -> str:
    """The problems as Markdown-safe lines (each escaped), at most MAX_SHOWN, then how many more."""
    lines = [f"- {fmt.md_escape(text_of(x, ctx.lang), 400)}" for x in problems[:MAX_SHOWN]]
    if len(problems) > MAX_SHOWN:
        lines.append(f"- {fmt.md_escape(ctx.tr('imp.ui.more', n=len(problems) - MAX_SHOWN))}")
    return "\n".join(lines)


def _errors(ctx: Ctx, problems: list[str]) -> None:
    st.error(ctx.tr("imp.ui.errors", n=len(problems)) + "\n\n" + problems_text(ctx, problems))


def _uploader_key(kind: str, extra: str | None) -> str:
    return f"imp_file_{kind}_{extra or ''}_{st.session_state.get(NONCE_KEY, 0)}"


def _written(ctx: Ctx, n: int, work_ids: list[str], what: str) -> str:
    shown = ", ".join(work_ids[:30]) + (" …" if len(work_ids) > 30 else "")
    return ctx.tr("imp.ui.done", n=n, what=ctx.tr(f"imp.ui.kind_{what}"), works=shown or "—")


def render(ctx: Ctx, db: Database, who) -> None:
    """The import tab: the kind, its period or town, the template, the file, the preview, the write."""
    if FLASH_KEY in st.session_state:
        st.success(fmt.md_escape(st.session_state.pop(FLASH_KEY), 2000))
    if not auth.may(who, "import_spreadsheet"):  # the form for the role that may use it; the write path checks again
        st.info(ctx.tr("imp.ui.need_role"))
        return
    kind = st.radio(ctx.tr("imp.ui.kind"), list(KINDS), horizontal=True, key="imp_kind",
                    format_func=lambda k: ctx.tr(f"imp.ui.kind_{k}"))
    st.caption(ctx.tr(f"imp.ui.help_{kind}", rows=fmt.number(importer.MAX_ROWS, 0, ctx.lang),
                      mb=fmt.number(importer.MAX_BYTES / 1024 / 1024, 0, ctx.lang)))
    if kind == "indicator":
        _indicator(ctx, db, who)
        return
    period_id = None
    if kind == "status":
        periods = queries.periods(db)
        if periods.empty:
            st.info(ctx.tr("imp.ui.no_period"))
            return
        labels = dict(zip(periods["id"], periods["label_vi"]))
        period_id = st.selectbox(ctx.tr("imp.ui.period"), list(periods["id"]), key="imp_period",
                                 format_func=lambda p: f"{p} · {labels.get(p, p)}")
    st.download_button(ctx.tr("imp.ui.download"), key=f"imp_dl_{kind}", icon=":material/download:",
                       data=lambda: importer.template_xlsx(db, kind, period_id, ctx.lang, programme=ctx.programme),
                       on_click="ignore",  # built when clicked: a province's template is thousands of rows
                       file_name=importer.template_name(kind, period_id, ctx.lang), mime=XLSX_MIME)
    up = st.file_uploader(ctx.tr("imp.ui.file"), type=["xlsx"], key=_uploader_key(kind, period_id),
                          help=ctx.tr("common.upload_help", mb=fmt.number(importer.MAX_BYTES / 2**20, 0, ctx.lang)))
    if up is None:
        return
    data = up.getvalue()
    p = importer.preview(db, kind, data, period_id)

    def write() -> str:
        result = importer.apply(db, who, kind, data, period_id)
        return _written(ctx, result.written, result.work_ids, kind) + (
            " " + ctx.tr("imp.ui.period_done", period=period_id) if kind == "status" else "")

    _preview_then_write(ctx, p, f"imp_go_{kind}", lambda: _preview_table(ctx, db, kind, p), write)


def _preview_then_write(ctx: Ctx, p, key: str, show_rows, write) -> None:
    """Every import the same way: the problems by row and column (nothing written), or what is
    new, the rows, then the write, whose message is said after the rerun."""
    if p.problems:
        _errors(ctx, p.problems)
        return
    if not p.rows:
        st.info(ctx.tr("imp.ui.nothing", same=len(p.unchanged), blank=p.n_blank))
        return
    st.success(ctx.tr("imp.ui.ok", n=len(p.rows), same=len(p.unchanged), blank=p.n_blank))
    show_rows()
    if st.button(ctx.tr("imp.ui.go"), key=key, type="primary"):
        try:
            said = write()
        except ValidationError as e:
            _errors(ctx, e.problems)
            return
        except DatabaseError as e:  # refused by the write path (role, disabled account)
            st.error(fmt.md_escape(text_of(e, ctx.lang), 1000))
            return
        st.session_state[FLASH_KEY] = said
        st.session_state[NONCE_KEY] = st.session_state.get(NONCE_KEY, 0) + 1
        st.rerun()


def _preview_table(ctx: Ctx, db: Database, kind: str, p: importer.Preview) -> None:
    from ui import table  # the house table (escaped HTML)
    label = "label_vi" if ctx.lang == "vi" else "label_en"
    if kind == "status":
        stages = dict(zip(*[queries.stages(db)[c] for c in ("code", label)]))
        causes = dict(zip(*[queries.delay_causes(db)[c] for c in ("code", label)]))
        rows = pd.DataFrame([{**r, "stage": stages.get(r["stage"], r["stage"]),
                              "delay_cause": causes.get(r["delay_cause"], r["delay_cause"])} for r in p.rows])
        table.show(ctx, STATUS_PREVIEW, rows)
    else:
        rows = pd.DataFrame([{**r, "change": ctx.tr(f"imp.ui.change_{r['change']}")} for r in p.rows])
        table.show(ctx, PLAN_PREVIEW, rows)


def _indicator(ctx: Ctx, db: Database, who) -> None:
    """Indicator values of one town: lib/evidence.py's checklist, as on the criteria page."""
    towns = evidence.town_choices(db, ctx.programme)
    names = dict(zip(towns["id"], towns["name"]))
    catalog = criteria.catalog(db)
    ids = catalog.ids
    if not ids or towns.empty:
        st.info(ctx.tr("imp.ui.no_ruleset"))
        return
    c1, c2 = st.columns(2)
    town = c1.selectbox(ctx.tr("imp.ui.town"), list(towns["id"]), key="imp_town",
                        format_func=lambda a: names.get(a, a))
    ruleset_id = c2.selectbox(ctx.tr("imp.ui.ruleset"), ids, key="imp_ruleset",
                              index=ids.index(criteria.DEFAULT_RULESET) if criteria.DEFAULT_RULESET in ids else 0,
                              format_func=lambda i: catalog[i].info.name)
    if town is None or ruleset_id is None:
        return
    st.download_button(ctx.tr("imp.ui.download"), key="imp_dl_indicator", icon=":material/download:",
                       data=evidence.checklist_xlsx(db, town, ruleset_id, lang=ctx.lang, programme=ctx.programme),
                       file_name=f"so-lieu-con-thieu-{town}-{ruleset_id}.xlsx", mime=XLSX_MIME)
    up = st.file_uploader(ctx.tr("imp.ui.file"), type=["xlsx"], key=_uploader_key("indicator", town),
                          help=ctx.tr("common.upload_help", mb=fmt.number(evidence.MAX_BYTES / 2**20, 0, ctx.lang)))
    if up is None:
        return
    data = up.getvalue()
    p = evidence.preview_import(db, town, data)

    def write() -> str:
        result = evidence.import_checklist(db, who, town, data)
        codes = [r.code for r in p.rows]
        return ctx.tr("imp.ui.done_indicator", n=result.written, town=names.get(town, town),
                      codes=", ".join(codes[:30]) + (" …" if len(codes) > 30 else ""))

    _preview_then_write(ctx, p, "imp_go_indicator", lambda: st.text("\n".join(
        f"{ctx.tr('imp.ui.col_line')} {r.line}: {r.code} = "
        f"{r.value_text if r.value_text is not None else fmt.number(r.value_num, 2, ctx.lang)}"
        for r in p.rows[:MAX_SHOWN])), write)
