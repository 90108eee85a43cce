"""The works register: filters, sorting, totals, provenance, and safe downloads."""
import io

import openpyxl
import pandas as pd
from hypothesis import given, strategies as st

from lib import export, queries, register
from lib.register import MISSING, Filters


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


def test_display_rows_are_vietnamese_and_honest(db):
    works = queries.works(db)
    rows = register.display_rows(works, "vi").set_index("Mã")
    assert rows.loc["XH-04", "Tổng mức đầu tư (tỷ đồng)"] == "1,036"
    assert rows.loc["XH-03", "Tổng mức đầu tư (tỷ đồng)"] == "chưa có số liệu"
    assert rows.loc["GT-01", "Địa bàn"] == "Chưa rõ địa bàn"
    assert rows.loc["XH-02", "Địa bàn"].endswith("(suy luận)")
    en = register.display_rows(works, "en")
    assert "Investment (billion VND)" in en.columns


def test_expected_text_shows_a_slip():
    row = pd.Series({"expected_year": 2024, "baseline_year": 2022})
    assert register.expected_text(row) == "2024 (ban đầu 2022)"


def test_detail_names_a_source_for_every_field(db):
    work = queries.works(db).set_index("id").loc["XH-02"]
    work["id"] = "XH-02"
    fields = register.detail_fields(work, "vi")
    assert fields["Nguồn"].map(bool).all()
    town = fields[fields["Trường"] == "Địa bàn"].iloc[0]
    assert town["Nguồn"].startswith("Suy luận")
    assert fields[fields["Trường"] == "Khối lượng thực hiện"].iloc[0]["Giá trị"] == "chưa có số liệu"


def test_exports_neutralise_formulas_and_keep_numbers(db):
    works = queries.works(db)
    evil = works.copy()
    evil.loc[evil.index[0], "name"] = '=HYPERLINK("http://x","bấm")'
    rows = register.export_rows(evil, "vi")
    csv = export.to_csv_bytes(rows).decode("utf-8-sig")
    assert "'=HYPERLINK" in csv and "\n=HYPERLINK" not in csv
    data = export.to_xlsx_bytes(rows, "Danh mục công trình", ["Xuất ngày 01/01/2026"])
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    header = [c.value for c in ws[3]]
    assert header[:2] == ["Mã", "Tên công trình, nhiệm vụ"]
    assert ws.cell(row=4, column=2).value.startswith("'=")
    values = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=5).value for r in range(4, ws.max_row + 1)}
    assert values["XH-04"] == 1.036           # a number, in tỷ đồng
    assert values["XH-03"] is None            # unknown: an empty cell, never 0


@given(st.text(max_size=30))
def test_neutralise_never_leaves_a_formula(text):
    out = export.neutralise(text)
    assert not out.startswith(export.FORMULA_START) or out.startswith("'")
    assert out.endswith(text)
