"""Tables that read whole: one column spec per table drives the screen and the files.

A ``Table`` lists its columns once (key in the typed frame, label key, kind, width, wrap).
The same spec gives

* ``Table.html``: the table for the room, an HTML table whose long names and reasons wrap
  instead of being cut, with every data value escaped (nothing a user typed is ever rendered
  as HTML or Markdown);
* ``Table.file_frame``: the same rows for a download, with translated headers, numbers kept
  as numbers (amounts in tỷ đồng as floats, years as integers) and unknown values empty.

Numbers are formatted only at the edge (``Table.cell``): the frames that reach a table hold
typed values (đồng as integers, dates as dates), never pre-formatted text. One precision per
view: every amount of a table uses the table's ``money_decimals``.
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from lib import fmt
from lib.i18n import t

KINDS = ("text", "int", "year", "money", "pct", "date", "marker")
NUMERIC_KINDS = frozenset({"int", "year", "money", "pct"})
MONEY_DECIMALS = 3  # the report gives amounts to the million đồng: 0,001 tỷ đồng


@dataclass(frozen=True)
class Col:
    """One column: ``key`` in the frame, ``label`` a translation key, ``kind`` one of KINDS.

    ``width`` is the column's share of the table width (relative weights), ``wrap`` lets long
    text run onto several lines, ``file``/``screen`` say where the column appears. A ``marker``
    column holds a severity code (red, amber) drawn as a coloured mark with its word."""
    key: str
    label: str
    kind: str = "text"
    width: int = 10
    wrap: bool = True
    screen: bool = True
    file: bool = True
    missing: str = "common.no_data"   # what an unknown value reads; "" leaves the cell blank

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r} for {self.key!r}")


@dataclass(frozen=True)
class Table:
    name: str
    cols: tuple[Col, ...]
    money_decimals: int = MONEY_DECIMALS

    def col(self, key: str) -> Col:
        for c in self.cols:
            if c.key == key:
                return c
        raise KeyError(key)

    def labels(self, lang: str, where: str = "screen") -> list[str]:
        return [self._file_header(c, lang) for c in self._cols(where)]

    def _cols(self, where: str) -> list[Col]:
        return [c for c in self.cols if getattr(c, where)]

    # -- the edge: one value as text ----------------------------------------------------
    def cell(self, col: Col, value, lang: str = "vi") -> str:
        if isinstance(value, str) and col.kind not in ("marker",):
            return value if value.strip() or not col.missing else t(col.missing, lang)
        if fmt.is_missing(value):
            return t(col.missing, lang) if col.missing else ""
        if col.kind == "money":
            return fmt.ty(value, lang, decimals=self.money_decimals, unit=False, strip=False)
        if col.kind == "int":
            return fmt.number(value, 0, lang)
        if col.kind == "year":
            return str(int(value))
        if col.kind == "pct":
            return fmt.percent(value, lang)
        if col.kind == "date":
            return fmt.day(value.date() if isinstance(value, datetime) else value, lang)
        if col.kind == "marker":
            return t(f"flags.severity.{value}", lang) if value in ("red", "amber") else str(value)
        return str(value)

    # -- the screen ---------------------------------------------------------------------
    def html(self, df: pd.DataFrame, lang: str = "vi", *, total: dict | None = None,
             caption: str | None = None, empty: str | None = None) -> str:
        """An HTML table; every value is escaped. ``total`` is a last row (same keys)."""
        cols = self._cols("screen")
        weight = sum(c.width for c in cols) or 1
        out = [f'<table class="ct07-table" data-table="{html.escape(self.name)}">']
        if caption:
            out.append(f"<caption>{html.escape(caption)}</caption>")
        out.append("<colgroup>" + "".join(
            f'<col style="width:{100 * c.width / weight:.1f}%">' for c in cols) + "</colgroup>")
        out.append("<thead><tr>" + "".join(
            f'<th scope="col" class="{_cls(c)}">{html.escape(self._file_header(c, lang))}</th>' for c in cols)
            + "</tr></thead><tbody>")
        records = df.to_dict("records")
        if not records and empty:
            out.append(f'<tr><td colspan="{len(cols)}">{html.escape(empty)}</td></tr>')
        for rec in records:
            out.append(self._row(cols, rec, lang))
        out.append("</tbody>")
        if total is not None:
            out.append("<tfoot>" + self._row(cols, total, lang, tag="td") + "</tfoot>")
        out.append("</table>")
        return "".join(out)

    def _row(self, cols: list[Col], rec: dict, lang: str, tag: str = "td") -> str:
        cells = []
        for c in cols:
            value = rec.get(c.key)
            text = html.escape(self.cell(c, value, lang)).replace("\n", "<br>")
            if c.kind == "marker" and value in ("red", "amber"):
                text = f'<span class="ct07-mark ct07-{value}" aria-hidden="true"></span>{text}'
            missing = fmt.is_missing(value) if not isinstance(value, str) else not value.strip()
            cells.append(f'<{tag} class="{_cls(c)}{" ct07-missing" if missing else ""}">{text}</{tag}>')
        return "<tr>" + "".join(cells) + "</tr>"

    # -- the files ----------------------------------------------------------------------
    def file_frame(self, df: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
        """Translated headers; numbers stay numbers (amounts in tỷ đồng); unknown stays empty."""
        out = {}
        for c in self._cols("file"):
            s = df[c.key] if c.key in df else pd.Series([None] * len(df), index=df.index)
            if c.kind == "money":
                s = pd.to_numeric(s, errors="coerce").astype("Float64") / fmt.TY
            elif c.kind in ("int", "year"):
                s = pd.to_numeric(s, errors="coerce").astype("Int64")
            elif c.kind == "pct":
                s = pd.to_numeric(s, errors="coerce").astype("Float64")
            elif c.kind == "date":
                s = s.map(lambda v: None if fmt.is_missing(v) else (v.date() if isinstance(v, datetime) else v))
            elif c.kind == "marker":
                s = s.map(lambda v: "" if fmt.is_missing(v) else self.cell(c, v, lang))
            else:
                s = s.map(lambda v: None if fmt.is_missing(v) else str(v))
            out[self._file_header(c, lang)] = s.values
        return pd.DataFrame(out)

    @staticmethod
    def _file_header(c: Col, lang: str) -> str:
        """The label, on the screen and in the files; an amount column says its unit (tỷ đồng) once."""
        label, unit = t(c.label, lang), t("unit.ty_dong", lang)
        return f"{label} ({unit})" if c.kind == "money" and unit not in label else label

    def number_formats(self, lang: str = "vi") -> dict[str, str]:
        """Excel number formats of the file columns, by header."""
        formats = {}
        for c in self._cols("file"):
            header = self._file_header(c, lang)
            if c.kind == "money":
                formats[header] = "#,##0." + "0" * self.money_decimals
            elif c.kind in ("int",):
                formats[header] = "#,##0"
            elif c.kind == "year":
                formats[header] = "0"
            elif c.kind == "pct":
                formats[header] = "0.0"
            elif c.kind == "date":
                formats[header] = "dd/mm/yyyy"
        return formats


def _cls(c: Col) -> str:
    parts = [f"k-{c.kind}"]
    if c.kind in NUMERIC_KINDS:
        parts.append("num")
    if not c.wrap:
        parts.append("nowrap")
    return " ".join(parts)

