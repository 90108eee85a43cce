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


def downloads(ctx: Ctx, table: Table, rows: pd.DataFrame, *, stem: str, sheet: str,
              meta: list[str] | None = None, key: str) -> None:
    """Excel and CSV of the same rows and columns; numbers stay numbers, formulas are neutralised."""
    data = table.file_frame(rows, ctx.lang)
    meta = meta or [ctx.tr("table.export_meta", today=fmt.day(date.today(), ctx.lang),
                           as_of=fmt.as_of(ctx.as_of, ctx.as_of_precision, ctx.lang))]
    c1, c2, _ = st.columns([1.2, 1.2, 3])
    c1.download_button(ctx.tr("table.download_xlsx"), key=f"{key}_xlsx",
                       data=export.to_xlsx_bytes(data, sheet, meta, table.number_formats(ctx.lang)),
                       file_name=f"{stem}.xlsx", icon=":material/download:",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    c2.download_button(ctx.tr("table.download_csv"), key=f"{key}_csv", data=export.to_csv_bytes(data),
                       file_name=f"{stem}.csv", mime="text/csv", icon=":material/download:")
