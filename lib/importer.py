"""Spreadsheet import for the secretary: .xlsx templates with Vietnamese headers.

Two kinds (the third, indicator values of a town, is lib/evidence.py's checklist):

* ``status``: status updates for one existing reporting period. The template carries the mark
  "Kỳ báo cáo: <id>" in its first lines; a file made for another period is refused. Rows are
  checked by the same rules as the form (``updates.validate_updates``, rows named "Dòng N").
* ``capital_plan``: the yearly capital plan of a work and what was disbursed of it that year
  (table ``capital_plan``), read by the funding-gap flag and the overview's money line.

``template_xlsx`` writes the template (every work prefilled; no formula; text neutralised),
``preview`` reads a filled one (caps on size, rows, columns and cell length; every problem by
row and column, a ``lib.i18n.Msg``: Vietnamese by ``str``, English by ``.text("en")``; never
raises for a bad file), ``apply`` writes all rows or none in
one ``Database.write`` (set-based inserts) after an automatic backup. Idempotent: a row equal to
what is recorded is "unchanged" and not written, so importing the same file twice writes nothing
the second time (no write at all: no audit row, no new data version).

* status: a row is unchanged when equal to the work's newest update in that period, or (no update
  in that period yet) to its newest update before it: the values the template was prefilled with,
  as the form writes only the rows that differ from what it showed.
* capital plan: a row equal to the recorded (work, year) is unchanged; a changed row replaces it
  (row_version + 1, old values in the audit row).

Never imports streamlit.
"""
from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import pandas as pd

from lib import backup, export, fmt, xlsx_read
from lib.auth import Identity
from lib.db import Database
from lib.i18n import Msg, Num, t
from lib.db import ValidationError, share_frame
from lib.updates import YEAR_MAX, YEAR_MIN, Period, Update, insert_updates, row_label, validate_updates

KINDS = ("status", "capital_plan")
ACTION = "import_spreadsheet"
MAX_BYTES = 5 * 1024 * 1024          # the uploaded file
MAX_ROWS = 10_000                    # data rows
MAX_COLS = 30
MAX_TEXT = 300                       # a reference, a stage, a cause
MAX_NOTE = 2000                      # a note (the form's limit)
MAX_NUMBER_TEXT = 60                 # a number typed as text
MONEY_MAX = 10 ** 15                 # 1.000.000 tỷ đồng: far above any work, far below BIGINT
PERIOD_MARK = re.compile(r"(?:Kỳ báo cáo|Reporting period)\s*:\s*([0-9]{4}-[0-9]{2}(?:-[0-9A-Za-z]+)?)",
                         re.IGNORECASE)
SHEETS = {"status": "imp.sheet.status", "capital_plan": "imp.sheet.capital_plan"}  # sheet names (keys)

# column key -> label key; the Vietnamese labels of the status columns are the form's field names
STATUS_COLS = {
    "work_id": "imp.col.work_id", "name": "imp.col.name", "stage": "imp.col.stage",
    "physical_pct": "imp.col.physical_pct", "disbursed_vnd": "imp.col.disbursed_cum",
    "expected_year": "imp.col.expected_year", "delay_cause": "imp.col.delay_cause", "note": "imp.col.note",
}
PLAN_COLS = {
    "work_id": "imp.col.work_id", "name": "imp.col.name", "year": "imp.col.year",
    "allocated_vnd": "imp.col.allocated", "disbursed_vnd": "imp.col.disbursed_year",
    "decision_ref": "imp.col.decision_ref", "source_ref": "imp.col.source_ref",
}
STATUS_FIELDS = ("stage", "physical_pct", "disbursed_vnd", "expected_year", "note", "delay_cause")
PLAN_FIELDS = ("allocated_vnd", "disbursed_vnd", "decision_ref", "source_ref")
WIDTHS = {"work_id": 14, "name": 48, "stage": 24, "physical_pct": 16, "disbursed_vnd": 22, "expected_year": 14,
          "delay_cause": 26, "note": 40, "year": 10, "allocated_vnd": 22, "decision_ref": 28, "source_ref": 36}


def _cols(kind: str) -> dict[str, str]:
    return STATUS_COLS if kind == "status" else PLAN_COLS


def _label(kind: str):
    cols = _cols(kind)
    return lambda key: t(cols[key], "vi")


