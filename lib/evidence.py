"""Evidence behind the criteria: the document of each indicator value, the checklist of values
still missing (exported to the departments as .xlsx and imported back), and the committee's
decisions on the town of a work the report leaves open.

* ``missing_standards`` / ``checklist_xlsx``: the standards of a town's class in a rule-set
  with no real value yet, as rows and as a workbook whose value columns are empty.
* ``preview_import`` / ``import_checklist``: read a filled workbook (size, row and unzipped-size
  caps; the XML goes through defusedxml), list every problem by row and column in Vietnamese,
  and write all rows or none through ``Database.write``. A row identical to a value already
  recorded (same value, date, document and note) is skipped, so importing the same file twice
  changes nothing the second time (no write, no audit row).
* ``state_town``: the committee states the town of a work with no town (work_area basis
  ``committee``, the decision in ``work_area_decision``), audited; the work's numeric links
  then count in that town's projected score (lib.scenario_towns.town_links reads work_area).
* ``work_effect_rows``: which work moves which standard, in which town, on what basis.

Never imports streamlit.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd

from lib import backup, criteria, export, fmt, xlsx_read
from lib.auth import Identity
from lib.db import Database
from lib.i18n import Msg, Num, t
from lib.tables import Col, Table
from lib.db import ValidationError
from lib.fmt import HTML_TAG

MAX_BYTES = xlsx_read.MAX_BYTES      # the uploaded file (2 MB)
MAX_UNZIPPED = xlsx_read.MAX_UNZIPPED
MAX_PARTS = xlsx_read.MAX_PARTS
MAX_ROWS = 500                       # data rows of a checklist
MAX_COLS = xlsx_read.MAX_COLS
HEADER_SEARCH = xlsx_read.HEADER_SEARCH
MAX_TEXT = xlsx_read.MAX_TEXT
VALUE_MAX = 1e9                      # no standard of either rule-set comes near this
BASIS = ("report", "inference", "committee")
SHEET = "So lieu con thieu"

# -- the checklist -----------------------------------------------------------------------------

CHECKLIST = Table("evidence_checklist", (
    Col("code", "ev.col_code", width=10, wrap=False),
    Col("name", "ev.col_name", width=36),
    Col("unit", "ev.col_unit", width=10, missing=""),
    Col("min_level", "ev.col_min", width=12),
    Col("value", "ev.col_value", screen=False, missing=""),
    Col("as_of", "ev.col_as_of", screen=False, missing=""),
    Col("doc_name", "ev.col_doc_name", screen=False, missing=""),
    Col("doc_no", "ev.col_doc_no", screen=False, missing=""),
    Col("doc_date", "ev.col_doc_date", screen=False, missing=""),
    Col("note", "ev.col_note", screen=False, missing=""),
))
VALUE_COLS = ("value", "as_of", "doc_name", "doc_no", "doc_date", "note")
AREA_MARK = re.compile(r"\((?:mã địa bàn|area code): ([A-Za-z0-9_-]+)\)")


def class_for(db: Database, area_id: str, ruleset_id: str, programme: str | None = None) -> str:
    """The town's target class (in ``programme``, ``criteria.target_class``) when the rule-set has it,
    else III (NQ 111), else the first class."""
    classes = list(criteria.catalog(db)[ruleset_id].classes)
    target = criteria.target_class(db, area_id, programme)
    return target if target in classes else ("III" if "III" in classes else classes[0])


def _min_text(s, lang: str) -> str | None:
    value = getattr(s, "min_value", None)
    if not fmt.is_missing(value):
        return fmt.number(value, 2, lang)
    level = getattr(s, "min_level", None)
    return None if fmt.is_missing(level) or str(level).strip() == "" else str(level)


def missing_standards(db: Database, area_id: str, ruleset_id: str, class_code: str | None = None,
                      lang: str = "vi", programme: str | None = None) -> pd.DataFrame:
    """The standards of the town's class in the rule-set with no real value (demo values do not
    count): the rows of CHECKLIST, value columns empty. The class: ``class_code``, else the town's
    in ``programme`` (``class_for``)."""
    class_code = class_code or class_for(db, area_id, ruleset_id, programme)
    stds = criteria.catalog(db)[ruleset_id].standards_for(class_code)
    have = set(criteria.indicator_values(db, area_id, None, False)["standard_code"])
    rows = [{"code": s.code, "name": s.name, "unit": None if fmt.is_missing(s.unit) else s.unit,
             "min_level": _min_text(s, lang), **{c: None for c in VALUE_COLS}}
            for s in stds.itertuples() if s.code not in have]
    return pd.DataFrame(rows, columns=[c.key for c in CHECKLIST.cols])


def checklist_meta(db: Database, area_id: str, ruleset_id: str, class_code: str, lang: str = "vi",
                   today: date | None = None) -> list[str]:
    area = db.scalar("SELECT name FROM area WHERE id = ?", [area_id]) or area_id
    info = criteria.catalog(db)[ruleset_id].info
    return [t("ev.meta_title", lang, town=area, area=area_id),
            t("ev.meta_ruleset", lang, ruleset=info.name, c=class_code,
              today=fmt.day(today or date.today(), lang)),
            t("ev.meta_help", lang)]


def checklist_xlsx(db: Database, area_id: str, ruleset_id: str, class_code: str | None = None,
                   lang: str = "vi", today: date | None = None, programme: str | None = None) -> bytes:
    """The checklist as a workbook: lines of context (the town and its code), then the table."""
    class_code = class_code or class_for(db, area_id, ruleset_id, programme)
    rows = missing_standards(db, area_id, ruleset_id, class_code, lang)
    return export.to_xlsx_bytes(CHECKLIST.file_frame(rows, lang), SHEET,
                                checklist_meta(db, area_id, ruleset_id, class_code, lang, today),
                                CHECKLIST.number_formats(lang))


# -- reading a filled checklist ------------------------------------------------------------------

@dataclass(frozen=True)
class EvidenceRow:
    line: int
    code: str
    value_num: float | None
    value_text: str | None
    unit: str | None
    as_of: date
    doc_name: str
    doc_no: str | None
    doc_date: date | None
    note: str | None


@dataclass
class Preview:
    rows: list[EvidenceRow] = field(default_factory=list)        # to write
    unchanged: list[EvidenceRow] = field(default_factory=list)   # identical to a recorded value
    n_blank: int = 0                                             # rows the departments left empty
    problems: list = field(default_factory=list)   # Msg or text: lib.i18n.text_of

    @property
    def ok(self) -> bool:
        return not self.problems


def _read_cells(data) -> list[tuple]:
    """The first sheet's cells within this module's caps (lib.xlsx_read.read_cells)."""
    return xlsx_read.read_cells(data, MAX_ROWS, MAX_COLS, MAX_BYTES, MAX_UNZIPPED, MAX_PARTS, HEADER_SEARCH)


_norm, _blank = xlsx_read.norm, xlsx_read.blank


def _header_map() -> dict[str, str]:
    """Normalised header (either language) -> column key."""
    return xlsx_read.header_map({c.key: c.label for c in CHECKLIST.cols})


class _Row(xlsx_read.Row):
    """Problems of one row: each names the sheet row and the column header (Vietnamese)."""

    def __init__(self, line: int, problems: list[str]):
        super().__init__(line, problems, lambda key: t(CHECKLIST.col(key).label, "vi"))


def _text(row: _Row, key: str, v) -> str | None:
    return xlsx_read.text(row, key, v, MAX_TEXT)


_day = xlsx_read.day


def _standards(db: Database) -> dict[str, dict]:
    stds = db.query("SELECT code, any_value(unit) AS unit, any_value(direction) AS direction "
                    "FROM ruleset_standard GROUP BY code")
    levels = db.query("SELECT standard_code, list(DISTINCT level) AS levels FROM ruleset_level GROUP BY standard_code")
    lv = {r.standard_code: set(r.levels) for r in levels.itertuples()}
    return {r.code: {"unit": None if fmt.is_missing(r.unit) else r.unit,
                     "direction": None if fmt.is_missing(r.direction) else r.direction,
                     "levels": lv.get(r.code, set())} for r in stds.itertuples()}


def _value(row: _Row, v, std: dict) -> tuple[float | None, str | None]:
    levels = std["levels"]
    if isinstance(v, str) and v.strip() in levels:
        return None, v.strip()
    if std["direction"] == "level":
        row.add("value", Msg("ev.err.level", text=str(v)[:40],
                           levels=", ".join(sorted(levels)) or Msg("ev.no_levels")))
        return None, None
    if isinstance(v, (datetime, date)):
        row.add("value", Msg("ev.err.day_in_number"))
        return None, None
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) > VALUE_MAX:  # hundreds of digits: no float holds it
        row.add("value", Msg("ev.err.implausible", v=str(v)[:20] + "…"))
        return None, None
    try:
        num = fmt.parse_number(v)
    except ValueError as e:
        if isinstance(v, str) and re.search(r"[^\W\d_]", v):
            row.add("value", Msg("ev.err.text_in_number", text=v.strip()[:40]))
        else:
            row.add("value", getattr(e, "message", str(e)))   # fmt.NumberError: a Msg
        return None, None
    if num is None:
        return None, None
    if num < 0:
        row.add("value", Msg("ev.err.negative", v=Num(num, 2)))
    elif std["unit"] == "%" and num > 100:
        row.add("value", Msg("ev.err.over_100", v=Num(num, 2)))
    elif num > VALUE_MAX:
        row.add("value", Msg("ev.err.implausible", v=Num(num, 0)))
    else:
        return num, None
    return None, None


def _same_value_sql() -> str:
    return ("SELECT count(*) FROM indicator_value WHERE area_id = ? AND standard_code = ? AND NOT is_demo "
            "AND value_num IS NOT DISTINCT FROM ? AND value_text IS NOT DISTINCT FROM ? "
            "AND as_of IS NOT DISTINCT FROM ? AND doc_name IS NOT DISTINCT FROM ? "
            "AND doc_no IS NOT DISTINCT FROM ? AND doc_date IS NOT DISTINCT FROM ? "
            "AND note IS NOT DISTINCT FROM ?")


def _same_params(area_id: str, r: EvidenceRow) -> list:
    return [area_id, r.code, r.value_num, r.value_text, r.as_of, r.doc_name, r.doc_no, r.doc_date, r.note]


def preview_import(db: Database, area_id: str, data, today: date | None = None) -> Preview:
    """Read a filled checklist for ``area_id``: the rows to write, the rows already recorded,
    and every problem (row and column named, in Vietnamese). Never raises for a bad file."""
    today = today or date.today()
    out = Preview()
    try:
        cells = _read_cells(data)
    except ValidationError as e:
        out.problems = list(e.problems)
        return out
    header_at, columns = xlsx_read.find_header(cells, _header_map(), "code", HEADER_SEARCH)
    if header_at is None:
        out.problems = [Msg("xlsx.err.no_header", col=Msg("ev.col_code"))]
        return out
    missing = [k for k in ("code",) + VALUE_COLS if k not in columns]
    if missing:
        out.problems = [Msg("xlsx.err.missing_col", col=Msg(CHECKLIST.col(k).label)) for k in missing]
        return out
    for row in cells[:header_at]:  # the town named in the file's first lines must be this town
        for v in row:
            m = AREA_MARK.search(v) if isinstance(v, str) else None
            if m and m.group(1) != area_id:
                name = db.scalar("SELECT name FROM area WHERE id = ?", [area_id]) or area_id
                out.problems = [Msg("ev.err.other_town", file_area=m.group(1), town=name)]
                return out
    body = cells[header_at + 1:]
    filled = [i for i, r in enumerate(body) if any(not _blank(v) for v in r)]
    if filled and filled[-1] >= MAX_ROWS:
        out.problems = [Msg("xlsx.err.too_many_rows", n=MAX_ROWS)]
        return out
    if area_id not in set(db.query("SELECT id FROM area")["id"]):
        out.problems = [Msg("ev.err.unknown_area", area=area_id)]
        return out
    stds = _standards(db)
    seen: dict[str, int] = {}
    for i, cells_row in enumerate(body):
        line = header_at + 2 + i  # the sheet's own row number
        get = xlsx_read.row_cells(cells_row, columns)
        if all(_blank(get[k]) for k in ("code",) + VALUE_COLS):
            continue
        row = _Row(line, out.problems)
        formulas = [k for k, v in get.items() if xlsx_read.is_formula(v)]
        for k in formulas:  # a value must be typed, not computed: a formula is said, never dropped
            row.add(k, Msg("xlsx.err.formula"))
        if formulas:
            continue
        code = _text(row, "code", get["code"])
        if all(_blank(get[k]) for k in VALUE_COLS):
            if code is not None and code not in stds:
                row.add("code", Msg("ev.err.unknown_code", code=code[:40]))
            out.n_blank += 1
            continue
        if code is None:
            if not row.bad:
                row.add("code", Msg("ev.err.required"))
        elif code not in stds:
            row.add("code", Msg("ev.err.unknown_code", code=code[:40]))
            code = None
        elif code in seen:
            row.add("code", Msg("ev.err.duplicate", code=code, row=seen[code]))
        else:
            seen[code] = line
        num = text = None
        if _blank(get["value"]):
            row.add("value", Msg("ev.err.value_required"))
        elif code is not None:
            num, text = _value(row, get["value"], stds[code])
        as_of = _day(row, "as_of", get["as_of"], today)
        if as_of is None and _blank(get["as_of"]):
            row.add("as_of", Msg("ev.err.required"))
        doc_name = _text(row, "doc_name", get["doc_name"])
        if doc_name is None and _blank(get["doc_name"]):
            row.add("doc_name", Msg("ev.err.doc_required"))
        doc_no = _text(row, "doc_no", get["doc_no"])
        doc_date = _day(row, "doc_date", get["doc_date"], today)
        note = _text(row, "note", get["note"])
        if row.bad or code is None:
            continue
        out.rows.append(EvidenceRow(line, code, num, text, stds[code]["unit"], as_of, doc_name, doc_no,
                                    doc_date, note))
    if out.problems:
        out.rows, out.unchanged = [], []
        return out
    fresh = []
    for r in out.rows:
        (out.unchanged if db.scalar(_same_value_sql(), _same_params(area_id, r)) else fresh).append(r)
    out.rows = fresh
    return out


def source_text(r: EvidenceRow) -> str:
    """The value's source as one line, for the screens that show ``indicator_value.source``."""
    parts = [r.doc_name]
    if r.doc_no:
        parts.append(t("ev.source_no", "vi", no=r.doc_no))
    if r.doc_date:
        parts.append(t("ev.source_date", "vi", date=fmt.day(r.doc_date)))
    return ", ".join(parts)


