"""The meeting pack: a Word report for the steering committee, drafted from the data.

Two steps, so that the document can be tested without a database:

* ``gather(db, ...) -> PackModel`` reads everything the report states (programme, works of the
  chosen towns with their status as of the chosen period, departments' tasks, flags at the
  evaluation date, causes of delay) into a frozen model of plain values, with the two charts
  as Vega-Lite specifications built by ``lib.charts`` (the overview's builders);
* ``write_pack(model) -> bytes`` lays the model out as a Vietnamese administrative report
  (Nghị định 30/2020/NĐ-CP, see ``lib.docx_common``), sections following the 12/2022 review
  (I-V, with the committee's prose left as marked placeholders) and an annex table with one
  row per work. Charts are drawn on the server as PNG with vl-convert; when that fails the
  pack is still written, with a line saying the chart could not be drawn.

``build_pack`` does both; ``scenario_minutes_docx`` writes the funding-scenario minutes
(the same content as ``scenario_report.minutes_markdown``) with the same header and fonts.

Amounts read the Vietnamese way through ``lib.fmt`` ("1,036 tỷ đồng"); an unknown amount reads
"chưa có số liệu", never 0. Never imports streamlit.
"""
from __future__ import annotations

import io
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
from docx.shared import Cm

from lib import charts, flags, fmt, overview, queries, scenario, scenario_report, whatif
from lib import stages as stages_
from lib.docx_common import (Letterhead, add_run, clean_text, date_line, grid_table, heading, national_header,
                             new_document, new_section, paragraph, place_from_issuer, signature_block,
                             text_width_cm, title_block, to_bytes, upper_vi)
from lib.fmt import TY
from lib.i18n import t
from lib.tables import MONEY_DECIMALS

# Fonts for the chart images: Times New Roman where installed, else DejaVu Serif, which has every
# Vietnamese letter (older Liberation fonts lack some, and a label would then switch font).
CHART_FONT = "Times New Roman, DejaVu Serif, serif"
CHART_SCALE = 2
CHART_WIDTH_CM = 15.5
DEFAULT_PLACE = "Trùng Khánh"
DEFAULT_PARENT = "HUYỆN ỦY TRÙNG KHÁNH"
DEFAULT_BODY = "BAN CHỈ ĐẠO CHƯƠNG TRÌNH 07"
# Used when no database is at hand (the scenario minutes); pass ``letterhead(db)`` instead.
DEFAULT_LETTERHEAD = Letterhead(parent=DEFAULT_PARENT, body=DEFAULT_BODY, place=DEFAULT_PLACE, symbol=None)


# -- the model --------------------------------------------------------------------------------

SEVERITY_KEY = {"red": "pack.sev_red", "amber": "pack.sev_amber"}

@dataclass(frozen=True)
class WorkLine:
    """One work as the report states it, and as the annex lists it."""
    id: str
    name: str
    group: str
    scale_text: str | None
    amount_vnd: int | None
    stage_label: str
    is_handed_over: bool
    expected_year: int | None
    area_text: str
    note: str | None
    flags_text: str


@dataclass(frozen=True)
class WorkGroup:
    code: str
    label: str
    works: tuple[WorkLine, ...]


@dataclass(frozen=True)
class TaskLine:
    department: str
    task: str
    status_label: str
    note: str | None


@dataclass(frozen=True)
class FlagEntry:
    """A flagged work, once, with all its flags: (rule label, reason) pairs."""
    work_id: str
    work_name: str
    severity: str
    items: tuple[tuple[str, str], ...]
    cause_text: str | None          # None when the work has no delay flag


@dataclass(frozen=True)
class CauseText:
    label: str
    report_text: str
    source_ref: str | None


@dataclass(frozen=True)
class ChartSpec:
    caption: str
    spec_json: str                  # Vega-Lite, from lib.charts