class _Row(xlsx_read.Row):
    """Problems of one row, each a Msg naming the sheet row, the work and the column (its header
    in the language the message is shown in)."""

    def __init__(self, kind: str, line: int, problems: list, tag: str = ""):
        super().__init__(line, problems, _label(kind), "imp.err.where", tag)
        self.cols = _cols(kind)

    def add(self, key: str, message) -> None:
        self.bad = True
        self.problems.append(Msg("imp.err.where", row=self.line, col=Msg(self.cols[key]), msg=message,
                                 tag=self.tag))


def _money_text(vnd: float) -> Msg:
    return Msg("imp.err.ty", v=Num(vnd / fmt.TY, 3))


# -- reading the database ------------------------------------------------------------------------

def _period(db: Database, period_id) -> Period | None:
    if not isinstance(period_id, str):
        return None
    df = db.query("SELECT id, label_vi, as_of, source_ref FROM reporting_period WHERE id = ?", [period_id])
    if df.empty:
        return None
    r = df.iloc[0]
    return Period(r["id"], r["label_vi"], pd.Timestamp(r["as_of"]).date(),
                  None if fmt.is_missing(r["source_ref"]) else r["source_ref"])


_REFERENCE_SQL = (
    "SELECT work_id, " + ", ".join(STATUS_FIELDS) + " FROM (SELECT *, row_number() OVER (PARTITION BY work_id "
    "ORDER BY (period_id = ?) DESC, as_of DESC, id DESC) AS rn FROM status_update "
    "WHERE period_id = ? OR as_of <= ?) WHERE rn = 1")
_PLAN_SQL = "SELECT work_id, year, " + ", ".join(PLAN_FIELDS) + ", row_version FROM capital_plan"


def _plain(v):
    """A value read from the database as a plain Python value (None for missing)."""
    if fmt.is_missing(v):
        return None
    return v.item() if hasattr(v, "item") else v


def _fetch(source, sql: str, params: list) -> list[tuple]:
    """Rows of ``sql`` from a Database (a read) or from the write's cursor (in its transaction)."""
    if isinstance(source, Database):
        df = source.query(sql, params)
        return [tuple(_plain(v) for v in r) for r in df.itertuples(index=False)]
    return [tuple(_plain(v) for v in r) for r in source.execute(sql, params).fetchall()]


def _reference(source, period: Period) -> dict[str, dict]:
    """Each work's values the import compares with: its newest update in the period, else before it."""
    rows = _fetch(source, _REFERENCE_SQL, [period.id, period.id, period.as_of])
    return {r[0]: dict(zip(STATUS_FIELDS, r[1:])) for r in rows}


def _plans(source) -> dict[tuple[str, int], dict]:
    return {(r[0], int(r[1])): dict(zip((*PLAN_FIELDS, "row_version"), r[2:])) for r in _fetch(source, _PLAN_SQL, [])}


def _works(db: Database, programme: str | None = None) -> pd.DataFrame:
    return db.query("SELECT id, name FROM work WHERE ?::VARCHAR IS NULL OR programme_id = ? "
                    "ORDER BY report_order NULLS LAST, id", [programme, programme])


def _choices(db: Database, table: str) -> tuple[dict[str, str], list[str]]:
    """Normalised code or label (either language) -> code; and the Vietnamese labels, in order."""
    df = db.query(f"SELECT code, label_vi, label_en FROM {table} ORDER BY sort_order, code")
    out: dict[str, str] = {}
    for r in df.itertuples():
        for v in (r.code, r.label_vi, r.label_en):
            if isinstance(v, str):
                out.setdefault(xlsx_read.norm(v), r.code)
    return out, list(df["label_vi"])


# -- the template ----------------------------------------------------------------------------------