@dataclass(frozen=True)
class ImportResult:
    written: int
    unchanged: int
    blank: int


def import_checklist(db: Database, who: Identity, area_id: str, data, today: date | None = None) -> ImportResult:
    """All or nothing: raises ValidationError (every problem, by row and column) and writes
    nothing; writes nothing either when every row is already recorded."""
    p = preview_import(db, area_id, data, today)
    if p.problems:
        raise ValidationError(p.problems)
    if not p.rows:
        return ImportResult(0, len(p.unchanged), p.n_blank)
    now = datetime.now()

    def write(cur):
        n = 0
        for r in p.rows:
            if cur.execute(_same_value_sql(), _same_params(area_id, r)).fetchone()[0]:
                continue
            cur.execute(
                "INSERT INTO indicator_value (area_id, standard_code, value_num, value_text, unit, as_of, source, "
                "entered_by, entered_at, is_demo, confidence, note, doc_name, doc_no, doc_date) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, FALSE, 'C', ?, ?, ?, ?)",
                [area_id, r.code, r.value_num, r.value_text, r.unit, r.as_of, source_text(r), who.display_name, now,
                 r.note, r.doc_name, r.doc_no, r.doc_date])
            n += 1
        return n

    backup.before_import(db, who, "import_indicator_values", "truoc-khi-nhap-chi-tieu")
    written = db.write(who, "import_indicator_values", write, {
        "area": area_id, "rows": len(p.rows), "standards": [r.code for r in p.rows],
        "file_sha256": hashlib.sha256(bytes(data)).hexdigest()})
    return ImportResult(written, len(p.unchanged) + len(p.rows) - written, p.n_blank)


