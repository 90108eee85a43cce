"""The works register and the departments' tasks: filters, sorting, totals, provenance, one
table spec for the screen and the files, safe downloads."""
import io
from html.parser import HTMLParser

import openpyxl
import pandas as pd
from hypothesis import given, strategies as st

from lib import export, queries, register, sources, tasks
from lib.register import MISSING, REGISTER, Filters


class _TableReader(HTMLParser):
    def __init__(self, name: str | None):
        super().__init__()
        self.name, self.inside, self.part, self.cell = name, False, None, None
        self.head, self.body, self.foot, self.caption = [], [], [], ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and (self.name is None or attrs.get("data-table") == self.name):
            self.inside = True
        elif self.inside and tag in ("thead", "tbody", "tfoot", "caption"):
            self.part = tag
        elif self.inside and tag == "tr":
            if self.part in ("tbody", "tfoot"):
                (self.body if self.part == "tbody" else self.foot).append([])
        elif self.inside and tag in ("td", "th"):
            self.cell = ""
        elif self.inside and tag == "br" and self.cell is not None:
            self.cell += "\n"

    def handle_endtag(self, tag):
        if tag == "table":
            self.inside = False
        elif self.inside and tag in ("td", "th") and self.cell is not None:
            if self.part == "thead":
                self.head.append(self.cell)
            else:
                (self.body if self.part == "tbody" else self.foot)[-1].append(self.cell)
            self.cell = None
        elif self.inside and tag == "caption":
            self.part = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data
        elif self.inside and self.part == "caption":
            self.caption += data


def read_table(html: str, name: str | None = None) -> tuple[pd.DataFrame, list[str], str]:
    """A ct07-table as the room reads it: (body rows under their headers, the totals row, the caption)."""
    r = _TableReader(name)
    r.feed(html)
    return pd.DataFrame(r.body, columns=r.head), (r.foot[0] if r.foot else []), r.caption


def test_filters_combine_and_missing_is_an_option(db):
    works = queries.works(db)
    f = register.apply(works, Filters(stages=("dang_thi_cong",)))
    assert set(f["stage"]) == {"dang_thi_cong"} and len(f) == 4
    no_stage = register.apply(works, Filters(stages=(MISSING,)))
    assert no_stage["stage"].isna().all() and len(no_stage) == works["stage"].isna().sum()
    both = register.apply(works, Filters(stages=("dang_thi_cong",), categories=("thoat_nuoc",)))
    assert set(both["id"]) == {"XH-10", "XH-11"}
    by_year = register.apply(works, Filters(years=("2022",)))
    assert set(by_year["expected_year"].astype(int)) == {2022}
    assert MISSING in register.options(works, "expected_year")
    assert register.options(works, "funding_source") == [MISSING]  # the report names no funding source


def test_search_ignores_case_and_accents(db):
    works = queries.works(db)
    assert set(register.apply(works, Filters(search="thang po"))["id"]) == {"XH-12"}
    assert set(register.apply(works, Filters(search="MƯƠNG"))["id"]) == {"XH-08", "XH-10", "XH-11"}
    assert set(register.apply(works, Filters(search="duong giao thong"))["id"]) >= {"GT-01"}
    assert register.apply(works, Filters(search="xh-09"))["id"].tolist() == ["XH-09"]
    assert register.apply(works, Filters(search="<script>")).empty


def test_flagged_only(db):
    works = queries.works(db)
    out = register.apply(works, Filters(flagged_only=True, flagged_ids=frozenset({"GT-01"})))
    assert out["id"].tolist() == ["GT-01"]


def test_sort_puts_unknown_last_both_ways(db):
    works = queries.works(db)
    desc = register.sort(works, "investment", descending=True)
    assert desc.iloc[0]["id"] == "XH-02"  # 38,5 tỷ
    assert desc["total_investment_vnd"].iloc[-1] is pd.NA or pd.isna(desc["total_investment_vnd"].iloc[-1])
    asc = register.sort(works, "investment")
    assert asc.iloc[0]["id"] == "XH-09"  # 0,264 tỷ
    assert pd.isna(asc["total_investment_vnd"].iloc[-1])
    assert register.sort(works, "report")["id"].tolist()[:3] == ["GT-01", "GT-02", "XH-01"]


