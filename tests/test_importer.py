"""Spreadsheet import for the secretary (lib/importer.py, ui/import_view.py): templates with
Vietnamese headers, every problem by row and column, all or nothing, idempotent, caps, the
funding-gap flag and the overview's money line fed by the capital plans, and a kill -9 mid-import."""
import io
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from lib import auth, backup, flags, importer, overview, queries
from lib.db import Database
from lib.seed import open_database
from lib.db import ValidationError
from tests.auth_helpers import editor
from tests.conftest import seeded  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
P = "2022-12"   # the seed's reporting period


def texts(problems, lang: str = "vi") -> list[str]:
    """The problems (each a Msg) as they read in ``lang``."""
    from lib.i18n import text_of
    return [text_of(x, lang) for x in problems]


def _tables(db) -> dict[str, int]:
    names = db.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
                     "AND table_type = 'BASE TABLE'")["table_name"]
    return {n: db.scalar(f'SELECT count(*) FROM "{n}"') for n in names}


def _state(db):
    return _tables(db), db.data_version()


def _sheet(data: bytes):
    wb = load_workbook(io.BytesIO(data))
    ws = wb.active
    header = next(r[0].row for r in ws.iter_rows() if r[0].value == "Mã công trình")
    cols = {c.value: c.column for c in ws[header]}
    return wb, ws, header, cols


