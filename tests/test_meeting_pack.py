"""The meeting pack (.docx): read back with python-docx, checked for what a reader notices."""
import csv
import dataclasses
import io
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import docx
import openpyxl
import pytest

from lib import criteria, flags, meeting_pack, scenario_report, whatif
from lib.docx_common import clean_text, date_line, place_from_issuer
from lib.fmt import TY
from lib.scenario import Scenario
from lib.seed import open_database
from tests.auth_helpers import admin, editor  # noqa: E402,F401

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "seed"
EVAL = date(2024, 1, 1)
DRAFTED = date(2026, 2, 5)
HOSTILE = "<script>x</script> **bold** =cmd|' /C calc'!A0"


def _csv(name: str) -> list[dict]:
    with open(SEED / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def vi_ty(vnd: str, unit: bool = True) -> str:
    """Independent of lib.fmt: đồng -> tỷ đồng with three decimals, ',' for decimals, '.' for thousands."""
    text = f"{Decimal(vnd) / Decimal(10**9):,.3f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return f"{text} tỷ đồng" if unit else text


def _build(db, **kw) -> bytes:
    args = {"period_id": None, "towns": None, "eval_date": EVAL, "drafted_on": DRAFTED}
    return meeting_pack.build_pack(db, **{**args, **kw})


def _open(data: bytes):
    return docx.Document(io.BytesIO(data))


def _texts(d) -> list[str]:
    return [p.text for p in d.paragraphs]


def _all_text(d) -> str:
    cells = [c.text for t in d.tables for r in t.rows for c in r.cells]
    return "\n".join(_texts(d) + cells)


def _annex(d):
    return d.tables[-1]


def _section(texts: list[str], start: str, end: str) -> list[str]:
    i = next(k for k, x in enumerate(texts) if x.startswith(start))
    j = next(k for k, x in enumerate(texts) if k > i and x.startswith(end))
    return texts[i:j]


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    """The pack of the default data, built once for the read-only checks."""
    database = open_database(tmp_path_factory.mktemp("pack") / "pack.duckdb")
    try:
        data = _build(database)
        expected_flagged = set(flags.evaluate(database, EVAL)["work_id"])
    finally:
        database.close()
    return {"bytes": data, "doc": _open(data), "flagged": expected_flagged}


# -- the look of an administrative document (ND 30/2020) -------------------------------------------

def test_header_has_the_national_motto_number_and_date(pack):
    d = pack["doc"]
    left, right = d.tables[0].rows[0].cells
    assert "HUYỆN ỦY TRÙNG KHÁNH" in left.text and "BAN CHỈ ĐẠO CHƯƠNG TRÌNH 07" in left.text
    assert right.paragraphs[0].text == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    motto = right.paragraphs[1]
    assert motto.text == "Độc lập - Tự do - Hạnh phúc"
    assert all(r.bold and r.underline for r in motto.runs)
    number, when = d.tables[0].rows[1].cells
    assert number.text == "Số: …/BC-BCĐ"
    assert when.text == "Trùng Khánh, ngày 05 tháng 02 năm 2026" and all(r.italic for r in when.paragraphs[0].runs)
    texts = _texts(d)
    assert "BÁO CÁO" in texts
    subtitle = texts[texts.index("BÁO CÁO") + 1]
    assert subtitle.startswith("Tình hình thực hiện Chương trình trọng tâm số 07") and "tháng 12/2022" in subtitle


def test_a4_margins_and_times_new_roman(pack):
    d = pack["doc"]
    for s in d.sections:
        assert sorted([round(s.page_width.cm, 1), round(s.page_height.cm, 1)]) == [21.0, 29.7]
        assert round(s.top_margin.cm, 1) == 2.0 and round(s.bottom_margin.cm, 1) == 2.0
        assert round(s.left_margin.cm, 1) == 3.0 and 1.5 <= round(s.right_margin.cm, 1) <= 2.0
    assert d.sections[0].page_width < d.sections[0].page_height  # the report itself is portrait
    normal = d.styles["Normal"].font
    assert normal.name == "Times New Roman" and normal.size.pt == 14
    fonts = {r.font.name for p in d.paragraphs for r in p.runs} | {
        r.font.name for t in d.tables for row in t.rows for c in row.cells for p in c.paragraphs for r in p.runs}
    assert fonts <= {None, "Times New Roman"}  # None: the Normal style's font
    sizes = {r.font.size.pt for row in _annex(d).rows for c in row.cells for p in c.paragraphs for r in p.runs}
    assert sizes == {13}
    header = d.sections[0].header.paragraphs[0]._p.xml
    assert "PAGE" in header and d.sections[0].different_first_page_header_footer


# -- the figures --------------------------------------------------------------------------------------

def test_annex_has_one_row_per_work(pack):
    works = _csv("works.csv")
    table = _annex(pack["doc"])
    assert len(table.rows) == len(works) + 1 == 19
    header = [c.text for c in table.rows[0].cells]
    assert header[:7] == ["STT", "Mã", "Tên công trình, dự án, nhiệm vụ", "Địa bàn", "Tổng mức đầu tư (tỷ đồng)",
                          "Giai đoạn", "Năm dự kiến hoàn thành"]
    assert header[7].startswith("Cảnh báo") and "01/01/2024" in header[7]
    rows = [[c.text for c in r.cells] for r in table.rows[1:]]
    assert [r[0] for r in rows] == [str(i) for i in range(1, len(works) + 1)]
    assert sorted(r[1] for r in rows) == sorted(w["id"] for w in works)
    by_id = {r[1]: r for r in rows}
    assert by_id["XH-02"][3] == "Thị trấn Trà Lĩnh (suy luận)" and by_id["GT-01"][3] == "Chưa rõ địa bàn"
    assert by_id["XH-04"][5] == "Đã bàn giao" and by_id["XH-04"][7] == "Không có"
    assert by_id["XH-09"][6] == "2022" and by_id["XH-09"][7].startswith("Đỏ: Quá hạn")


def test_every_amount_of_the_report_reads_the_vietnamese_way(pack):
    d = pack["doc"]
    text = _all_text(d)
    rows = {r.cells[1].text: r.cells[4].text for r in _annex(d).rows[1:]}
    amounts = [w for w in _csv("works.csv") if w["total_investment_vnd"]]
    assert len(amounts) == 13
    for w in amounts:
        assert f"Tổng mức đầu tư: {vi_ty(w['total_investment_vnd'])}" in text, w["id"]
        assert rows[w["id"]] == vi_ty(w["total_investment_vnd"], unit=False), w["id"]
    assert vi_ty("1036000000") == "1,036 tỷ đồng" and vi_ty("35600000000") == "35,600 tỷ đồng"
    total = sum(int(w["total_investment_vnd"]) for w in amounts)
    assert f"{vi_ty(str(total))};" in text  # the summary of section III


def test_unknown_amounts_read_no_data_never_zero(pack):
    d = pack["doc"]
    unknown = [w for w in _csv("works.csv") if not w["total_investment_vnd"]]
    assert {w["id"] for w in unknown} == {"XH-03", "CT-01", "CT-02", "QH-01", "QH-02"}
    rows = {r.cells[1].text: [c.text for c in r.cells] for r in _annex(d).rows[1:]}
    for w in unknown:
        assert rows[w["id"]][4] == "chưa có số liệu"
        prose = next(x for x in _texts(d) if x.startswith(f"- {w['name']}"))
        assert "Tổng mức đầu tư: chưa có số liệu" in prose and "0,000" not in prose
    assert not any(r[4] in ("0", "0,000", "") for r in rows.values())
    assert "Năm dự kiến hoàn thành: chưa có số liệu" in _all_text(d)  # CT-01: no year either


def test_sections_follow_the_report_with_placeholders_and_dates(pack):
    texts = _texts(pack["doc"])
    heads = [x for x in texts if x[:3] in ("I. ", "II.", "III", "IV.", "V. ")]
    assert heads == ["I. KHÁI QUÁT ĐẶC ĐIỂM TÌNH HÌNH", "II. CÔNG TÁC LÃNH ĐẠO, CHỈ ĐẠO", "III. KẾT QUẢ THỰC HIỆN",
                     "IV. ĐÁNH GIÁ CHUNG", "V. NHIỆM VỤ, GIẢI PHÁP TRONG THỜI GIAN TỚI"]
    stamp = "Số liệu tính đến tháng 12/2022; nguồn: Sơ kết 01 năm (tháng 12/2022)."
    assert texts.count(stamp) == 6  # each of the five sections and the annex
    assert texts.count("[Ban Chỉ đạo bổ sung nội dung]") >= 4  # I, II, IV.1, V
    groups = [x for x in texts if x.startswith("1.") and x[3:5] == ". "]
    assert groups == ["1.1. Hạ tầng giao thông", "1.2. Hạ tầng xã hội", "1.3. Chỉnh trang đô thị", "1.4. Quy hoạch"]
    gt01 = next(x for x in texts if x.startswith("- Đường giao thông tổ 2 - tổ 3"))
    assert "Quy mô: Chiều dài 284,16 m" in gt01 and "Giai đoạn: Đang GPMB" in gt01 and "năm 2023" in gt01
    tasks = _section(texts, "2.1. Nhiệm vụ", "IV.")
    assert sum(x.startswith("- ") for x in tasks) == len(_csv("department_tasks.csv"))


def test_flags_list_each_flagged_work_once_with_the_report_causes(pack):
    texts = _texts(pack["doc"])
    part = _section(texts, "2.1. Công trình có cảnh báo", "2.2. Nguyên nhân")
    entries = [x for x in part if x.startswith("- ")]
    expected = pack["flagged"]
    assert len(expected) == 15 and len(entries) == len(expected)
    for wid in expected:
        assert sum(x.startswith(f"- {wid} – ") for x in entries) == 1, wid
    xh09 = next(x for x in entries if x.startswith("- XH-09 – "))
    assert "(cảnh báo đỏ)" in xh09 and "Quá hạn" in xh09 and "Lâu chưa cập nhật" in xh09
    gt01 = next(x for x in entries if x.startswith("- GT-01 – "))
    assert "Nguyên nhân: GPMB và đền bù (suy ra từ giai đoạn)." in gt01
    assert "Thiếu số liệu: Thiếu số liệu" not in "\n".join(entries)
    assert entries.index(xh09) < entries.index(gt01)  # red first
    causes = _section(texts, "2.2. Nguyên nhân", "V.")
    for c in _csv("delay_causes.csv"):
        if c["report_text"]:
            assert sum(x.startswith(f"- {c['report_text']}") for x in causes) == 1


def test_charts_are_embedded_as_images(pack):
    d = pack["doc"]
    assert len(d.inline_shapes) >= 1
    texts = _texts(d)
    assert "Hình 1. Công trình, nhiệm vụ theo giai đoạn" in texts
    assert "Hình 2. Tổng mức đầu tư theo giai đoạn (tỷ đồng)" in texts


# -- scope, failures, hostile text --------------------------------------------------------------------

def test_town_filter_restricts_the_annex_and_a_failed_chart_still_gives_a_pack(db):
    model = meeting_pack.gather(db, period_id="2022-12", towns=["tra-linh"], eval_date=EVAL, drafted_on=DRAFTED)
    with pytest.raises(AttributeError):
        model.n_works = 0  # frozen

    def broken(spec_json: str) -> bytes:
        raise RuntimeError("no renderer")

    d = _open(meeting_pack.write_pack(model, render=broken))
    expected = {r["work_id"] for r in _csv("work_areas.csv") if r["area_id"] == "tra-linh"}
    ids = [r.cells[1].text for r in _annex(d).rows[1:]]
    assert len(ids) == len(expected) == 5 and set(ids) == expected
    texts = _texts(d)
    assert "(Phạm vi: Thị trấn Trà Lĩnh)" in texts
    assert len(d.inline_shapes) == 0
    assert sum("Không vẽ được biểu đồ" in x for x in texts) == 2
    flagged = [x for x in _section(texts, "2.1. Công trình có cảnh báo", "2.2. Nguyên nhân") if x.startswith("- ")]
    assert {x[2:7] for x in flagged} <= expected

    # text XML cannot hold (a lone surrogate, control characters) anywhere in the model is dropped
    odd = dataclasses.replace(model, programme_name="CT07\ud800\x01", letterhead=dataclasses.replace(
        model.letterhead, body="BCĐ\x0c07"))
    d = _open(meeting_pack.write_pack(odd, render=broken))
    assert "BCĐ07" in d.tables[0].rows[0].cells[0].text and any("CT07, tính đến" in x for x in _texts(d))


def test_hostile_note_is_written_as_literal_text(db):
    note = HOSTILE + "\x07\x0b tail"

    def add(cur):
        cur.execute("INSERT INTO status_update (work_id, period_id, as_of, stage, expected_year, note, entered_by) "
                    "VALUES ('XH-09', '2022-12', DATE '2022-12-31', 'dang_thi_cong', 2022, ?, 'test')", [note])
    db.write(admin(db), "hostile note", add)
    data = _build(db)
    d = _open(data)  # the file still opens
    prose = next(x for x in _texts(d) if x.startswith("- Cải tạo, nâng cấp sân thể thao thị trấn Trà Lĩnh"))
    assert f"Ghi chú: {HOSTILE} tail" in prose
    assert "\x07" not in _all_text(d) and "\x0b" not in _all_text(d)
    with io.BytesIO(data) as buf:
        import zipfile
        xml = zipfile.ZipFile(buf).read("word/document.xml").decode("utf-8")
    assert "&lt;script&gt;x&lt;/script&gt; **bold** =cmd|' /C calc'!A0" in xml and "<script>" not in xml


def test_clean_text_and_dates():
    assert clean_text("a\x00b\x07c\x0b\x1fd\ud800e\ufffef\tg\nh") == "abcdef\tg\nh"
    assert clean_text(None) == "" and clean_text("Trùng Khánh 🏗") == "Trùng Khánh 🏗"
    assert date_line("Trùng Khánh", date(2026, 2, 5)) == "Trùng Khánh, ngày 05 tháng 02 năm 2026"
    assert date_line("Trùng Khánh", date(2026, 3, 9)) == "Trùng Khánh, ngày 09 tháng 3 năm 2026"
    assert date_line("Trùng Khánh", date(2026, 11, 20)) == "Trùng Khánh, ngày 20 tháng 11 năm 2026"
    assert place_from_issuer("Huyện ủy Trùng Khánh") == "Trùng Khánh"
    assert place_from_issuer(None, "X") == "X"


# -- scenario minutes and the comparison workbook ----------------------------------------------------

def _scenario_items(db):
    a = Scenario(2023, 2030, state_budget_vnd=12.5 * TY, non_state_vnd=2 * TY)
    b = Scenario(2023, 2030, state_budget_vnd=20.5 * TY, rule="pro_rata")
    return [("Kịch bản A", a, whatif.outcomes(db, a, None, criteria.DEFAULT_RULESET, False)),
            ("Ngân sách 20,5 tỷ", b, whatif.outcomes(db, b, None, criteria.DEFAULT_RULESET, False))]


def test_scenario_minutes_docx_has_the_markdown_content(db):
    (name, s, o), _ = _scenario_items(db)
    name += "\x07"  # typed by a user: dropped, not a broken file
    kw = dict(as_of_text="tháng 12/2022", period_label="Sơ kết 01 năm", town_names={}, stage_labels={},
              not_simulated_names={"XH-03": "Bãi rác"}, ruleset_name="NQ 1210", uses_demo=True, lang="vi",
              now=datetime(2026, 2, 5, 9, 30))
    data = meeting_pack.scenario_minutes_docx(name, s, o, head=meeting_pack.letterhead(db), **kw)
    d = _open(data)
    text = _all_text(d)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
    assert "Trùng Khánh, ngày 05 tháng 02 năm 2026" in text
    assert "Giả định của «Kịch bản A»" in text
    for line in ("Vốn ngân sách nhà nước mỗi năm: 12,5 tỷ đồng", "Vốn ngoài ngân sách mỗi năm: 2 tỷ đồng",
                 "Tổng vốn mỗi năm: 14,5 tỷ đồng"):
        assert f"- {line}" in _texts(d)
    markdown = scenario_report.minutes_markdown(clean_text(name), s, o, **kw)
    texts = _texts(d)
    for line in markdown.splitlines():
        line = line.removeprefix("### ").strip("*")
        if line.strip():
            assert any(line == x or line in x for x in texts), line
    assert round(d.sections[0].top_margin.cm, 1) == 2.0 and d.styles["Normal"].font.name == "Times New Roman"


def test_comparison_workbook_keeps_numbers_as_numbers(db):
    items = _scenario_items(db)
    table = scenario_report.comparison_frame(items, {}, {"dang_gpmb": "Đang GPMB"}, "vi", detail=True)
    ws = openpyxl.load_workbook(io.BytesIO(scenario_report.comparison_xlsx(table, ["Lập ngày 05/02/2026"]))).active
    rows = {ws.cell(r, 1).value: [ws.cell(r, c) for c in (2, 3)] for r in range(4, ws.max_row + 1)}
    state = rows["Vốn ngân sách nhà nước mỗi năm"]
    assert [c.value for c in state] == [12.5, 20.5] and all(c.data_type == "n" for c in state)
    assert "tỷ đồng" in state[0].number_format and state[0].number_format.startswith("#,##0.000")
    assert rows["Vốn ngoài ngân sách mỗi năm"][0].value == 2
    assert rows["Đã thực hiện: Đang GPMB"][0].value == 0.1 and rows["Đã thực hiện: Đang GPMB"][0].number_format == "0.0%"
    spent = next(v for k, v in rows.items() if k.startswith("Vốn đã bố trí"))
    assert all(isinstance(c.value, float) for c in spent)
    assert rows["Cách phân bổ vốn"][1].value == "Chia theo tỷ lệ nhu cầu"  # text stays text
    # the frame on the screen is unchanged: formatted text
    assert table.set_index("Thông số, kết quả").loc["Vốn ngân sách nhà nước mỗi năm"].tolist() == [
        "12,5 tỷ đồng", "20,5 tỷ đồng"]