def test_totals_follow_the_filters(db):
    works = queries.works(db)
    tl = register.apply(works, Filters(search="Trà Lĩnh"))
    tot = register.totals(tl)
    assert tot.n == len(tl)
    assert tot.investment_vnd == int(tl["total_investment_vnd"].dropna().sum())
    assert tot.n_missing_amount == int(tl["total_investment_vnd"].isna().sum())
    nothing = register.totals(works[works["kind"] == "nhiem_vu_quy_hoach"])
    assert nothing.investment_vnd is None  # all unknown: not 0


def test_register_table_reads_whole_and_honest(db):
    works = queries.works(db)
    html = REGISTER.html(register.register_rows(works, "vi"), "vi", total=register.register_total(works, "vi"))
    rows, total, _ = read_table(html, "register")
    rows = rows.set_index("Mã")
    assert rows.loc["XH-04", "Tổng mức đầu tư (tỷ đồng)"] == "1,036"
    assert rows.loc["GT-01", "Tổng mức đầu tư (tỷ đồng)"] == "10,000"   # one precision: 3 decimals, fixed
    assert rows.loc["XH-03", "Tổng mức đầu tư (tỷ đồng)"] == "chưa có số liệu"
    assert rows.loc["GT-01", "Địa bàn"] == "Chưa rõ địa bàn"
    assert rows.loc["XH-02", "Địa bàn"].endswith("(suy luận)")
    long_name = works.set_index("id").loc["QH-02", "name"]
    assert rows.loc["QH-02", "Tên công trình, nhiệm vụ"] == long_name and len(long_name) > 100  # never cut
    known = works["total_investment_vnd"].dropna().sum() / 1e9
    assert total[0] == "Tổng" and total[rows.columns.get_loc("Tổng mức đầu tư (tỷ đồng)") + 1] == \
        f"{known:,.3f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    assert "5 chưa có số liệu vốn" in total[1]
    assert "chưa có số liệu" not in total                # no "unknown" filler in the totals row
    en = REGISTER.html(register.register_rows(works, "en"), "en")
    assert "Investment (billion VND)" in en


def test_register_file_frame_keeps_amounts_numeric_and_unknown_empty(db):
    works = queries.works(db)
    data = REGISTER.file_frame(register.register_rows(works, "vi", {"GT-01": "red"}), "vi")
    data = data.set_index("Mã")
    amount = data["Tổng mức đầu tư (tỷ đồng)"]
    assert str(amount.dtype) == "Float64"
    assert amount["XH-04"] == 1.036 and isinstance(float(amount["XH-04"]), float)
    assert pd.isna(amount["XH-03"])                       # unknown: empty, never 0
    assert str(data["Dự kiến hoàn thành"].dtype) == "Int64" and data.loc["XH-09", "Dự kiến hoàn thành"] == 2022
    assert pd.isna(data.loc["CT-01", "Dự kiến hoàn thành"])
    assert "Dự kiến ban đầu (mốc gốc)" in data.columns and "Ghi chú nguồn" in data.columns  # file-only columns
    assert data.loc["GT-01", "Cảnh báo"] == "Đỏ" and data.loc["XH-04", "Cảnh báo"] == ""
    assert data["Nguồn"].str.startswith("Báo cáo sơ kết 01 năm").all()
    assert REGISTER.number_formats("vi")["Tổng mức đầu tư (tỷ đồng)"] == "#,##0.000"


def test_register_html_escapes_a_hostile_name(db):
    works = queries.works(db).head(2).copy()
    hostile = "<img src=x onerror=alert(1)> and **bold** [link](http://x)"
    works.loc[works.index[0], "name"] = hostile
    html = REGISTER.html(register.register_rows(works, "vi"), "vi")
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "**bold** [link](http://x)" in html            # Markdown stays text
    rows, _, _ = read_table(html, "register")
    assert rows.iloc[0]["Tên công trình, nhiệm vụ"] == hostile


