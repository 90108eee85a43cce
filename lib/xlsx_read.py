"""Reading an uploaded .xlsx the careful way: one reader for every spreadsheet import
(lib/evidence.py's checklist, lib/importer.py's templates).

* ``read_cells``: the first sheet's values within caps (file size, unzipped size and parts, rows,
  columns); openpyxl in read-only mode parses the XML with defusedxml (installed); formulas are
  read as formulas so that they can be refused by name. Any unreadable file is a ValidationError
  with one Vietnamese message, never an exception of the parser.
* ``find_header``: the header row (either language) among the first rows.
* ``Row``: the problems of one sheet row, each naming the row and the column (Vietnamese).
* ``text`` / ``day`` / ``is_formula`` / ``blank`` / ``norm``: cell checks shared by the importers.

Never imports streamlit.
"""
from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from datetime import date, datetime

from lib import export, fmt
from lib.i18n import Msg, t
from lib.db import ValidationError
from lib.fmt import HTML_TAG

MAX_BYTES = 2 * 1024 * 1024          # the uploaded file
MAX_UNZIPPED = 40 * 1024 * 1024      # what its parts may expand to (a zip bomb is refused)
MAX_PARTS = 300
MAX_COLS = 30
HEADER_SEARCH = 20                   # the header row is looked for in the first rows
MAX_TEXT = 300
SURROGATE = re.compile("[\ud800-\udfff]")


def file_error(key: str, **kw) -> ValidationError:
    return ValidationError([t(key, "vi", **kw)])


def read_cells(data, max_rows: int, max_cols: int = MAX_COLS, max_bytes: int = MAX_BYTES,
               max_unzipped: int = MAX_UNZIPPED, max_parts: int = MAX_PARTS,
               header_search: int = HEADER_SEARCH) -> list[tuple]:
    """The first sheet's cells (values only): at most ``header_search + max_rows + 1`` rows of
    ``max_cols`` columns (one row more than allowed, so that the caller can say there are too
    many); any failure is a ValidationError with a Vietnamese message."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise file_error("xlsx.err.not_xlsx")
    data = bytes(data)
    if not data:
        raise file_error("xlsx.err.empty")
    if len(data) > max_bytes:
        raise file_error("xlsx.err.too_big", mb=fmt.number(max_bytes / 1024 / 1024, 0))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            parts = zf.infolist()
            names = {p.filename for p in parts}
    except Exception:
        raise file_error("xlsx.err.not_xlsx") from None
    if len(parts) > max_parts or sum(p.file_size for p in parts) > max_unzipped:
        raise file_error("xlsx.err.too_big_inside")
    if "[Content_Types].xml" not in names:
        raise file_error("xlsx.err.not_xlsx")
    from openpyxl import load_workbook  # parses its XML with defusedxml when installed
    try:
        # formulas are read as formulas (not their cached values) so that they can be refused by name
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        try:
            if not wb.worksheets:
                raise file_error("xlsx.err.no_sheet")
            ws = wb.worksheets[0]
            cells = [tuple(row) for row in ws.iter_rows(min_row=1, max_row=header_search + max_rows + 1,
                                                        max_col=max_cols, values_only=True)]
        finally:
            wb.close()
    except ValidationError:
        raise
    except Exception:
        raise file_error("xlsx.err.not_xlsx") from None
    return cells


def norm(text) -> str:
    return re.sub(r"\s+", " ", str(text)).strip().casefold() if isinstance(text, str) else ""


def blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def is_formula(v) -> bool:
    return isinstance(v, str) and v.lstrip().startswith("=")


def header_map(labels: dict[str, str]) -> dict[str, str]:
    """Column key -> label key, as normalised header (either language) -> column key."""
    out = {}
    for key, label in labels.items():
        for lang in ("vi", "en"):
            out[norm(t(label, lang))] = key
    return out


def find_header(cells: list[tuple], headers: dict[str, str], anchor: str,
                search: int = HEADER_SEARCH) -> tuple[int | None, dict[str, int]]:
    """The first row (among ``search``) holding the ``anchor`` column: (its index, key -> column)."""
    for i, row in enumerate(cells[:search]):
        found: dict[str, int] = {}
        for j, v in enumerate(row):
            key = headers.get(norm(v))
            if key is not None and key not in found:
                found[key] = j
        if anchor in found:
            return i, found
    return None, {}


def row_cells(cells_row: tuple, columns: dict[str, int]) -> dict:
    return {k: (cells_row[j] if j < len(cells_row) else None) for k, j in columns.items()}


class Row:
    """Problems of one row: each names the sheet row and the column header (Vietnamese).

    ``label``: column key -> its Vietnamese header. ``where_key``: the message's frame, given
    ``row``, ``col``, ``msg`` (and ``tag``: e.g. " (GT-01)", the row's work)."""

    def __init__(self, line: int, problems: list[str], label: Callable[[str], str],
                 where_key: str = "xlsx.err.where", tag: str = ""):
        self.line, self.problems, self.bad = line, problems, False
        self.label, self.where_key, self.tag = label, where_key, tag

    def add(self, key: str, message: str) -> None:
        self.bad = True
        self.problems.append(Msg(self.where_key, row=self.line, col=self.label(key), msg=message,
                                 tag=self.tag))


def text(row: Row, key: str, v, max_len: int = MAX_TEXT) -> str | None:
    """A text cell, trimmed; a date, a truth value, a lone surrogate, HTML or an over-long text is a problem."""
    if blank(v):
        return None
    if isinstance(v, bool) or isinstance(v, (datetime, date)):
        row.add(key, Msg("xlsx.err.not_text"))
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    raw = str(v)
    if len(raw) > max_len:
        row.add(key, Msg("xlsx.err.too_long", n=max_len))
        return None
    if SURROGATE.search(raw):
        row.add(key, Msg("xlsx.err.bad_char"))
        return None
    value = export._UNSAFE.sub("", raw).strip()
    if HTML_TAG.search(value):
        row.add(key, Msg("xlsx.err.html"))
        return None
    return value


def day(row: Row, key: str, v, today: date) -> date | None:
    if blank(v):
        return None
    if isinstance(v, datetime):
        d = v.date()
    elif isinstance(v, date):
        d = v
    elif isinstance(v, str):
        try:
            d = fmt.parse_day(v.strip(), "vi")
        except ValueError as e:
            row.add(key, str(e))
            return None
    else:
        row.add(key, Msg("xlsx.err.not_day", text=str(v)[:40]))
        return None
    if not fmt.DAY_MIN <= d <= fmt.DAY_MAX:
        row.add(key, Msg("xlsx.err.day_range", text=d))
        return None
    if d > today:
        row.add(key, Msg("xlsx.err.future", text=d))
        return None
    return d