@dataclass(frozen=True)
class PackModel:
    lang: str
    letterhead: Letterhead
    drafted_on: date
    programme_name: str
    programme_no: str | None
    programme_date: date | None
    issuer: str | None
    period_start: int | None
    period_end: int | None
    plan_no: str | None
    plan_date: date | None
    targets: tuple[str, ...]
    scope_text: str
    towns: tuple[str, ...] | None
    as_of: date | None
    as_of_text: str
    period_label: str
    eval_date: date
    n_works: int
    investment_vnd: int | None
    n_known_amount: int
    n_missing_amount: int
    n_handed_over: int
    groups: tuple[WorkGroup, ...]
    annex: tuple[WorkLine, ...]
    tasks: tuple[TaskLine, ...]
    flagged: tuple[FlagEntry, ...]
    n_red: int
    n_amber: int
    causes: tuple[CauseText, ...]
    charts: tuple[ChartSpec, ...]


def money(vnd, lang: str = "vi", unit: bool = True) -> str:
    """One precision for the whole pack, as the tables: 1_036_000_000 -> '1,036 tỷ đồng',
    35_600_000_000 -> '35,600 tỷ đồng'; unknown -> 'chưa có số liệu', never 0."""
    return fmt.ty(vnd, lang, decimals=MONEY_DECIMALS, unit=unit, strip=False)


# -- reading ------------------------------------------------------------------------------------

def _opt(v):
    """NaN/NA/NaT -> None; numpy scalars -> Python; Timestamps -> date."""
    if v is None or (not isinstance(v, (list, tuple)) and fmt.is_missing(v)):
        return None
    if isinstance(v, pd.Timestamp):
        return v.date()
    if isinstance(v, datetime):
        return v.date()
    return v.item() if hasattr(v, "item") else v


def _text(v) -> str | None:
    v = _opt(v)
    if v is None:
        return None
    s = clean_text(v).strip()
    return s or None


def letterhead(db, body: str | None = None, place: str | None = None, symbol: str = "BC-BCĐ",
               programme: str | None = None) -> Letterhead:
    """The header of the committee's documents, from the ``programme`` table (``programme``: its
    id; None: the first).

    parent: ``programme.issuer`` in upper case ("HUYỆN ỦY TRÙNG KHÁNH"). body: the issuing
    body; the data hold no such column, so by default "BAN CHỈ ĐẠO CHƯƠNG TRÌNH <số>" with the
    number of ``programme.decision_no`` ("07/CTr-HU" -> 07). place: from the issuer ("Huyện ủy
    Trùng Khánh" -> "Trùng Khánh"). Each can be given instead."""
    prog = queries.programme(db, programme)
    issuer = _text(prog.get("issuer"))
    number = (_text(prog.get("decision_no")) or "").split("/")[0].strip()
    default_body = t("pack.body_default", "vi", no=number) if number else DEFAULT_BODY
    return Letterhead(parent=upper_vi(issuer) if issuer else DEFAULT_PARENT,
                      body=body or default_body,
                      place=place or place_from_issuer(issuer, DEFAULT_PLACE),
                      symbol=symbol)


def _period(db, period_id: str | None) -> dict:
    periods = queries.periods(db)
    row = periods[periods["id"] == period_id] if period_id else periods.head(1)
    if row.empty:
        row = periods.head(1)  # as queries.works: an unknown period reads as the newest
    if row.empty:
        return {"as_of": None, "precision": "day", "label": ""}
    r = row.iloc[0]
    return {"as_of": _opt(r["as_of"]), "precision": str(r["as_of_precision"] or "day"),
            "label": _text(r["label_vi"]) or str(r["id"])}


def _area_text(row, lang: str) -> str:
    names = _text(row.get("area_names"))
    if not names:
        return t("town.unknown", lang)
    text = names[0].upper() + names[1:]
    if bool(_opt(row.get("area_by_committee"))):
        return f"{text} ({t('pack.area_committee', lang)})"
    return f"{text} {t('pack.area_inferred', lang)}" if bool(_opt(row.get("area_inferred"))) else text


