"""One column spec per table: the screen (escaped HTML that wraps) and the files (numbers stay numbers)."""
import html
import io
import re

import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st
from openpyxl import load_workbook

from lib import export
from lib.tables import Col, Table

SPEC = Table("t", (
    Col("id", "register.col_id", width=8, wrap=False),
    Col("name", "register.col_name", width=40),
    Col("amount", "register.col_investment", kind="money", width=12),
    Col("year", "register.col_expected", kind="year", width=10),
    Col("sev", "register.col_flag", kind="marker", width=10, missing=""),
    Col("note", "register.col_note", width=20, screen=False),
))
ROWS = pd.DataFrame({
    "id": ["GT-01", "XH-04", "QH-01"],
    "name": ["Đường giao thông tổ 2 - tổ 3", "Trụ sở", "Quy hoạch chung"],
    "amount": pd.array([10_000_000_000, 1_036_000_000, None], dtype="Int64"),
    "year": pd.array([2023, None, None], dtype="Int64"),
    "sev": ["red", None, "amber"],
    "note": ["=1+1", None, "ghi chú"],
})


def _cells(markup: str) -> list[list[str]]:
    body = markup.split("<tbody>")[1].split("</tbody>")[0]
    return [[html.unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
            for row in re.findall(r"<tr>(.*?)</tr>", body)]


def test_screen_formats_at_the_edge_with_one_precision_and_unknown_as_words():
    cells = _cells(SPEC.html(ROWS, "vi"))
    assert cells[0] == ["GT-01", "Đường giao thông tổ 2 - tổ 3", "10,000", "2023", "Đỏ"]
    assert cells[1][2] == "1,036" and cells[1][3] == "chưa có số liệu" and cells[1][4] == ""
    assert cells[2][2] == "chưa có số liệu", "an unknown amount never reads 0"
    assert "ghi chú" not in SPEC.html(ROWS, "vi"), "file-only columns stay off the screen"
    assert _cells(SPEC.html(ROWS, "en"))[1][2] == "1.036"


def test_screen_table_wraps_long_text_and_right_aligns_numbers():
    markup = SPEC.html(ROWS, "vi")
    assert 'class="ct07-table"' in markup and "<colgroup>" in markup
    assert re.search(r'<td class="k-money num', markup)
    assert re.search(r'<td class="k-text nowrap', markup), "an id column does not wrap"
    assert re.search(r'<td class="k-text">Đường', markup), "a name column wraps"


def test_total_row_and_empty_message():
    markup = SPEC.html(ROWS.iloc[:0], "vi", empty="Không có công trình nào",
                       total={"id": "Cộng", "amount": 11_036_000_000})
    assert "Không có công trình nào" in markup
    assert "<tfoot>" in markup and "11,036" in markup


def test_files_keep_numbers_as_numbers_and_unknown_empty():
    frame = SPEC.file_frame(ROWS, "vi")
    money = "Tổng mức đầu tư (tỷ đồng)"
    assert list(frame.columns)[2] == money, "the unit is said once"
    assert len(frame.columns) == 6, "file-only columns are in the files"
    assert frame[money].iloc[1] == pytest.approx(1.036)
    assert pd.isna(frame[money].iloc[2])
    book = load_workbook(io.BytesIO(export.to_xlsx_bytes(frame, "s", None, SPEC.number_formats("vi"))))
    ws = book.active
    header = [c.value for c in ws[1]]
    col = header.index(money) + 1
    assert isinstance(ws.cell(row=3, column=col).value, float)
    assert ws.cell(row=3, column=col).number_format == "#,##0.000"
    assert ws.cell(row=4, column=col).value is None, "unknown stays an empty cell, never 0"
    note_col = [c for c in frame.columns if c not in (money,)][-1]
    assert ws.cell(row=2, column=header.index(note_col) + 1).value == "'=1+1", "formulas are neutralised"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_any_text_shows_as_text(text):
    rows = pd.DataFrame({"id": ["X"], "name": [text], "amount": [None], "year": [None], "sev": [None], "note": [None]})
    markup = SPEC.html(rows, "vi")
    cell = re.search(r'<td class="k-text">(.*?)</td>', markup, re.S)
    shown = html.unescape(cell.group(1).replace("<br>", "\n")) if cell else ""
    assert "<" not in cell.group(1).replace("<br>", "") if cell else True, "no tag from data reaches the page"
    if text.strip():
        assert shown == text


def test_hostile_text_is_escaped():
    evil = '<img src=x onerror=alert(1)> **bold** [link](http://x) ![i](http://x/i.png)'
    rows = ROWS.assign(name=[evil, "a", "b"])
    markup = SPEC.html(rows, "vi")
    assert "<img" not in markup and "&lt;img src=x onerror=alert(1)&gt;" in markup
    assert _cells(markup)[0][1] == evil, "Markdown stays literal text"


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        Col("x", "y", kind="colour")


def test_files_of_a_table_neutralise_formulas_in_cells_and_headers():
    import csv

    spec = Table("hostile", (Col("name", "register.col_name"), Col("note", "register.col_note", width=10)))
    cells = ['=HYPERLINK("http://evil.example")', "+1", "-x", "@SUM(A1)", "\tx", "\rx", "-", "bình thường"]
    data = spec.file_frame(pd.DataFrame({"name": cells, "note": cells}))
    data.columns = ["=A1", "@b"]                  # a header made of user text (a scenario's name)
    rows = list(csv.reader(io.StringIO(export.to_csv_bytes(data).decode("utf-8-sig"), newline="")))
    starts = export.FORMULA_START
    assert [c for r in rows for c in r if c.startswith(starts) and c != "-"] == []
    assert rows[1][0] == "'" + cells[0]             # the text itself is kept, after the apostrophe
    ws = load_workbook(io.BytesIO(export.to_xlsx_bytes(data, "s", ["=meta"]))).active
    values = [c.value for r in ws.iter_rows() for c in r if isinstance(c.value, str)]
    assert [v for v in values if v.startswith(starts) and v != "-"] == []
    assert all(c.data_type != "f" for r in ws.iter_rows() for c in r)