# -- the committee's decision on a work's town -------------------------------------------------------

def works_without_town(db: Database) -> pd.DataFrame:
    return db.query("SELECT id, name FROM work WHERE id NOT IN (SELECT work_id FROM work_area) "
                    "ORDER BY report_order, id")


def town_choices(db: Database, programme: str | None = None) -> pd.DataFrame:
    """Where the committee may place a work: the programme's towns and their district (``programme``:
    its target towns; None: every programme town)."""
    return db.query("WITH t AS (SELECT id, parent_id FROM area WHERE (?::VARCHAR IS NULL AND is_programme_town) "
                    "OR id IN (SELECT area_id FROM programme_target WHERE programme_id = ?)) "
                    "SELECT id, name FROM area WHERE id IN (SELECT id FROM t) OR id IN (SELECT parent_id FROM t) "
                    "ORDER BY sort_order, id", [programme, programme])


def decisions(db: Database, work_id: str | None = None) -> pd.DataFrame:
    return db.query("SELECT d.*, a.name AS area_name FROM work_area_decision d JOIN area a ON a.id = d.area_id "
                    "WHERE ? IS NULL OR d.work_id = ? ORDER BY d.work_id, d.area_id", [work_id, work_id])


def state_town(db: Database, who: Identity, work_id: str, area_id: str | None, decision_ref: str | None,
               decision_date, today: date | None = None) -> None:
    """The committee states the town of a work the report leaves open. ``decision_date``: a date,
    or text typed the Vietnamese way (31/12/2024). Raises ValidationError listing every problem."""
    today = today or date.today()
    where = Msg("ev.town_where")
    problems: list[Msg] = []

    def bad(col_key: str, msg: "Msg | str") -> None:
        problems.append(Msg("ev.err.field", where=where, col=Msg(col_key), msg=msg))

    if not db.scalar("SELECT count(*) FROM work WHERE id = ?", [work_id]):
        bad("ev.f_work", Msg("ev.err.unknown_work", id=str(work_id)[:40]))
    elif db.scalar("SELECT count(*) FROM work_area WHERE work_id = ?", [work_id]):
        bad("ev.f_work", Msg("ev.err.has_town", id=work_id))
    programme = db.scalar("SELECT programme_id FROM work WHERE id = ?", [work_id])
    choices = town_choices(db, programme)  # the towns of the work's own programme
    if _blank(area_id):
        bad("ev.f_town", Msg("ev.err.pick_town"))
    elif area_id not in set(choices["id"]):
        bad("ev.f_town", Msg("ev.err.not_town", area=str(area_id)[:40]))
    ref = decision_ref.strip() if isinstance(decision_ref, str) else ""
    if not ref:
        bad("ev.f_ref", Msg("ev.err.required"))
    elif len(ref) > 200 or HTML_TAG.search(ref):
        bad("ev.f_ref", Msg("ev.err.ref"))
    day_ = None
    if isinstance(decision_date, datetime):
        day_ = decision_date.date()
    elif isinstance(decision_date, date):
        day_ = decision_date
    elif _blank(decision_date):
        bad("ev.f_date", Msg("ev.err.required"))
    else:
        try:
            day_ = fmt.parse_day(str(decision_date), "vi")
        except ValueError as e:
            bad("ev.f_date", str(e))
    if day_ is not None and day_ > today:
        bad("ev.f_date", Msg("xlsx.err.future", text=day_))
    if problems:
        raise ValidationError(problems)
    note = t("ev.area_note", "vi", ref=ref, date=fmt.day(day_))
    now = datetime.now()

    def write(cur):
        if cur.execute("SELECT count(*) FROM work_area WHERE work_id = ?", [work_id]).fetchone()[0]:
            raise ValidationError([Msg("ev.err.field", where=where, col=Msg("ev.f_work"),
                                     msg=Msg("ev.err.has_town", id=work_id))])
        cur.execute("INSERT INTO work_area (work_id, area_id, basis, note) VALUES (?, ?, 'committee', ?)",
                    [work_id, area_id, note])
        cur.execute("INSERT INTO work_area_decision (work_id, area_id, decision_ref, decision_date, recorded_by, "
                    "recorded_at) VALUES (?, ?, ?, ?, ?, ?)", [work_id, area_id, ref, day_, who.display_name, now])

    db.write(who, "work_area_committee", write, {"work": work_id, "area": area_id, "basis": "committee",
                                                      "decision_ref": ref, "decision_date": day_})