def _save(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _fill(data: bytes, rows: dict[str, dict]) -> bytes:
    """Fill the template's row of each work: {work_id: {header: value}}."""
    wb, ws, header, cols = _sheet(data)
    for r in ws.iter_rows(min_row=header + 1):
        for h, v in rows.get(r[0].value, {}).items():
            ws.cell(row=r[0].row, column=cols[h]).value = v   # None clears the cell
    return _save(wb)


def _line(data: bytes, work_id: str) -> int:
    _, ws, header, _ = _sheet(data)
    return next(r[0].row for r in ws.iter_rows(min_row=header + 1) if r[0].value == work_id)


def _plan_file(rows: list[list], title: bool = True) -> bytes:
    """A capital-plan sheet typed by hand: a title, the header, ``rows``."""
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append(["Kế hoạch vốn do phòng Tài chính - Kế hoạch gửi"])
        ws.append([])
    ws.append(["Mã công trình", "Tên công trình", "Năm", "Vốn kế hoạch (đồng)", "Đã giải ngân trong năm (đồng)",
               "Quyết định giao vốn", "Ghi chú/Nguồn"])
    for r in rows:
        ws.append(r)
    return _save(wb)


# -- templates -------------------------------------------------------------------------------------

def test_status_template_prefills_every_work_with_the_period_mark_and_no_formula(db):
    db._con.execute("UPDATE work SET name = '=HYPERLINK(\"http://x.invalid\",\"bấm\")' WHERE id = 'GT-02'")  # hostile
    data = importer.template_xlsx(db, "status", P)
    wb, ws, header, cols = _sheet(data)
    top = [c for row in ws.iter_rows(max_row=header - 1, values_only=True) for c in row if c]
    assert top[0].startswith("Mẫu nhập cập nhật kỳ báo cáo")
    assert any(c.startswith(f"Kỳ báo cáo: {P}") for c in top) and any(c.startswith("Hướng dẫn") for c in top)
    assert list(cols)[:8] == ["Mã công trình", "Tên công trình", "Giai đoạn", "Khối lượng thực hiện (%)",
                              "Đã giải ngân lũy kế (đồng)", "Năm dự kiến hoàn thành", "Nguyên nhân chậm", "Ghi chú"]
    body = list(ws.iter_rows(min_row=header + 1, values_only=True))
    assert [r[0] for r in body] == list(db.query("SELECT id FROM work ORDER BY report_order NULLS LAST, id")["id"])
    gt01 = body[0]
    assert gt01[2] == "Đang GPMB" and gt01[5] == 2023          # current values, stage by its label
    cells = [c for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)   # no formula, the hostile name neutralised
    assert "'=HYPERLINK" in "".join(cells)
    assert ws.column_dimensions["B"].width >= 40
    # the untouched template changes nothing
    p = importer.preview(db, "status", data, P)
    assert p.ok and not p.rows and len(p.unchanged) == len(body)


def test_capital_plan_template_lists_recorded_years_or_one_empty_row_per_work(db):
    who = editor(db)
    importer.apply(db, who, "capital_plan", _plan_file([["XH-01", None, 2023, "10.000.000.000", None, "QĐ 1", None],
                                                        ["XH-01", None, 2022, 5_000_000_000, 0, "QĐ 0", None]]))
    _, ws, header, cols = _sheet(importer.template_xlsx(db, "capital_plan"))
    assert list(cols)[:7] == ["Mã công trình", "Tên công trình", "Năm", "Vốn kế hoạch (đồng)",
                              "Đã giải ngân trong năm (đồng)", "Quyết định giao vốn", "Ghi chú/Nguồn"]
    body = list(ws.iter_rows(min_row=header + 1, values_only=True))
    xh01 = [r for r in body if r[0] == "XH-01"]
    assert [(r[2], r[3]) for r in xh01] == [(2022, 5_000_000_000), (2023, 10_000_000_000)]
    assert [r for r in body if r[0] == "GT-01"] == [("GT-01", "Đường giao thông tổ 2 - tổ 3", None, None, None, None,
                                                     None)]
    n_works = db.scalar("SELECT count(*) FROM work")
    assert len(body) == n_works + 1


# -- status updates ----------------------------------------------------------------------------------

def test_status_round_trip_writes_the_rows_then_nothing_the_second_time(db):
    who = editor(db)
    data = importer.template_xlsx(db, "status", P)
    filled = _fill(data, {"GT-01": {"Khối lượng thực hiện (%)": "45,5", "Đã giải ngân lũy kế (đồng)": "1.200.000.000"},
                          "XH-01": {"Giai đoạn": "dang_thi_cong", "Nguyên nhân chậm": "GPMB và đền bù"}})
    p = importer.preview(db, "status", filled, P)
    assert p.ok, p.problems
    assert [r["work_id"] for r in p.rows] == ["GT-01", "XH-01"] and p.rows[0]["line"] == _line(data, "GT-01")
    audits = db.scalar("SELECT count(*) FROM audit_log")
    result = importer.apply(db, who, "status", filled, P)
    assert (result.written, result.work_ids) == (2, ["GT-01", "XH-01"])
    got = db.query("SELECT work_id, period_id, physical_pct, disbursed_vnd, stage, delay_cause, entered_by "
                   "FROM status_update WHERE entered_by = 'Thư ký' ORDER BY work_id")
    assert [{k: importer._plain(v) for k, v in r.items()} for r in got.to_dict("records")] == [
        {"work_id": "GT-01", "period_id": P, "physical_pct": 45.5, "disbursed_vnd": 1_200_000_000,
         "stage": "dang_gpmb", "delay_cause": None, "entered_by": "Thư ký"},
        {"work_id": "XH-01", "period_id": P, "physical_pct": None, "disbursed_vnd": None, "stage": "dang_thi_cong",
         "delay_cause": "gpmb", "entered_by": "Thư ký"}]
    log = db.query("SELECT actor, action, detail, new FROM audit_log ORDER BY id DESC LIMIT 1").iloc[0]
    assert (log["actor"], log["action"]) == ("thu-ky", "import_spreadsheet")
    assert '"kind": "status"' in log["detail"] and f'"period": "{P}"' in log["detail"]
    assert '"file_sha256"' in log["detail"] and '"written": 2' in log["detail"] and "GT-01" in log["new"]
    assert db.scalar("SELECT count(*) FROM audit_log") == audits + 1
    before = _state(db)
    again = importer.apply(db, who, "status", filled, P)
    assert (again.written, again.unchanged) == (0, db.scalar("SELECT count(*) FROM work"))
    assert _state(db) == before                                   # no write, no audit row, same data version
    # the template of the period now shows what was imported
    p = importer.preview(db, "status", importer.template_xlsx(db, "status", P), P)
    assert p.ok and not p.rows


def test_status_rows_follow_the_forms_rules_by_row_and_column(db):
    data = importer.template_xlsx(db, "status", P)
    filled = _fill(data, {
        "GT-01": {"Năm dự kiến hoàn thành": "20x4"},
        "GT-02": {"Khối lượng thực hiện (%)": 150},
        "XH-01": {"Năm dự kiến hoàn thành": 2025, "Ghi chú": None},           # a slip without a reason
        "XH-02": {"Giai đoạn": "Đang bay"},
        "XH-07": {"Nguyên nhân chậm": "thời tiết"},
    })
    p = importer.preview(db, "status", filled, P)
    assert not p.ok and not p.rows and not p.unchanged
    ln = {w: _line(data, w) for w in ("GT-01", "GT-02", "XH-01", "XH-02", "XH-07")}
    assert f"Dòng {ln['GT-01']} (GT-01), cột Năm dự kiến hoàn thành: '20x4' không phải là năm (ví dụ 2025)" \
        in texts(p.problems)
    assert f"Dòng {ln['GT-02']} (GT-02), cột Khối lượng thực hiện (%): 150 phải từ 0 đến 100" in texts(p.problems)
    assert any(x.startswith(f"Dòng {ln['XH-01']} (XH-01), cột Ghi chú: năm dự kiến đổi từ 2023 sang 2025")
               for x in texts(p.problems)), p.problems
    assert any(x.startswith(f"Dòng {ln['XH-02']} (XH-02), cột Giai đoạn: 'Đang bay' không hợp lệ; chọn một trong: "
                            "Quy hoạch") for x in texts(p.problems)), p.problems
    assert any(x.startswith(f"Dòng {ln['XH-07']} (XH-07), cột Nguyên nhân chậm:") for x in texts(p.problems))
    assert [importer._line_of(x) for x in p.problems] == sorted(importer._line_of(x) for x in p.problems)
    # a code is as good as the label; percent typed with its sign
    ok = _fill(data, {"GT-02": {"Giai đoạn": "dang_thi_cong", "Khối lượng thực hiện (%)": "30 %"}})
    p = importer.preview(db, "status", ok, P)
    assert p.ok and p.rows[0]["stage"] == "dang_thi_cong" and p.rows[0]["physical_pct"] == 30



def test_problems_read_in_english_and_in_vietnamese(db):
    data = importer.template_xlsx(db, "status", P)
    filled = _fill(data, {"GT-02": {"Khối lượng thực hiện (%)": 150}, "GT-01": {"Năm dự kiến hoàn thành": "20x4"}})
    p = importer.preview(db, "status", filled, P)
    ln = {w: _line(data, w) for w in ("GT-01", "GT-02")}
    assert texts(p.problems) == [
        f"Dòng {ln['GT-01']} (GT-01), cột Năm dự kiến hoàn thành: '20x4' không phải là năm (ví dụ 2025)",
        f"Dòng {ln['GT-02']} (GT-02), cột Khối lượng thực hiện (%): 150 phải từ 0 đến 100"]
    assert texts(p.problems, "en") == [
        f"Row {ln['GT-01']} (GT-01), column Expected completion year: '20x4' is not a year (e.g. 2025)",
        f"Row {ln['GT-02']} (GT-02), column Physical progress (%): 150 must be between 0 and 100"]
    huge = ("GT-02", None, 2023, 10 ** 400, None, None, None)
    header = ("Mã công trình", "Tên công trình", "Năm", "Vốn kế hoạch (đồng)", "Đã giải ngân trong năm (đồng)",
              "Quyết định giao vốn", "Ghi chú/Nguồn")
    p = importer.preview_cells(db, "capital_plan", [header, huge], None)
    assert texts(p.problems, "en") == ["Row 2 (GT-02), column Planned capital (VND): too large "
                                       "(at most 1,000,000 billion VND)"]
    p = importer.preview(db, "status", importer.template_xlsx(db, "capital_plan"), P)   # the wrong template
    assert all(x.startswith("Thiếu cột") for x in texts(p.problems))
    assert not any("Thiếu" in x for x in texts(p.problems, "en"))
    assert importer.template_name("status", P, "en") == f"status-update-template-{P}.xlsx"
    assert importer.template_name("status", P) == f"mau-cap-nhat-ky-{P}.xlsx"


def test_a_file_of_another_period_or_with_no_mark_is_refused(db):
    db._con.execute("INSERT INTO reporting_period (id, label_vi, as_of, as_of_precision) "
                    "VALUES ('2023-06', 'Kỳ tháng 6/2023', DATE '2023-06-30', 'day')")
    june = importer.template_xlsx(db, "status", "2023-06")
    p = importer.preview(db, "status", june, P)
    assert texts(p.problems) == [f"Tệp này là mẫu của kỳ 2023-06, không phải kỳ {P}: chọn đúng kỳ rồi nhập lại."]
    wb, ws, header, _ = _sheet(june)
    for row in ws.iter_rows(max_row=header - 1):
        for c in row:
            c.value = None
    p = importer.preview(db, "status", _save(wb), "2023-06")
    assert len(p.problems) == 1 and "Kỳ báo cáo" in str(p.problems[0])
    assert str(importer.preview(db, "status", june, "2099-01").problems[0]).startswith("Chưa chọn kỳ báo cáo")
    assert str(importer.preview(db, "status", june, None).problems[0]).startswith("Chưa chọn kỳ báo cáo")
    p = importer.preview(db, "status", importer.template_xlsx(db, "capital_plan"), P)   # the wrong template
    assert p.problems and all("Thiếu cột" in x for x in texts(p.problems))


# -- capital plans ------------------------------------------------------------------------------------

def test_capital_plan_import_then_a_change_replaces_the_row_with_the_old_values_audited(db):
    who = editor(db)
    data = _fill(importer.template_xlsx(db, "capital_plan"), {
        "XH-01": {"Năm": 2023, "Vốn kế hoạch (đồng)": "12.500.000.000", "Đã giải ngân trong năm (đồng)": 4e9,
                  "Quyết định giao vốn": "QĐ 123/QĐ-UBND", "Ghi chú/Nguồn": "Sở KH-ĐT"},
        "GT-02": {"Năm": "2023", "Vốn kế hoạch (đồng)": 3_800_000_000}})
    p = importer.preview(db, "capital_plan", data)
    assert p.ok and [r["change"] for r in p.rows] == ["new", "new"] and p.n_blank == 16
    result = importer.apply(db, who, "capital_plan", data)
    assert (result.written, sorted(result.work_ids)) == (2, ["GT-02", "XH-01"])
    row = db.query("SELECT * FROM capital_plan WHERE work_id = 'XH-01'").iloc[0]
    assert (row["year"], row["allocated_vnd"], row["disbursed_vnd"], row["row_version"]) == \
        (2023, 12_500_000_000, 4_000_000_000, 1)
    assert (row["decision_ref"], row["source_ref"], row["entered_by"]) == ("QĐ 123/QĐ-UBND", "Sở KH-ĐT", "Thư ký")
    before = _state(db)
    assert importer.apply(db, who, "capital_plan", data).written == 0
    assert _state(db) == before
    # the template now holds the recorded rows: change one amount and import it
    t2 = importer.template_xlsx(db, "capital_plan")
    wb, ws, header, cols = _sheet(t2)
    for r in ws.iter_rows(min_row=header + 1):
        if r[0].value == "XH-01":
            ws.cell(row=r[0].row, column=cols["Đã giải ngân trong năm (đồng)"], value="6.000.000.000")
    changed = _save(wb)
    p = importer.preview(db, "capital_plan", changed)
    assert [(r["work_id"], r["change"]) for r in p.rows] == [("XH-01", "changed")] and len(p.unchanged) == 1
    assert importer.apply(db, who, "capital_plan", changed).written == 1
    row = db.query("SELECT * FROM capital_plan WHERE work_id = 'XH-01'").iloc[0]
    assert (row["disbursed_vnd"], row["row_version"]) == (6_000_000_000, 2)
    log = db.query("SELECT old, new FROM audit_log WHERE action = 'import_spreadsheet' ORDER BY id DESC LIMIT 1").iloc[0]
    assert '"disbursed_vnd": 4000000000' in log["old"] and '"row_version": 1' in log["old"]
    assert '"disbursed_vnd": 6000000000' in log["new"] and "GT-02" not in log["new"]
    assert db.scalar("SELECT count(*) FROM capital_plan") == 2
    assert importer.apply(db, who, "capital_plan", changed).written == 0


def test_every_error_kind_is_named_by_row_and_column(db):
    rows = [
        ["GT-01", None, "20x4", 1, None, None, None],                              # 4: year not a year
        ["GT-02", None, 2023, "99999999999999999999999", None, None, None],       # 5: BIGINT overflow
        ["XH-01", None, 2023, 1, None, None, "x" * 200_000],                      # 6: 200 000 characters
        ["XH-02", None, 2023, "=1+1", None, None, None],                           # 7: a formula
        ["XH-03", None, 2023, datetime(2024, 1, 5), None, None, None],             # 8: a date for a number
        ["ZZ-99", None, 2023, 1, None, None, None],                                # 9: unknown work
        ["XH-04", None, 2023, -5, None, None, None],                               # 10: negative
        ["XH-05", None, 2023, None, None, "QĐ 1", None],                           # 11: no amount
        ["XH-06", None, 1999, 1, None, None, None],                                # 12: year out of range
        ["XH-07", None, 2023, 1, None, None, "<script>x</script>"],                # 13: HTML
        ["XH-07", None, 2023, 2, None, None, None],                                # 14: same work and year
        ["XH-08", None, 2023, True, None, None, None],                             # 15: a truth value
        [None, None, 2023, 1, None, None, None],                                   # 16: no work
        ["XH-09", None, None, 1, None, None, None],                                # 17: no year
        ["XH-10", None, 2023, "1.2.3", None, None, None],                           # 18: not a number
    ]
    who = editor(db)
    before = _state(db)
    with pytest.raises(ValidationError) as e:
        importer.apply(db, who, "capital_plan", _plan_file(rows))
    assert _state(db) == before
    got = texts(e.value.problems)
    expect = [
        "Dòng 4 (GT-01), cột Năm: '20x4' không phải là năm (ví dụ 2025)",
        "Dòng 5 (GT-02), cột Vốn kế hoạch (đồng): số quá lớn (tối đa 1.000.000 tỷ đồng)",
        "Dòng 6 (XH-01), cột Ghi chú/Nguồn: dài quá 300 ký tự",
        "Dòng 7 (XH-02), cột Vốn kế hoạch (đồng): ô chứa công thức",
        "Dòng 8 (XH-03), cột Vốn kế hoạch (đồng): là một ngày, cột này cần một số",
        "Dòng 9, cột Mã công trình: 'ZZ-99' không có trong danh mục công trình",
        "Dòng 10 (XH-04), cột Vốn kế hoạch (đồng): -5 không được âm",
        "Dòng 11 (XH-05), cột Vốn kế hoạch (đồng): cần ghi Vốn kế hoạch hoặc Đã giải ngân trong năm",
        "Dòng 12 (XH-06), cột Năm: 1999 phải là năm từ 2000 đến 2100",
        "Dòng 13 (XH-07), cột Ghi chú/Nguồn: không được chứa thẻ HTML",
        "Dòng 14 (XH-07), cột Năm: công trình XH-07 năm 2023 đã có ở dòng 13",
        "Dòng 15 (XH-08), cột Vốn kế hoạch (đồng): 'True' không phải là số",
        "Dòng 16, cột Mã công trình: không được để trống",
        "Dòng 17 (XH-09), cột Năm: không được để trống",
        "Dòng 18 (XH-10), cột Vốn kế hoạch (đồng): '1.2.3' không phải là số",
    ]
    for want in expect:
        assert any(x.startswith(want) for x in got), (want, got)
    assert len(got) == len(expect), got
    # a lone surrogate (which no XML parser hands over) is a problem of its cell too
    cells = [("Mã công trình", "Tên công trình", "Năm", "Vốn kế hoạch (đồng)", "Đã giải ngân trong năm (đồng)",
              "Quyết định giao vốn", "Ghi chú/Nguồn"), ("GT-01", None, 2023, 1, "\ud800", "QĐ \udc00", None)]
    huge = ("GT-02", None, 2023, 10 ** 400, None, None, None)   # what openpyxl makes of 400 digits in a number cell
    p = importer.preview_cells(db, "capital_plan", [cells[0], huge], None)
    assert texts(p.problems) == ["Dòng 2 (GT-02), cột Vốn kế hoạch (đồng): số quá lớn (tối đa 1.000.000 tỷ đồng)"]
    p = importer.preview_cells(db, "capital_plan", cells, None)
    assert texts(p.problems) == ["Dòng 2 (GT-01), cột Đã giải ngân trong năm (đồng): chứa ký tự không hợp lệ (ký tự điều "
                          "khiển hoặc mã hoá hỏng); hãy gõ lại ô này",
                          "Dòng 2 (GT-01), cột Quyết định giao vốn: chứa ký tự không hợp lệ (ký tự điều khiển "
                          "hoặc mã hoá hỏng); hãy gõ lại ô này"]


def test_caps_on_size_rows_and_the_file_itself(db, monkeypatch):
    who = editor(db)
    before = _state(db)
    for blob, text in [(b"", "Tệp rỗng"), (b"PK" + b"\0" * (importer.MAX_BYTES + 1), "lớn hơn 5 MB"),
                       (b"not a workbook", "không đọc được"), ("text", "không đọc được")]:
        with pytest.raises(ValidationError, match=text):
            importer.apply(db, who, "capital_plan", blob)
    monkeypatch.setattr(importer, "MAX_ROWS", 3)
    with pytest.raises(ValidationError, match="hơn 3 dòng"):
        importer.apply(db, who, "capital_plan", _plan_file([["GT-01", None, 2000 + i, 1, None, None, None]
                                                            for i in range(4)]))
    with pytest.raises(ValidationError, match="Loại mẫu"):
        importer.apply(db, who, "budget", _plan_file([]))
    assert _state(db) == before


def test_all_or_nothing_one_bad_row_writes_nothing(db):
    who = editor(db)
    good = [["GT-01", None, 2023, 10_000_000_000, None, None, None], ["GT-02", None, 2023, 1, None, None, None]]
    before = _state(db)
    with pytest.raises(ValidationError) as e:
        importer.apply(db, who, "capital_plan", _plan_file(good + [["XH-01", None, 2023, "mười tỷ", None, None, None]]))
    assert texts(e.value.problems) == ["Dòng 6 (XH-01), cột Vốn kế hoạch (đồng): 'mười tỷ' không phải là số "
                                "(ví dụ 1.200.000.000 hoặc 61,5)"]
    data = _fill(importer.template_xlsx(db, "status", P), {"GT-01": {"Khối lượng thực hiện (%)": 10},
                                                           "GT-02": {"Khối lượng thực hiện (%)": 101}})
    with pytest.raises(ValidationError):
        importer.apply(db, who, "status", data, P)
    assert _state(db) == before
    backups = backup.default_dest_root(db.path)
    assert not backups.exists() or not list(backups.glob("*nhap-bang-tinh*"))   # refused before any backup


def test_a_viewer_or_nobody_is_refused_by_the_write_path(db):
    data = _plan_file([["GT-01", None, 2023, 1, None, None, None]])
    before = _state(db)
    for who in (None, auth.Identity("khach", "Khách", "viewer"), auth.Identity("ke-gia", "Giả", "editor")):
        with pytest.raises(auth.PermissionDenied):
            importer.apply(db, who, "capital_plan", data)
    assert _state(db) == before


def test_a_backup_is_made_before_an_import_that_writes(db):
    who = editor(db)
    importer.apply(db, who, "capital_plan", _plan_file([["GT-01", None, 2023, 1, None, None, None]]))
    assert list(backup.default_dest_root(db.path).glob("*truoc-khi-nhap-bang-tinh*"))


# -- what the plans feed: the funding-gap flag and the money line -----------------------------------------

def test_the_funding_gap_flag_appears_after_a_capital_plan_import(db):
    # XH-01: 35,6 tỷ đồng, expected 2023; GT-02: 3,8 tỷ đồng, expected 2023 (data/seed/works.csv)
    when = flags.default_eval_date(db)
    assert "funding_gap" not in set(flags.evaluate(db, when)["rule"])
    importer.apply(db, editor(db), "capital_plan", _plan_file([
        ["XH-01", None, 2022, "10.000.000.000", None, "QĐ 1", None],
        ["XH-01", None, 2023, "5.600.000.000", None, "QĐ 2", None],
        ["XH-01", None, 2024, "20.000.000.000", None, "QĐ 3", None],        # after its year: does not count
        ["GT-02", None, 2023, 3_800_000_000, 1_000_000_000, "QĐ 4", None]]))
    f = flags.evaluate(db, when)
    gap = f[f["rule"] == "funding_gap"].set_index("work_id")
    assert (gap.loc["XH-01", "severity"], int(gap.loc["XH-01", "gap_vnd"])) == ("amber", 20_000_000_000)
    assert "còn thiếu 20 tỷ đồng" in gap.loc["XH-01", "message"]
    assert "GT-02" not in gap.index                                  # its plan covers its 3,8 tỷ đồng
    # the flag's rule (lib/flags.py): a work with no plan row is unknown, not "nothing allocated"
    assert "GT-01" not in gap.index and "XH-03" not in gap.index
    assert "XH-01" in set(flags.evaluate_by_work(db, when)["work_id"])


def test_the_overview_money_line_shows_the_plan_only_when_there_is_one(db):
    works = queries.works(db)
    assert overview.plan_line(overview.plan_year(queries.capital_plan(db), works, 2023)) is None
    importer.apply(db, editor(db), "capital_plan", _plan_file([
        ["XH-01", None, 2023, "8.500.000.000", "3.000.000.000", "QĐ 2", "Sở KH-ĐT"],
        ["GT-02", None, 2023, "4.000.000.000", "1.000.000.000", "QĐ 4", None],
        ["GT-02", None, 2022, "1.000.000.000", None, None, None]]))
    line = overview.plan_line(overview.plan_year(queries.capital_plan(db), works, 2023))
    today = datetime.now().strftime("%d/%m/%Y")
    assert line == ("Kế hoạch vốn năm 2023 (2 công trình): 12,5 tỷ đồng · đã giải ngân 4 tỷ đồng (32 %). "
                    f"Nguồn: QĐ 4; Sở KH-ĐT; nhập ngày {today}.")
    assert "năm 2022" in overview.plan_line(overview.plan_year(queries.capital_plan(db), works, 2022))
    only_gt01 = works[works["id"] == "GT-01"]
    assert overview.plan_year(queries.capital_plan(db), only_gt01, 2023) is None   # that town: no plan, no line


# -- any bytes, any cells: our error, never a crash, nothing written -------------------------------------------

_BASE: dict[str, bytes] = {}


@st.composite
def _damaged(draw, base: bytes):
    kind = draw(st.sampled_from(["random", "flip", "cut", "zip"]))
    if kind == "random":
        return draw(st.binary(max_size=2048))
    if kind == "cut":
        return base[:draw(st.integers(0, len(base) - 1))]
    if kind == "zip":  # a zip that is no workbook, or a workbook with a part replaced by junk
        import zipfile
        buf = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(buf, "w") as out:
            victim = draw(st.sampled_from(src.namelist()))
            for name in src.namelist():
                out.writestr(name, draw(st.binary(max_size=200)) if name == victim else src.read(name))
        return buf.getvalue()
    at = draw(st.integers(0, len(base) - 1))
    junk = draw(st.binary(min_size=1, max_size=64))
    return base[:at] + junk + base[at + len(junk):]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_bytes_give_a_vietnamese_error_never_a_crash_nothing_written(db, data):
    if "status" not in _BASE:
        _BASE["status"] = _fill(importer.template_xlsx(db, "status", P), {"GT-01": {"Khối lượng thực hiện (%)": 5}})
        _BASE["capital_plan"] = _plan_file([["GT-01", None, 2023, 1, None, None, None]])
    kind = data.draw(st.sampled_from(importer.KINDS))
    blob = data.draw(_damaged(_BASE[kind]))
    who = editor(db)  # the account first: creating it is a write of its own
    before = _state(db)
    try:
        result = importer.apply(db, who, kind, blob, P)
    except ValidationError as e:
        assert e.problems and all(texts(e.problems))
        assert all(p.startswith("Dòng ") or any(w in p for w in ("Tệp", "tiêu đề", "Kỳ báo cáo", "kỳ"))
                   for p in texts(e.problems)), e.problems
        assert _state(db) == before
        return
    # a damage that left the workbook readable and valid: its one row, written once
    assert result.written <= 1
    assert importer.apply(db, who, kind, blob, P).written == 0


_cell = st.one_of(st.none(), st.text(max_size=20), st.integers(-10 ** 20, 10 ** 20),
                  st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
                  st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1)),
                  st.sampled_from(["=1+1", "2023", "1.200.000.000", "61,5", "Đang thi công", "von", "GT-01",
                                   "x" * 3000, "\ud800", "<b>x</b>", 10 ** 400, -(10 ** 400)]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(importer.KINDS),
       body=st.lists(st.tuples(st.sampled_from(["GT-01", "GT-02", "XH-01", "ZZ", "", None]),
                               st.lists(_cell, min_size=6, max_size=6)), min_size=1, max_size=5))