def _flag_entries(f: pd.DataFrame, order: Mapping[str, int], cause_labels: Mapping[str, str],
                  lang: str) -> tuple[tuple[FlagEntry, ...], dict[str, str]]:
    """One entry per flagged work (red first, then report order) and each work's annex text."""
    if f.empty:
        return (), {}
    worst = flags.worst_per_work(f).set_index("work_id")["severity"]
    rank = {s: i for i, s in enumerate(flags.SEVERITIES)}
    entries, annex = [], {}
    for wid in sorted(worst.index, key=lambda w: (rank[worst[w]], order.get(w, 10**6), w)):
        mine = f[f["work_id"] == wid]
        items = tuple((flags.rule_label(r.rule, lang), clean_text(r.message)) for r in mine.itertuples())
        items = tuple((label, message[len(label):].lstrip(" :") if message.startswith(label) else message)
                      for label, message in items)  # "Thiếu số liệu: Thiếu số liệu: …" reads once
        cause_text = None
        delay = mine[mine["rule"].isin(flags.DELAY_RULES)]
        if len(delay):
            known = delay[delay["cause"].notna()]
            if len(known):
                c = known.iloc[0]
                label = cause_labels.get(c["cause"], c["cause"])
                cause_text = f"{label} ({flags.cause_note(True, lang)})" if bool(c["cause_inferred"]) else label
            else:
                cause_text = t("flags.cause.unknown", lang)
        entries.append(FlagEntry(wid, clean_text(mine.iloc[0]["work_name"]), worst[wid], items, cause_text))
        rules = ", ".join(dict.fromkeys(label for label, _ in items))
        annex[wid] = f"{flags.severity_label(worst[wid], lang)}: {rules}"
    return tuple(entries), annex


def _with_font(chart) -> str:
    spec = chart.to_dict()
    spec.setdefault("config", {})["font"] = CHART_FONT
    return json.dumps(spec, ensure_ascii=False, default=str)


def _charts(works: pd.DataFrame, stages: pd.DataFrame, k: overview.Kpis, lang: str) -> tuple[ChartSpec, ...]:
    """Works by stage and investment by stage: the overview's two charts (``ui.widgets``)."""
    if works.empty:
        return ()
    by_stage = overview.by_stage(works, stages, lang)
    data = by_stage[by_stage["n"] > 0]
    count = charts.stage_bars(data, "n", t("overview.chart_stage_count", lang),
                              t("overview.chart_stage_title", lang, done=k.n_handed_over, n=k.n_works, top=""),
                              lang=lang, integer=True)
    amounts = data.assign(investment_ty=lambda d: d["investment_vnd"] / TY)
    known = amounts[amounts["stage"] != stages_.UNKNOWN].dropna(subset=["investment_ty"])
    if len(known):
        top = known.sort_values("investment_ty", ascending=False).iloc[0]
        title = t("overview.chart_money_title", lang, amount=money(top["investment_vnd"], lang), stage=top["label"])
    else:
        title = t("common.no_data", lang)
    money_chart = charts.stage_bars(amounts, "investment_ty", t("overview.chart_stage_money", lang), title,
                                    decimals=1, lang=lang, missing_text=t("common.no_data", lang))
    return (ChartSpec(t("pack.chart_count", lang), _with_font(count)),
            ChartSpec(t("pack.chart_money", lang), _with_font(money_chart)))