def template_xlsx(db: Database, kind: str, period_id: str | None = None, lang: str = "vi",
                  today: date | None = None, programme: str | None = None) -> bytes:
    """The template of ``kind``: a title, the period mark (status), how to fill it, then one row
    per work of ``programme`` (None: every programme) prefilled (status: its values as of the
    period; capital plan: its recorded years, or one row with the year empty). Raises ValueError
    for an unknown kind or period. The import accepts any work of the file."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    if kind not in KINDS:
        raise ValueError(t("imp.err.kind", lang, kind=str(kind)[:40]))
    today = today or date.today()
    cols = _cols(kind)
    works = _works(db, programme)
    names = dict(zip(works["id"], works["name"]))
    lines = [t(f"imp.title.{kind}", lang)]
    if kind == "status":
        period = _period(db, period_id)
        if period is None:
            raise ValueError(t("imp.err.no_period", lang, period=str(period_id)[:40]))
        lines.append(t("imp.mark", lang, period=period.id, label=period.label_vi, as_of=fmt.day(period.as_of, lang)))
        ref = _reference(db, period)
        stage_lbl = dict(db.query("SELECT code, label_vi, label_en FROM stage")
                         .pipe(lambda d: zip(d["code"], d["label_vi" if lang == "vi" else "label_en"])))
        cause_lbl = dict(db.query("SELECT code, label_vi, label_en FROM delay_cause")
                         .pipe(lambda d: zip(d["code"], d["label_vi" if lang == "vi" else "label_en"])))
        rows = []
        for wid in works["id"]:
            r = ref.get(wid, {})
            rows.append({"work_id": wid, "name": names[wid], "stage": stage_lbl.get(r.get("stage"), r.get("stage")),
                         "physical_pct": r.get("physical_pct"), "disbursed_vnd": r.get("disbursed_vnd"),
                         "expected_year": r.get("expected_year"),
                         "delay_cause": cause_lbl.get(r.get("delay_cause"), r.get("delay_cause")),
                         "note": r.get("note")})
    else:
        plans = _plans(db)
        rows = []
        for wid in works["id"]:
            mine = sorted((y, p) for (w, y), p in plans.items() if w == wid)
            for y, p in mine:
                rows.append({"work_id": wid, "name": names[wid], "year": y, **{f: p[f] for f in PLAN_FIELDS}})
            if not mine:
                rows.append({"work_id": wid, "name": names[wid]})
    lines += [t(f"imp.help.{kind}", lang, rows=fmt.number(MAX_ROWS, 0, lang)),
              t("imp.made", lang, today=fmt.day(today, lang))]

    wb = Workbook()
    ws = wb.active
    ws.title = t(SHEETS[kind], lang)
    for i, line in enumerate(lines, start=1):
        cell = ws.cell(row=i, column=1, value=export.neutralise(line))
        cell.font = Font(bold=True, size=13) if i == 1 else Font(italic=True)
    header = len(lines) + 2
    keys = list(cols)
    for j, key in enumerate(keys, start=1):
        cell = ws.cell(row=header, column=j, value=t(cols[key], lang))
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[get_column_letter(j)].width = WIDTHS.get(key, 16)
    money = {"disbursed_vnd", "allocated_vnd"}
    for i, r in enumerate(rows, start=header + 1):
        for j, key in enumerate(keys, start=1):
            v = _plain(r.get(key))
            if v is None:
                continue  # unknown stays an empty cell, never 0
            cell = ws.cell(row=i, column=j, value=export.neutralise(v))
            if key in money:
                cell.number_format = "#,##0"
            elif key in ("year", "expected_year"):
                cell.number_format = "0"
    ws.freeze_panes = ws.cell(row=header + 1, column=3)
    if kind == "status" and rows:  # a drop-down of the labels (typing a code works too)
        last = header + max(len(rows), 1) + 200
        for key, table in (("stage", "stage"), ("delay_cause", "delay_cause")):
            labels = _choices(db, table)[1] if lang == "vi" else \
                list(db.query(f"SELECT label_en FROM {table} ORDER BY sort_order, code")["label_en"])
            listed = '"' + ",".join(x.replace('"', "").replace(",", " ") for x in labels) + '"'
            if len(listed) <= 255:
                dv = DataValidation(type="list", formula1=listed, allow_blank=True, showErrorMessage=False)
                letter = get_column_letter(keys.index(key) + 1)
                dv.add(f"{letter}{header + 1}:{letter}{last}")
                ws.add_data_validation(dv)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def template_name(kind: str, period_id: str | None = None, lang: str = "vi") -> str:
    if kind == "status":
        return t("imp.file.status", lang, period=period_id)
    return t("imp.file.capital_plan", lang)


# -- reading a filled template ---------------------------------------------------------------------

@dataclass
class Preview:
    kind: str
    period_id: str | None = None
    rows: list[dict] = field(default_factory=list)        # to write: line, work_id and the values
    unchanged: list[dict] = field(default_factory=list)   # equal to what is recorded
    n_blank: int = 0                                       # rows left empty
    problems: list[Msg] = field(default_factory=list)     # Msg (or text), each naming its row
    clean: list[Update] = field(default_factory=list, repr=False)   # status: the validated updates to write

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def work_ids(self) -> list[str]:
        return list(dict.fromkeys(r["work_id"] for r in self.rows))


@dataclass(frozen=True)
class ImportResult:
    kind: str
    written: int
    unchanged: int
    blank: int
    rows: tuple[dict, ...] = ()      # the rows written

    @property
    def work_ids(self) -> list[str]:
        return list(dict.fromkeys(r["work_id"] for r in self.rows))


def _number(row: xlsx_read.Row, key: str, v, what: str = "number") -> float | None:
    """A number typed in a cell or as Vietnamese text (1.200.000.000; 61,5); a problem otherwise."""
    if xlsx_read.blank(v):
        return None
    if isinstance(v, (datetime, date, time, timedelta)):
        row.add(key, Msg("imp.err.day_in_number"))
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float, str)):
        row.add(key, Msg("imp.err.not_number", text=str(v)[:40]))
        return None
    if isinstance(v, str) and len(v) > MAX_NUMBER_TEXT:
        row.add(key, Msg("imp.err.not_number", text=v.strip()[:40] + "…"))
        return None
    if isinstance(v, str) and xlsx_read.SURROGATE.search(v):
        row.add(key, Msg("xlsx.err.bad_char"))
        return None
    if isinstance(v, str) and what == "percent" and v.strip().endswith("%"):
        v = v.strip()[:-1]
    if isinstance(v, int) and abs(v) > MONEY_MAX * 1000:  # an integer of hundreds of digits: no float holds it
        row.add(key, Msg("imp.err.too_large", max=_money_text(MONEY_MAX)))
        return None
    try:
        num = fmt.parse_number(v)
    except (ValueError, OverflowError):
        text = export._UNSAFE.sub("", str(v)).strip()[:40]
        row.add(key, Msg("imp.err.not_year", text=text) if what == "year" else Msg("imp.err.not_number", text=text))
        return None
    return num


def _year(row: xlsx_read.Row, key: str, v) -> int | None:
    num = _number(row, key, v, "year")
    if num is None:
        return None
    if num != int(num) or not YEAR_MIN <= num <= YEAR_MAX:
        row.add(key, Msg("imp.err.year_range", v=f"{num:g}", lo=YEAR_MIN, hi=YEAR_MAX))
        return None
    return int(num)


def _money(row: xlsx_read.Row, key: str, v) -> int | None:
    num = _number(row, key, v)
    if num is None:
        return None
    if num < 0:
        row.add(key, Msg("imp.err.negative", v=Num(num, 0)))
        return None
    if num > MONEY_MAX:
        row.add(key, Msg("imp.err.too_large", max=_money_text(MONEY_MAX)))
        return None
    return int(round(num))


def _code(row: xlsx_read.Row, key: str, v, choices: tuple[dict[str, str], list[str]]) -> str | None:
    text = xlsx_read.text(row, key, v, MAX_TEXT)
    if text is None or text == "":
        return None
    code = choices[0].get(xlsx_read.norm(text))
    if code is None:
        row.add(key, Msg("imp.err.not_choice", text=text[:40], choices=", ".join(choices[1])))
    return code


def _line_of(problem) -> int:
    m = re.match(r"Dòng (\d+)", str(problem))  # str: the Vietnamese text
    return int(m.group(1)) if m else 0


def _locate(cells: list[tuple], kind: str) -> tuple[int | None, dict[str, int], list[str]]:
    cols = _cols(kind)
    header_at, columns = xlsx_read.find_header(cells, xlsx_read.header_map(cols), "work_id")
    if header_at is None:
        return None, {}, [Msg("xlsx.err.no_header", col=Msg(cols["work_id"]))]
    missing = [k for k in cols if k != "name" and k not in columns]
    if missing:
        return None, {}, [Msg("xlsx.err.missing_col", col=Msg(cols[k])) for k in missing]
    return header_at, columns, []


def preview(db: Database, kind: str, data, period_id: str | None = None) -> Preview:
    """Read a filled template of ``kind``: the rows to write, the rows unchanged, the blank rows
    and every problem (row and column named; each a Msg). Never raises for a bad file."""
    out = Preview(kind if kind in KINDS else str(kind)[:40], period_id)
    if kind not in KINDS:
        out.problems = [Msg("imp.err.kind", kind=str(kind)[:40])]
        return out
    period = None
    if kind == "status":
        period = _period(db, period_id)
        if period is None:
            out.problems = [Msg("imp.err.no_period", period=str(period_id)[:40])]
            return out
    try:
        cells = xlsx_read.read_cells(data, MAX_ROWS, MAX_COLS, MAX_BYTES)
    except ValidationError as e:
        out.problems = list(e.problems)
        return out
    return preview_cells(db, kind, cells, period, out)


def preview_cells(db: Database, kind: str, cells: list[tuple], period: Period | None,
                  out: Preview | None = None) -> Preview:
    """``preview`` of cells already read (as ``xlsx_read.read_cells`` gives them)."""
    out = out or Preview(kind, period.id if period else None)
    header_at, columns, problems = _locate(cells, kind)
    if problems:
        out.problems = problems
        return out
    if kind == "status":
        marks = [m.group(1) for row in cells[:header_at] for v in row
                 if isinstance(v, str) for m in [PERIOD_MARK.search(v)] if m]
        if not marks:
            out.problems = [Msg("imp.err.no_mark", period=period.id)]
            return out
        if marks[0] != period.id:
            out.problems = [Msg("imp.err.other_period", file_period=marks[0][:40], period=period.id)]
            return out
    body = cells[header_at + 1:]
    filled = [i for i, r in enumerate(body) if any(not xlsx_read.blank(v) for v in r)]
    if filled and filled[-1] >= MAX_ROWS:
        out.problems = [Msg("xlsx.err.too_many_rows", n=Num(MAX_ROWS, 0))]
        return out
    works = set(_works(db)["id"])
    (_status_rows if kind == "status" else _plan_rows)(db, body, header_at, columns, works, period, out)
    out.problems.sort(key=_line_of)  # stable: by row, in the order of the columns
    if out.problems:
        out.rows, out.unchanged, out.clean = [], [], []
    return out


def _start_row(kind: str, line: int, get: dict, out: Preview, works: set[str]):
    """The row's checker, its work id (checked) and whether its cells hold formulas."""
    raw = get.get("work_id")
    tag = f" ({raw.strip()[:40]})" if isinstance(raw, str) and raw.strip() in works else ""
    row = _Row(kind, line, out.problems, tag)
    formulas = [k for k, v in get.items() if k != "name" and xlsx_read.is_formula(v)]
    for k in formulas:  # a value must be typed, not computed: a formula is said, never dropped
        row.add(k, Msg("xlsx.err.formula"))
    return row, bool(formulas)