def test_any_cell_contents_give_problems_by_row_or_a_clean_preview(db, kind, body):
    cols = importer._cols(kind)
    header = tuple(importer.t(cols[k], "vi") for k in cols)
    top = [(f"Kỳ báo cáo: {P}",), ()]
    cells = top + [header] + [(wid, None, *vals) for wid, vals in body]
    period = importer._period(db, P)
    before = _state(db)
    p = importer.preview_cells(db, kind, cells, period)
    assert _state(db) == before
    if p.problems:
        assert not p.rows and all(x.startswith("Dòng ") for x in texts(p.problems)), p.problems
    else:
        assert len(p.rows) + len(p.unchanged) + p.n_blank <= len(body)


# -- kill -9 in the middle of an import -------------------------------------------------------------------

CHILD = """import sys, time
sys.path.insert(0, {root!r})
from lib import auth, importer
from lib.db import Database
if {in_write!r}:  # hold the transaction open once every row is inserted, uncommitted: the kill lands there
    plain_write = Database.write
    def write(self, who, action, fn, detail=None, token=None):
        def held(cur):
            out = fn(cur)
            print("inserted", cur.execute("SELECT count(*) FROM capital_plan").fetchone()[0], flush=True)
            time.sleep(60)
            return out
        return plain_write(self, who, action, held, detail, token)
    Database.write = write
db = Database({path!r})
data = open({xlsx!r}, "rb").read()
print("start", flush=True)
r = importer.apply(db, auth.Identity("thu-ky", "Thư ký", "editor"), "capital_plan", data)
print("done", r.written, flush=True)
"""
N_WORKS, YEARS = 50, range(2000, 2100)   # 5 000 rows