def gather(db, *, period_id: str | None, towns: list[str] | None, eval_date: date, lang: str = "vi",
           drafted_on: date, head: Letterhead | None = None, programme: str | None = None) -> PackModel:
    """Everything the pack states, read from ``db`` for the works of ``programme`` (None: the
    first programme's name and every programme's works) in the ``towns`` (None: all) as of the
    reporting period ``period_id`` (None: the newest); flags at ``eval_date``."""
    prog = queries.programme(db, programme)
    period = _period(db, period_id)
    works = queries.works(db, towns, period_id, programme)
    stages = queries.stages(db)
    k = overview.kpis(works)
    options = queries.town_options(db, programme)
    order = {wid: i for i, wid in enumerate(works["id"])}

    causes = queries.delay_causes(db)
    label_col = "label_vi" if lang == "vi" else "label_en"
    cause_labels = {r["code"]: _text(r[label_col]) or r["code"] for _, r in causes.iterrows()}
    # flags.evaluate fails on an empty history (a scope without works): nothing to flag then.
    f = (flags.evaluate(db, eval_date, towns, lang=lang, programme=programme) if len(works)
         else pd.DataFrame(columns=list(flags.COLUMNS)))
    flagged, flag_texts = _flag_entries(f, order, cause_labels, lang)

    lines, groups = [], {}
    for _, r in works.iterrows():
        stage = _text(r["stage_vi"] if lang == "vi" else r["stage_en"]) or t("stage.unknown", lang)
        year = _opt(r["expected_year"])
        line = WorkLine(id=str(r["id"]), name=_text(r["name"]) or str(r["id"]), group=_text(r["report_group"]) or "",
                        scale_text=_text(r["scale_text"]), amount_vnd=_opt(r["total_investment_vnd"]),
                        stage_label=stage, is_handed_over=bool(_opt(r["is_handed_over"])),
                        expected_year=int(year) if year is not None else None, area_text=_area_text(r, lang),
                        note=_text(r["status_note"]), flags_text=flag_texts.get(str(r["id"]), t("pack.no_flag", lang)))
        lines.append(line)
        groups.setdefault(line.group, []).append(line)  # groups in the order the report first names them
    work_groups = tuple(WorkGroup(code, t(f"group.{code}", lang) if code else t("common.no_data", lang), tuple(ws))
                        for code, ws in groups.items())

    tasks = tuple(TaskLine(_text(r["department"]) or "", _text(r["task"]) or "",
                           t(f"tasks.status.{r['status']}", lang), _text(r["status_note"]))
                  for _, r in queries.department_tasks(db, programme).iterrows())
    cause_texts = tuple(CauseText(cause_labels.get(r["code"], r["code"]), _text(r["report_text"]),
                                  _text(r["source_ref"]))
                        for _, r in causes.iterrows() if _text(r["report_text"]))
    targets = []
    for _, tg in queries.targets(db, programme).iterrows():
        if towns is None or tg["area_id"] in towns:
            targets.append(t("pack.s1_target", lang, year=_opt(tg["target_year"]) or t("common.no_data", lang),
                             area=_text(tg["area_name"]) or tg["area_id"], c=_text(tg["target_class"]) or "",
                             text=_text(tg["target_text"]) or t("common.no_data", lang)))
    if towns is None:
        scope = t("pack.scope_all", lang)
    else:
        scope = "; ".join(overview.town_label(x, options, lang) for x in towns) or t("pack.scope_all", lang)
    sev = flags.counts_by_severity(f).set_index("severity")["n_works"]
    return PackModel(
        lang=lang, letterhead=head or letterhead(db, programme=programme), drafted_on=drafted_on,
        programme_name=_text(prog.get("name")) or "", programme_no=_text(prog.get("decision_no")),
        programme_date=_opt(prog.get("decision_date")), issuer=_text(prog.get("issuer")),
        period_start=_opt(prog.get("period_start")), period_end=_opt(prog.get("period_end")),
        plan_no=_text(prog.get("plan_no")), plan_date=_opt(prog.get("plan_date")), targets=tuple(targets),
        scope_text=scope, towns=tuple(towns) if towns is not None else None,
        as_of=period["as_of"], as_of_text=fmt.as_of(period["as_of"], period["precision"], lang),
        period_label=period["label"], eval_date=eval_date,
        n_works=k.n_works, investment_vnd=k.investment_vnd, n_known_amount=k.n_works - k.n_missing_amount,
        n_missing_amount=k.n_missing_amount, n_handed_over=k.n_handed_over,
        groups=work_groups, annex=tuple(lines), tasks=tasks, flagged=flagged,
        n_red=int(sev["red"]), n_amber=int(sev["amber"]), causes=cause_texts,
        charts=_charts(works, stages, k, lang))


# -- writing ------------------------------------------------------------------------------------

def render_png(spec_json: str) -> bytes:
    """A Vega-Lite specification drawn as PNG on the server (vl-convert)."""
    import vl_convert  # imported here: a missing or broken vl-convert only costs the charts
    return vl_convert.vegalite_to_png(spec_json, scale=CHART_SCALE)