def _work_id(row: xlsx_read.Row, v, works: set[str], required: bool) -> str | None:
    wid = xlsx_read.text(row, "work_id", v, MAX_TEXT)
    if wid is None or wid == "":
        if required and not row.bad:
            row.add("work_id", Msg("imp.err.required"))
        return None
    if wid not in works:
        row.add("work_id", Msg("imp.err.unknown_work", id=wid[:40]))
        return None
    return wid


def _status_rows(db, body, header_at, columns, works, period: Period, out: Preview) -> None:
    stages, causes = _choices(db, "stage"), _choices(db, "delay_cause")
    parsed: list[tuple[int, Update]] = []
    for i, cells_row in enumerate(body):
        line = header_at + 2 + i  # the sheet's own row number
        get = xlsx_read.row_cells(cells_row, columns)
        if all(xlsx_read.blank(v) for k, v in get.items() if k != "name"):
            continue
        row, formulas = _start_row("status", line, get, out, works)
        if formulas:
            continue
        if all(xlsx_read.blank(get[k]) for k in STATUS_FIELDS):
            _work_id(row, get["work_id"], works, False)
            out.n_blank += 1
            continue
        wid = _work_id(row, get["work_id"], works, True)
        u = Update(work_id=wid,
                   stage=_code(row, "stage", get["stage"], stages),
                   physical_pct=_number(row, "physical_pct", get["physical_pct"], "percent"),
                   disbursed_vnd=_money(row, "disbursed_vnd", get["disbursed_vnd"]),
                   expected_year=_number(row, "expected_year", get["expected_year"], "year"),
                   note=xlsx_read.text(row, "note", get["note"], MAX_NOTE) or None,
                   delay_cause=_code(row, "delay_cause", get["delay_cause"], causes))
        if not row.bad:
            parsed.append((line, u))
    if not parsed:
        return
    try:  # the form's own rules, rows named as in the sheet
        clean = validate_updates([u for _, u in parsed], db, period.as_of, [row_label(line) for line, _ in parsed])
    except ValidationError as e:
        out.problems.extend(e.problems)
        return
    if out.problems:
        return
    ref = _reference(db, period)
    for (line, _), u in zip(parsed, clean):
        r = {"line": line, "work_id": u.work_id, **{f: getattr(u, f) for f in STATUS_FIELDS}}
        if _same_status(u, ref.get(u.work_id)):
            out.unchanged.append(r)
        else:
            out.rows.append(r)
            out.clean.append(u)


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        return abs(float(a) - float(b)) < 1e-9
    return a == b