def test_sources_read_as_documents_not_file_paths(db):
    for ref in db.query("SELECT source FROM indicator_value WHERE NOT is_demo")["source"]:
        text = sources.document(ref)
        assert not any(bit in text for bit in (".md", ".csv", "shared/", "data/", "reference/")), text
        assert "Tài liệu tổng hợp về phân loại đô thị, mục 4" in text
    assert sources.document("shared/reference/urban-classification.md, mục 4 (thị trấn Trà Lĩnh, 2019)") == \
        "Tài liệu tổng hợp về phân loại đô thị, mục 4 (thị trấn Trà Lĩnh, 2019)"
    assert sources.document("Mục III.1, tiểu mục 1.1 (Về các công trình hạ tầng giao thông)").startswith(
        "Báo cáo sơ kết 01 năm Chương trình 07 (12/2022), mục III.1, tiểu mục 1.1")
    assert sources.document("Niên giám thống kê 2024, tr. 12") == "Niên giám thống kê 2024, tr. 12"
    assert sources.document(None) == ""


def test_tasks_table_shows_every_task_whole(db):
    tasks_df = queries.department_tasks(db)
    rows = tasks.task_rows(tasks_df, "vi")
    spec, shared = tasks.screen_table(rows)
    html = spec.html(rows, "vi")
    import html as html_lib
    for text in tasks_df["task"]:
        assert html_lib.escape(text) in html               # the whole text, not cut
    table, _, _ = read_table(html, "tasks")
    assert table["Nhiệm vụ được giao"].tolist() == tasks_df["task"].tolist()
    # one source and one remark for all six: said once above the table, kept on every row of the file
    assert set(shared) == {"note", "source"} and "Nguồn" not in table.columns
    assert shared["source"].startswith("Báo cáo sơ kết 01 năm Chương trình 07 (12/2022), mục III.2.1")
    data = tasks.TASKS.file_frame(rows, "vi")
    assert data["Nguồn"].notna().all() and len(data) == 6


def test_expected_text_shows_a_slip():
    row = pd.Series({"expected_year": 2024, "baseline_year": 2022})
    assert register.expected_text(row) == "2024 (ban đầu 2022)"


def test_detail_names_a_source_for_every_field(db):
    work = queries.works(db).set_index("id").loc["XH-02"]
    work["id"] = "XH-02"
    fields = register.detail_fields(work, "vi")
    assert fields["source"].map(bool).all()
    town = fields[fields["field"] == "Địa bàn"].iloc[0]
    assert town["source"].startswith("Suy luận")
    assert fields[fields["field"] == "Khối lượng thực hiện"].iloc[0]["value"] == "chưa có số liệu"
    name = fields[fields["field"] == "Tên công trình, nhiệm vụ"].iloc[0]
    assert name["source"].startswith("Báo cáo sơ kết 01 năm Chương trình 07 (12/2022), mục III.1")
    assert not fields["source"].str.contains("data/|dữ liệu mặc định").any()


def test_find_work_validates_a_link(db):
    works = queries.works(db)
    assert register.find_work(works, "GT-01") == "GT-01"
    assert register.find_work(works, " gt-01 ") == "GT-01"
    assert register.find_work(works, "bad") is None
    assert register.find_work(works, "<script>") is None and register.find_work(works, None) is None


def test_exports_neutralise_formulas_and_keep_numbers(db):
    works = queries.works(db)
    evil = works.copy()
    evil.loc[evil.index[0], "name"] = '=HYPERLINK("http://x","bấm")'
    rows = REGISTER.file_frame(register.register_rows(evil, "vi"), "vi")
    csv = export.to_csv_bytes(rows).decode("utf-8-sig")
    assert "'=HYPERLINK" in csv and "\n=HYPERLINK" not in csv
    data = export.to_xlsx_bytes(rows, "Danh mục công trình", ["Xuất ngày 01/01/2026"], REGISTER.number_formats("vi"))
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    header = [c.value for c in ws[3]]
    assert header[:2] == ["Mã", "Tên công trình, nhiệm vụ"]
    assert ws.cell(row=4, column=2).value.startswith("'=")
    col = header.index("Tổng mức đầu tư (tỷ đồng)") + 1
    values = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=col).value for r in range(4, ws.max_row + 1)}
    assert values["XH-04"] == 1.036           # a number, in tỷ đồng
    assert values["XH-03"] is None            # unknown: an empty cell, never 0
    assert ws.cell(row=4, column=col).number_format == "#,##0.000"


@given(st.text(max_size=30))
def test_neutralise_never_leaves_a_formula(text):
    out = export.neutralise(text)
    assert not out.startswith(export.FORMULA_START) or out.startswith("'") or out.strip() == "-"
    assert not export._UNSAFE.search(out), "no character a workbook cannot hold"
    assert out.endswith(export._UNSAFE.sub("", text))