def _as_of_line(doc, m: PackModel) -> None:
    paragraph(doc, t("pack.as_of_line", m.lang, date=m.as_of_text, source=m.period_label),
              italic=True, size=13, indent=True)


def _placeholder(doc, m: PackModel) -> None:
    paragraph(doc, t("pack.placeholder", m.lang), italic=True)


def _day(d: date | None, lang: str) -> str:
    return fmt.day(d, lang) if d else t("common.no_data", lang)


def _work_paragraph(doc, w: WorkLine, lang: str) -> None:
    parts = []
    if w.scale_text:
        parts.append(t("pack.work_scale", lang, scale=w.scale_text))
    parts.append(t("pack.work_amount", lang, amount=money(w.amount_vnd, lang)))
    parts.append(t("pack.work_stage", lang, stage=w.stage_label))
    if w.expected_year is not None:
        parts.append(t("pack.work_year", lang, year=w.expected_year))
    elif not w.is_handed_over:
        parts.append(t("pack.work_year_unknown", lang, no_data=t("common.no_data", lang)))
    p = paragraph(doc, "")
    add_run(p, f"- {w.name.rstrip('.')}. ")
    add_run(p, ". ".join(parts) + ".")
    if w.note:
        add_run(p, " " + t("pack.work_note", lang, note=""))
        add_run(p, w.note)  # what the secretary typed: its own plain run


def _chart(doc, spec: ChartSpec, number: int, lang: str, render: Callable[[str], bytes]) -> None:
    try:
        png = render(spec.spec_json)
        if not png:
            raise ValueError("empty image")
    except Exception as e:  # noqa: BLE001 - any failure to draw must not cost the pack
        reason = clean_text(f"{type(e).__name__}: {e}")[:200]
        paragraph(doc, t("pack.chart_failed", lang, title=spec.caption, error=reason), italic=True)
        return
    p = paragraph(doc, "", align="center", indent=False, keep_with_next=True)
    p.add_run().add_picture(io.BytesIO(png), width=Cm(CHART_WIDTH_CM))
    paragraph(doc, t("pack.figure", lang, n=number, title=spec.caption), align="center", italic=True, size=13)