def _same_status(u: Update, ref: dict | None) -> bool:
    return ref is not None and all(_same(getattr(u, f), ref.get(f)) for f in STATUS_FIELDS)


def _plan_rows(db, body, header_at, columns, works, period, out: Preview) -> None:
    seen: dict[tuple[str, int], int] = {}
    ok: list[dict] = []
    for i, cells_row in enumerate(body):
        line = header_at + 2 + i
        get = xlsx_read.row_cells(cells_row, columns)
        if all(xlsx_read.blank(v) for k, v in get.items() if k != "name"):
            continue
        row, formulas = _start_row("capital_plan", line, get, out, works)
        if formulas:
            continue
        if all(xlsx_read.blank(get[k]) for k in PLAN_FIELDS):  # a work listed, its year not filled in
            _work_id(row, get["work_id"], works, False)
            _year(row, "year", get["year"])
            out.n_blank += 1
            continue
        wid = _work_id(row, get["work_id"], works, True)
        year = _year(row, "year", get["year"])
        if year is None and xlsx_read.blank(get["year"]):
            row.add("year", Msg("imp.err.required"))
        allocated = _money(row, "allocated_vnd", get["allocated_vnd"])
        disbursed = _money(row, "disbursed_vnd", get["disbursed_vnd"])
        if xlsx_read.blank(get["allocated_vnd"]) and xlsx_read.blank(get["disbursed_vnd"]):
            row.add("allocated_vnd", Msg("imp.err.amount_required"))
        decision = xlsx_read.text(row, "decision_ref", get["decision_ref"], MAX_TEXT) or None
        source = xlsx_read.text(row, "source_ref", get["source_ref"], MAX_TEXT) or None
        if wid is not None and year is not None:
            if (wid, year) in seen:
                row.add("year", Msg("imp.err.duplicate_year", id=wid, year=year, row=seen[(wid, year)]))
            else:
                seen[(wid, year)] = line
        if row.bad:
            continue
        ok.append({"line": line, "work_id": wid, "year": year, "allocated_vnd": allocated,
                   "disbursed_vnd": disbursed, "decision_ref": decision, "source_ref": source})
    if out.problems:
        return
    plans = _plans(db)
    for r in ok:
        old = plans.get((r["work_id"], r["year"]))
        if old is not None and all(_same(r[f], old[f]) for f in PLAN_FIELDS):
            out.unchanged.append(r)
        else:
            out.rows.append({**r, "change": "new" if old is None else "changed"})