# -- which works move which standard ---------------------------------------------------------------

WORK_EFFECTS = Table("evidence_work_effects", (
    Col("work", "ev.col_work", width=26),
    Col("standard", "ev.col_standard", width=24),
    Col("effect", "ev.col_effect", width=24),
    Col("area", "ev.col_area", width=14),
    Col("basis", "ev.col_basis", width=22),
))


def work_effect_rows(db: Database, ruleset_id: str | None = None, lang: str = "vi",
                     programme: str | None = None) -> pd.DataFrame:
    """One row per link from a work (of ``programme``; None: every programme) to a standard (of
    ``ruleset_id`` when given): the work, the standard, its effect (numeric or not), the town it
    counts for and on what basis."""
    links = db.query(
        "SELECT ws.work_id, w.name AS work_name, ws.standard_code, ws.effect, ws.effect_value, w.report_order "
        "FROM work_standard ws JOIN work w ON w.id = ws.work_id WHERE ?::VARCHAR IS NULL OR w.programme_id = ? "
        "ORDER BY ws.standard_code, w.report_order, ws.work_id", [programme, programme])
    areas = db.query("SELECT wa.work_id, wa.area_id, a.name AS area_name, wa.basis, d.decision_ref, d.decision_date "
                     "FROM work_area wa JOIN area a ON a.id = wa.area_id LEFT JOIN work_area_decision d "
                     "ON d.work_id = wa.work_id AND d.area_id = wa.area_id ORDER BY a.sort_order")
    names: dict[str, str] = {}
    if ruleset_id is not None:
        stds = criteria.catalog(db)[ruleset_id].standards
        names = dict(zip(stds["code"], stds["name"]))
        links = links[links["standard_code"].isin(set(names))]
    else:
        s = db.query("SELECT code, any_value(name) AS name FROM ruleset_standard GROUP BY code")
        names = dict(zip(s["code"], s["name"]))
    rows = []
    for r in links.itertuples():
        mine = areas[areas["work_id"] == r.work_id]
        effect = r.effect if isinstance(r.effect, str) and r.effect.strip() else ""
        if fmt.is_missing(r.effect_value):
            effect = (effect + " · " if effect else "") + t("ev.effect_unknown", lang)
        else:
            sign = "+" if r.effect_value > 0 else ""
            effect = (effect + " · " if effect else "") + sign + fmt.number(r.effect_value, 2, lang)
        if mine.empty:
            area, basis = t("ev.area_none", lang), t("ev.basis.none", lang)
        else:
            area = "; ".join(mine["area_name"])
            basis = "; ".join(
                t("ev.basis.committee", lang, ref=m.decision_ref,
                  date=fmt.day(pd.Timestamp(m.decision_date).date(), lang))
                if m.basis == "committee" and isinstance(m.decision_ref, str)
                else t(f"ev.basis.{m.basis}", lang) if m.basis in BASIS else str(m.basis)
                for m in mine.itertuples())
        std_name = names.get(r.standard_code)
        rows.append({"work": f"{r.work_id} · {r.work_name}",
                     "standard": f"{r.standard_code} · {std_name}" if std_name else r.standard_code,
                     "effect": effect, "area": area, "basis": basis})
    return pd.DataFrame(rows, columns=[c.key for c in WORK_EFFECTS.cols])