def _big_plan() -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Ke hoach von")
    ws.append(["Mã công trình", "Tên công trình", "Năm", "Vốn kế hoạch (đồng)", "Đã giải ngân trong năm (đồng)",
               "Quyết định giao vốn", "Ghi chú/Nguồn"])
    for i in range(N_WORKS):
        for y in YEARS:
            ws.append([f"SYN-{i:03d}", None, y, 1_000_000_000 + y, 500_000_000, f"QĐ {y}", "Sở KH-ĐT"])
    return _save(wb)


def test_kill_9_during_an_import_leaves_the_file_with_all_or_none_of_it(tmp_path):
    base = tmp_path / "base.duckdb"
    d = open_database(base)
    editor(d)
    d._con.execute("INSERT INTO work (id, programme_id, name, kind) SELECT 'SYN-' || lpad(i::VARCHAR, 3, '0'), "
                   f"(SELECT id FROM programme LIMIT 1), 'Công trình thử ' || i, 'cong_trinh' FROM range({N_WORKS}) t(i)")
    d._con.execute("CHECKPOINT")
    version = d.data_version()
    d.close()
    xlsx = tmp_path / "plan.xlsx"
    xlsx.write_bytes(_big_plan())
    n_rows = N_WORKS * len(YEARS)
    outcomes = []
    # at once, at a few moments of the reading, checking, backup and write, inside the open
    # transaction with every row inserted ("in_write"), and never (None: it finishes)
    for i, delay in enumerate((0.0, 0.5, "in_write", None)):
        run = tmp_path / f"run{i}"
        run.mkdir()
        path = run / "ct07.duckdb"
        shutil.copy(base, path)
        child = subprocess.Popen([sys.executable, "-c", CHILD.format(root=ROOT, path=str(path), xlsx=str(xlsx),
                                                                  in_write=delay == "in_write")],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert child.stdout.readline().strip() == "start", child.stderr.read()
        if delay is None:
            out, err = child.communicate(timeout=60)
            assert out.strip() == f"done {n_rows}", err
        elif delay == "in_write":
            line = child.stdout.readline().strip()
            assert line == f"inserted {n_rows}", (line, child.stderr.read() if not line else "")
            child.send_signal(signal.SIGKILL)
            child.communicate(timeout=30)
        else:
            time.sleep(delay)
            child.send_signal(signal.SIGKILL)
            child.communicate(timeout=30)
        db = Database(path)   # opens: the WAL is replayed up to the last commit
        try:
            n = db.scalar("SELECT count(*) FROM capital_plan")
            audits = db.scalar("SELECT count(*) FROM audit_log WHERE action = 'import_spreadsheet'")
            assert (n, audits, db.data_version()) in ((0, 0, version), (n_rows, 1, version + 1)), (delay, n, audits)
            if n:
                assert db.scalar("SELECT count(DISTINCT work_id) FROM capital_plan") == N_WORKS
                assert db.scalar("SELECT sum(allocated_vnd) FROM capital_plan") == \
                    N_WORKS * sum(1_000_000_000 + y for y in YEARS)
            outcomes.append(n)
        finally:
            db.close()
    assert outcomes[-1] == n_rows and outcomes[0] == 0 and outcomes[-2] == 0   # killed uncommitted: none of it


# -- the import tab (Streamlit AppTest) ---------------------------------------------------------------------

SCRIPT = """import sys
sys.path.insert(0, {root!r})
import pandas as pd
import streamlit as st
from ui import frame, import_view
from ui.frame import Ctx
import_view.render(Ctx("vi", None, pd.DataFrame()), frame.get_db(), st.session_state.get("test_who"))
"""


def test_the_import_tab_previews_lists_problems_as_text_and_writes(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.auth_helpers import user
    from ui import frame
    monkeypatch.setenv("CT07_DB_PATH", str(seeded(tmp_path / "app.duckdb")))
    script = tmp_path / "import_tab.py"
    script.write_text(SCRIPT.format(root=ROOT), encoding="utf-8")
    app = AppTest.from_file(str(script), default_timeout=60)
    app.run()
    assert not app.exception, app.exception
    assert any("cần tài khoản Thư ký" in i.value for i in app.info)          # nobody signed in: no form
    db = frame._open(str(tmp_path / "app.duckdb"))
    app.session_state["test_who"] = user(db, "editor")
    app.run()
    assert not app.exception, app.exception
    assert app.radio(key="imp_kind").options == ["Cập nhật kỳ báo cáo", "Giá trị chỉ tiêu", "Kế hoạch vốn hằng năm"]
    assert any(b.proto.label == "Tải mẫu Excel" for b in app.get("download_button"))
    app.radio(key="imp_kind").set_value("capital_plan").run()
    uploader = app.get("file_uploader")[0]
    bad = _plan_file([["GT-01", None, 2023, "[x](http://evil.invalid)", None, None, None]] +
                     [["ZZ", None, 2000 + i, 1, None, None, None] for i in range(60)])
    uploader.upload("bad.xlsx", bad).run()
    assert not app.exception, app.exception
    err = app.error[0].value
    assert "Tệp có 61 lỗi; chưa ghi dòng nào" in err and "và 11 lỗi khác" in err
    assert "[x](http" not in err and "\\[x\\]" in err                           # shown as text, never a link
    good = _plan_file([["GT-01", None, 2023, "1.000.000.000", None, None, None],
                       ["XH-01", None, 2023, "2.000.000.000", None, None, None]])
    app.get("file_uploader")[0].set_value(("ok.xlsx", good, "application/octet-stream")).run()
    assert not app.exception, app.exception
    assert any("2 dòng sẽ được ghi" in s.value for s in app.success)
    go = next(b for b in app.button if b.label == "Ghi vào cơ sở dữ liệu")
    go.click().run()
    assert not app.exception, app.exception
    assert any("Đã ghi 2 dòng" in s.value and "GT" in s.value and "XH" in s.value for s in app.success)
    assert db.scalar("SELECT count(*) FROM capital_plan") == 2
    assert db.scalar("SELECT actor FROM audit_log WHERE action = 'import_spreadsheet'") == "thu-ky"
    assert not app.get("file_uploader")[0].value                              # a fresh uploader after the write
    app.radio(key="imp_kind").set_value("status").run()
    assert not app.exception, app.exception
    assert app.selectbox(key="imp_period").value == P
    app.radio(key="imp_kind").set_value("indicator").run()
    assert not app.exception, app.exception
    assert app.selectbox(key="imp_town").value is not None


def test_the_overview_page_shows_the_money_line_after_a_plan_import(tmp_path, monkeypatch):
    from tests.auth_helpers import user
    from tests.test_app import html_texts, new_app
    from ui import frame
    monkeypatch.setenv("CT07_DB_PATH", str(seeded(tmp_path / "app.duckdb")))
    monkeypatch.chdir(ROOT)
    app = new_app(tmp_path)
    app.run()                                                      # the overview is the first page
    assert not app.exception, app.exception
    assert not any("Kế hoạch vốn năm" in h for h in html_texts(app))   # no plan: no line, never 0
    db = frame._open(str(tmp_path / "app.duckdb"))
    importer.apply(db, user(db, "editor"), "capital_plan", _plan_file([
        ["XH-01", None, 2023, "8.500.000.000", "3.000.000.000", "QĐ 2", "Sở KH-ĐT"],
        ["GT-02", None, 2023, "4.000.000.000", "1.000.000.000", "QĐ 4", None]]))
    app.run()
    assert not app.exception, app.exception
    assert any(h.startswith("Kế hoạch vốn năm 2023 (2 công trình): 12,5 tỷ đồng · đã giải ngân 4 tỷ đồng (32 %)")
               for h in html_texts(app)), html_texts(app)


def test_problems_text_is_capped_and_escaped():
    from ui import import_view
    from ui.frame import Ctx
    ctx = Ctx("vi", None, pd.DataFrame())
    text = import_view.problems_text(ctx, [f"Dòng {i}, cột A: *x*" for i in range(55)])
    assert text.count("\n- ") == 50 and "và 5 lỗi khác" in text and "\\*x\\*" in text


def test_a_cell_problem_reads_whole_in_english():
    """The row frame and the cell's own message both follow the language (lib/xlsx_read.py)."""
    from lib import xlsx_read
    from lib.i18n import text_of

    problems: list = []
    row = xlsx_read.Row(7, problems, lambda key: "Ghi chú")
    xlsx_read.text(row, "note", "<b>x</b>")
    assert "7" in text_of(problems, "en") and "HTML" in text_of(problems, "en")
    assert "Dòng" not in text_of(problems, "en") and str(problems[0]).startswith("Dòng 7")