# -- writing ---------------------------------------------------------------------------------------

class _NothingToWrite(Exception):
    """Raised inside the write when, read again in the transaction, every row is already recorded
    (a second submit of the same file): the transaction rolls back, nothing is audited."""


def apply(db: Database, who: Identity, kind: str, data, period_id: str | None = None) -> ImportResult:
    """All or nothing: raises ValidationError (every problem, by row and column) and writes nothing;
    writes nothing either when every row is already recorded. ``who``: the signed-in identity (the
    write path checks its role: an editor). Returns what was written."""
    p = preview(db, kind, data, period_id)
    if p.problems:
        raise ValidationError(p.problems)
    if not p.rows:
        return ImportResult(kind, 0, len(p.unchanged), p.n_blank)
    backup.before_import(db, who, ACTION, "truoc-khi-nhap-bang-tinh")
    now = datetime.now()
    detail: dict = {"kind": kind, "period": p.period_id if kind == "status" else None,
                    "file_sha256": hashlib.sha256(bytes(data)).hexdigest(),
                    "rows_in_file": len(p.rows) + len(p.unchanged), "blank": p.n_blank}
    if kind == "status":
        period = _period(db, period_id)
        fn = _write_status(p, period, who, now, detail)
    else:
        fn = _write_plan(p, who, now, detail)
    try:
        rows = db.write(who, ACTION, fn, detail)
    except _NothingToWrite:
        return ImportResult(kind, 0, len(p.rows) + len(p.unchanged), p.n_blank)
    return ImportResult(kind, len(rows), len(p.rows) + len(p.unchanged) - len(rows), p.n_blank, rows)