def write_pack(m: PackModel, render: Callable[[str], bytes] | None = None) -> bytes:
    """The .docx of the model. ``render`` draws a chart (default ``render_png``)."""
    render = render or render_png
    lang = m.lang
    doc = new_document(title=t("pack.doc_title", lang, programme=m.programme_name), author=m.letterhead.body)
    national_header(doc, m.letterhead, m.drafted_on, lang)
    title_block(doc, t("pack.kind", lang),
                t("pack.subtitle", lang, programme=m.programme_name, as_of=m.as_of_text),
                t("pack.scope", lang, towns=m.scope_text))
    if m.programme_no:
        plan = t("pack.intro_plan", lang, no=m.plan_no, date=_day(m.plan_date, lang)) if m.plan_no else ""
        paragraph(doc, t("pack.intro", lang, no=m.programme_no, date=_day(m.programme_date, lang),
                         issuer=m.issuer or m.letterhead.parent, plan=plan))

    # I. Context: the programme and its targets from the data, the prose left to the committee.
    heading(doc, t("pack.s1", lang))
    _as_of_line(doc, m)
    paragraph(doc, t("pack.s1_programme", lang, name=m.programme_name, no=m.programme_no or t("common.no_data", lang),
                     date=_day(m.programme_date, lang), issuer=m.issuer or "", start=m.period_start or "…",
                     end=m.period_end or "…"))
    for line in m.targets:
        paragraph(doc, f"- {line}")
    _placeholder(doc, m)

    # II. Leadership.
    heading(doc, t("pack.s2", lang))
    _as_of_line(doc, m)
    if m.plan_no:
        paragraph(doc, "- " + t("pack.s2_plan", lang, no=m.plan_no, date=_day(m.plan_date, lang)))
    _placeholder(doc, m)

    # III. Results: works by the report's groups, then the departments' tasks.
    heading(doc, t("pack.s3", lang))
    _as_of_line(doc, m)
    heading(doc, t("pack.s3_1", lang), space_before=0)
    if not m.n_works:
        paragraph(doc, t("pack.s3_none", lang))
    else:
        paragraph(doc, t("pack.s3_summary", lang, n=m.n_works, known=m.n_known_amount,
                         amount=money(m.investment_vnd, lang), missing=m.n_missing_amount, done=m.n_handed_over))
        for i, spec in enumerate(m.charts, start=1):
            _chart(doc, spec, i, lang, render)
    for i, g in enumerate(m.groups, start=1):
        heading(doc, t("pack.group_heading", lang, num=f"1.{i}", label=g.label), space_before=0)
        for w in g.works:
            _work_paragraph(doc, w, lang)
    heading(doc, t("pack.s3_2", lang), space_before=0)
    heading(doc, t("pack.s3_2_1", lang), space_before=0)
    if m.towns is not None:
        paragraph(doc, t("tasks.towns_note", lang), italic=True, size=13)
    if not m.tasks:
        paragraph(doc, t("pack.tasks_none", lang))
    for task in m.tasks:
        p = paragraph(doc, "")
        add_run(p, f"- {task.department}: ")
        add_run(p, task.task.rstrip() + " ")
        status = t("pack.task_status", lang, status=task.status_label)
        add_run(p, f"({status}" + (f"; {task.note}" if task.note else "") + ")", italic=True)

    # IV. Assessment: flags at the evaluation date, one entry a work; the causes as the report words them.
    heading(doc, t("pack.s4", lang))
    _as_of_line(doc, m)
    heading(doc, t("pack.s4_1", lang), space_before=0)
    _placeholder(doc, m)
    heading(doc, t("pack.s4_2", lang), space_before=0)
    heading(doc, t("pack.s4_2_1", lang), space_before=0)
    paragraph(doc, t("pack.s4_eval", lang, date=fmt.day(m.eval_date, lang)), italic=True, size=13)
    if not m.flagged:
        paragraph(doc, t("pack.s4_none", lang))
    else:
        paragraph(doc, t("pack.s4_counts", lang, n=len(m.flagged), red=m.n_red, amber=m.n_amber))
    for e in m.flagged:
        p = paragraph(doc, "")
        add_run(p, f"- {e.work_id} – {e.work_name}", bold=True)
        add_run(p, f" ({t(SEVERITY_KEY[e.severity], lang)}): ")
        add_run(p, "; ".join(f"{label}: {message}" for label, message in e.items) + ".")
        if e.cause_text:
            add_run(p, " " + t("pack.flag_cause", lang, cause=e.cause_text) + ".", italic=True)
    heading(doc, t("pack.s4_2_2", lang), space_before=0)
    if not m.causes:
        paragraph(doc, t("pack.causes_none", lang))
    for c in m.causes:
        p = paragraph(doc, "")
        add_run(p, f"- {c.report_text}")
        if c.source_ref:
            add_run(p, f" ({c.label}; {c.source_ref})", italic=True, size=13)

    # V. Tasks ahead: the committee's.
    heading(doc, t("pack.s5", lang))
    _as_of_line(doc, m)
    _placeholder(doc, m)

    paragraph(doc, "", space_after=6)
    signature_block(doc, m.letterhead, [f"- {t('pack.placeholder', lang)};", t("pack.recipient_archive", lang)],
                    t("pack.signer_placeholder", lang), t("pack.recipients", lang))

    # Annex: one row per work, landscape.
    section = new_section(doc, landscape=True)
    paragraph(doc, t("pack.annex", lang), align="center", bold=True, space_after=0)
    paragraph(doc, t("pack.annex_title", lang), align="center", bold=True, space_after=0)
    paragraph(doc, t("pack.annex_note", lang, symbol=m.letterhead.symbol or "",
                     date=date_line("", m.drafted_on, lang), body=m.letterhead.body), align="center", italic=True,
              space_after=0)
    paragraph(doc, t("pack.as_of_line", lang, date=m.as_of_text, source=m.period_label), align="center",
              italic=True, size=13)
    header = [t("pack.col_no", lang), t("pack.col_id", lang), t("pack.col_name", lang), t("pack.col_area", lang),
              t("pack.col_amount", lang), t("pack.col_stage", lang), t("pack.col_year", lang),
              t("pack.col_flags", lang, date=fmt.day(m.eval_date, lang))]
    rows = [[str(i), w.id, w.name, w.area_text, money(w.amount_vnd, lang, unit=False), w.stage_label,
             str(w.expected_year) if w.expected_year is not None else t("common.no_data", lang), w.flags_text]
            for i, w in enumerate(m.annex, start=1)]
    total = text_width_cm(section)
    widths = [1.2, 1.8, 7.2, 3.4, 2.6, 2.8, 2.2]
    grid_table(doc, header, rows, widths + [total - sum(widths)],
               ["center", "center", "left", "left", "right", "left", "center", "left"])
    if m.n_works:
        paragraph(doc, t("pack.annex_total", lang, known=m.n_known_amount, n=m.n_works,
                         amount=money(m.investment_vnd, lang)), italic=True, size=13, space_before=6)
    return to_bytes(doc)


