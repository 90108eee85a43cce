"""Downloads of tables as CSV and Excel, safe to open in a spreadsheet.

Text cells that a spreadsheet could read as a formula (starting with = + - @, a tab
or a carriage return) are prefixed with an apostrophe; numbers stay numbers. A lone "-"
(nothing to compute) stays as it is. Characters a workbook cannot hold (control characters,
lone surrogates) are dropped from text, so that any text gives a file.
"""
from __future__ import annotations

import io
import re

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def neutralise(value):
    if isinstance(value, str):
        value = _UNSAFE.sub("", value)
        if value.startswith(FORMULA_START) and value.strip() != "-":
            return "'" + value
    return value


def _clean(df: pd.DataFrame) -> pd.DataFrame:
    """Every text cell neutralised, and the header too (a column may be named after user text,
    e.g. a scenario compared side by side)."""
    out = df.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise)
    out.columns = [neutralise(c) if isinstance(c, str) else c for c in out.columns]
    return out


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel shows Vietnamese letters correctly."""
    return _clean(df).to_csv(index=False).encode("utf-8-sig")


def to_xlsx_bytes(df: pd.DataFrame, sheet: str, meta_lines: list[str] | None = None,
                  number_formats: dict[str, str] | None = None,
                  row_formats: list[str | None] | None = None) -> bytes:
    """One sheet: optional lines of context (date, filters, source), then the table with a bold header.
    Numbers stay numbers; ``number_formats`` (header -> Excel format) says how they are shown.
    ``row_formats`` (one per data row, or None) does the same for a table whose rows are the
    quantities (a comparison of parameters); a column's format wins over its row's."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet[:31]
    row = 1
    for line in meta_lines or []:
        ws.cell(row=row, column=1, value=neutralise(line)).font = Font(italic=True)
        row += 1
    if meta_lines:
        row += 1
    clean = _clean(df)
    for col, name in enumerate(clean.columns, start=1):
        ws.cell(row=row, column=col, value=neutralise(str(name))).font = Font(bold=True)
        ws.column_dimensions[get_column_letter(col)].width = min(60, max(12, len(str(name)) + 2))
    formats = [(number_formats or {}).get(str(name)) for name in clean.columns]
    for i, values in enumerate(clean.itertuples(index=False)):
        row += 1
        by_row = row_formats[i] if row_formats is not None and i < len(row_formats) else None
        for col, value in enumerate(values, start=1):
            if value is None or (not isinstance(value, str) and pd.isna(value)):
                continue  # unknown stays an empty cell, never 0
            cell = ws.cell(row=row, column=col, value=value.item() if hasattr(value, "item") else value)
            if (formats[col - 1] or by_row) and not isinstance(value, str):
                cell.number_format = formats[col - 1] or by_row
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