def _write_status(p: Preview, period: Period, who: Identity, now: datetime, detail: dict):
    def write(cur):
        ref = _reference(cur, period)  # again, in the transaction: what is recorded now
        fresh = [u for u in p.clean if not _same_status(u, ref.get(u.work_id))]
        if not fresh:
            raise _NothingToWrite
        written = insert_updates(cur, period, fresh, who, now)
        detail.update(written=len(written), unchanged=len(p.rows) + len(p.unchanged) - len(written),
                      works=[r["work_id"] for r in written])
        detail["new"] = [{"period_id": period.id, **r} for r in written]  # rows are only added
        return tuple({"period_id": period.id, **r} for r in written)
    return write


def _plan_frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame({
        "work_id": pd.array([r["work_id"] for r in rows], dtype="string"),
        "year": pd.array([r["year"] for r in rows], dtype="Int32"),
        "allocated_vnd": pd.array([r["allocated_vnd"] for r in rows], dtype="Int64"),
        "disbursed_vnd": pd.array([r["disbursed_vnd"] for r in rows], dtype="Int64"),
        "decision_ref": pd.array([r["decision_ref"] for r in rows], dtype="string"),
        "source_ref": pd.array([r["source_ref"] for r in rows], dtype="string"),
    })


def _write_plan(p: Preview, who: Identity, now: datetime, detail: dict):
    def write(cur):
        plans = _plans(cur)  # again, in the transaction
        new, changed, old = [], [], []
        for r in p.rows:
            before = plans.get((r["work_id"], r["year"]))
            if before is None:
                new.append(r)
            elif not all(_same(r[f], before[f]) for f in PLAN_FIELDS):
                changed.append(r)
                old.append({"work_id": r["work_id"], "year": r["year"], **before})
        if not new and not changed:
            raise _NothingToWrite
        # read by name in the SQL below (DuckDB's replacement scan); never cursor.register
        new_plan_rows = _plan_frame(new)  # noqa: F841
        changed_plan_rows = _plan_frame(changed)  # noqa: F841
        for name, frame in (("new_plan_rows", new_plan_rows), ("changed_plan_rows", changed_plan_rows)):
            share_frame(cur, name, frame)  # PostgreSQL: temporary tables
        if changed:
            cur.execute(
                "UPDATE capital_plan SET allocated_vnd = i.allocated_vnd, disbursed_vnd = i.disbursed_vnd, "
                "decision_ref = i.decision_ref, source_ref = i.source_ref, entered_by = ?, entered_at = ?, "
                "row_version = capital_plan.row_version + 1 FROM changed_plan_rows i "
                "WHERE capital_plan.work_id = i.work_id AND capital_plan.year = i.year",
                [who.display_name, now])
        if new:
            cur.execute(
                "INSERT INTO capital_plan (work_id, year, allocated_vnd, disbursed_vnd, decision_ref, source_ref, "
                "entered_by, entered_at, row_version) SELECT work_id, year, allocated_vnd, disbursed_vnd, "
                "decision_ref, source_ref, ?, ?, 1 FROM new_plan_rows", [who.display_name, now])
        kind_of = {(r["work_id"], r["year"]): "new" for r in new} | {(r["work_id"], r["year"]): "changed"
                                                                      for r in changed}
        written = tuple({"work_id": r["work_id"], "year": r["year"], **{f: r[f] for f in PLAN_FIELDS},
                         "change": kind_of[(r["work_id"], r["year"])]}
                        for r in p.rows if (r["work_id"], r["year"]) in kind_of)
        detail.update(written=len(written), new_rows=len(new), changed_rows=len(changed),
                      works=list(dict.fromkeys(r["work_id"] for r in written)))
        detail["old"] = old or None  # changed rows only: what they held before
        detail["new"] = [{k: v for k, v in r.items() if k != "change"} for r in written]
        return written
    return write