def build_pack(db, *, period_id: str | None, towns: list[str] | None, eval_date: date, lang: str = "vi",
               drafted_on: date, head: Letterhead | None = None,
               render: Callable[[str], bytes] | None = None, programme: str | None = None) -> bytes:
    """The meeting pack (.docx bytes) for the works of ``programme`` in the ``towns`` (None: all)
    as of ``period_id`` (None: the newest), flags at ``eval_date``, dated ``drafted_on``."""
    model = gather(db, period_id=period_id, towns=towns, eval_date=eval_date, lang=lang, drafted_on=drafted_on,
                   head=head, programme=programme)
    return write_pack(model, render)


# -- scenario minutes -------------------------------------------------------------------------

def scenario_minutes_docx(name: str, scenario: scenario.Scenario, o: whatif.Outcomes, *, as_of_text: str,
                          period_label: str, town_names: Mapping[str, str], stage_labels: Mapping[str, str],
                          not_simulated_names: Mapping[str, str], ruleset_name: str, uses_demo: bool,
                          lang: str = "vi", now: datetime | None = None, head: Letterhead | None = None) -> bytes:
    """``scenario_report.minutes_markdown`` as a Word document with the ND30 header: the same lines
    (every parameter, the data's date, the key results, what was left out), numbers the
    Vietnamese way. ``head``: ``letterhead(db)`` (default: ``DEFAULT_LETTERHEAD``)."""
    now = now or datetime.now()
    head = head or DEFAULT_LETTERHEAD
    doc = new_document(title=t("pack.minutes_doc_title", lang, name=name), author=head.body)
    national_header(doc, head, now.date(), lang)
    title_block(doc, t("pack.minutes_kind", lang), t("funding.min_title", lang, name=name))
    paragraph(doc, t("funding.min_as_of", lang, date=as_of_text, period=period_label))
    paragraph(doc, t("funding.min_made", lang, when=now.strftime("%d/%m/%Y %H:%M")))
    if uses_demo:
        paragraph(doc, t("funding.demo_banner", lang), bold=True)
    heading(doc, t("funding.min_params", lang))
    for label, value in scenario_report.parameter_rows(scenario, town_names, stage_labels, lang):
        p = paragraph(doc, "")
        add_run(p, f"- {label}: ")
        add_run(p, value)
    paragraph(doc, f"- {t('funding.min_model', lang)}")
    heading(doc, t("funding.min_results", lang))
    for label, value in scenario_report.outcome_rows(o, town_names, lang):
        p = paragraph(doc, "")
        add_run(p, f"- {label}: ")
        add_run(p, value)
    paragraph(doc, f"- {t('funding.min_ruleset', lang, name=ruleset_name)}")
    if o.not_simulated:
        paragraph(doc, t("funding.min_not_simulated", lang) + " " + "; ".join(
            f"{w} ({not_simulated_names.get(w, w)})" for w in o.not_simulated))
    return to_bytes(doc)
