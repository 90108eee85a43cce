"""Draw a table of lib/tables.py: the HTML table for the room and its downloads, from one spec."""
from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from lib import export, fmt
from lib.tables import Table
from ui.frame import Ctx


def show(ctx: Ctx, table: Table, rows: pd.DataFrame, *, total: dict | None = None,
         caption: str | None = None, empty: str | None = None) -> None:
    """The table, whole: long text wraps, nothing is cut, every value is escaped."""
    st.html(table.html(rows, ctx.lang, total=total, caption=caption, empty=empty))


PAGE_ROWS = 50  # rows a room reads on one screen; the downloads always hold every row


def show_paged(ctx: Ctx, table: Table, rows: pd.DataFrame, *, key: str, total: dict | None = None,
               page_rows: int = PAGE_ROWS) -> None:
    """``show`` for a list that can be long (a province has thousands of works): ``page_rows`` rows
    at a time, with "rows a–b of n" and the page picker under the table (Streamlit's pagination).
    The total row counts every row, not the page's."""
    if len(rows) <= page_rows:
        show(ctx, table, rows, total=total)
        return
    n_pages = -(-len(rows) // page_rows)
    slot = st.container()
    page = st.pagination(n_pages, key=key, max_visible_pages=9)
    first = (page - 1) * page_rows
    part = rows.iloc[first:first + page_rows]
    with slot:
        show(ctx, table, part, total=total,
             caption=ctx.tr("table.page_rows", first=fmt.number(first + 1, 0, ctx.lang),
                            last=fmt.number(first + len(part), 0, ctx.lang), n=fmt.number(len(rows), 0, ctx.lang)))


def downloads(ctx: Ctx, table: Table, rows: pd.DataFrame, *, stem: str, sheet: str,
              meta: list[str] | None = None, key: str) -> None:
    """Excel and CSV of the same rows and columns; numbers stay numbers, formulas are neutralised.
    The files are made when a button is clicked (a callable, and no rerun: a rerun would replace the
    callable the browser is fetching), not on every rerun of the page."""
    lang = ctx.lang

    def data() -> pd.DataFrame:  # the file's rows, made on the click too (a province's thousands of rows)
        return table.file_frame(rows, lang)

    meta = meta or [ctx.tr("table.export_meta", today=fmt.day(date.today(), ctx.lang),
                           as_of=fmt.as_of(ctx.as_of, ctx.as_of_precision, ctx.lang))]
    c1, c2, _ = st.columns([1.2, 1.2, 3])
    c1.download_button(ctx.tr("table.download_xlsx"), key=f"{key}_xlsx",
                       data=lambda: export.to_xlsx_bytes(data(), sheet, meta, table.number_formats(lang)),
                       file_name=f"{stem}.xlsx", icon=":material/download:",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", on_click="ignore")
    c2.download_button(ctx.tr("table.download_csv"), key=f"{key}_csv", data=lambda: export.to_csv_bytes(data()),
                       file_name=f"{stem}.csv", mime="text/csv", icon=":material/download:", on_click="ignore")
