"""Issue 12, items 4-5: evidence for indicator values (the checklist of missing values, its
export and import), and the committee's decision on the town of a work."""
import io
import json
from datetime import date, datetime

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from lib import criteria, evidence, scenario_towns
from lib import db as dbmod
from lib.db import Database
from lib.db import ValidationError
from lib.auth import PermissionDenied  # noqa: E402
from tests.auth_helpers import admin, editor, sign_in_app  # noqa: E402,F401
from tests.conftest import seeded  # noqa: E402

RS = "nq1210-2016-nq26-2022"
TODAY = date(2026, 6, 30)
HEADERS = ["Mã tiêu chuẩn", "Tên", "Đơn vị", "Mức tối thiểu", "Giá trị", "Ngày số liệu", "Tên văn bản",
           "Số văn bản", "Ngày văn bản", "Ghi chú"]


def _counts(db):
    return (db.scalar("SELECT count(*) FROM indicator_value"), db.scalar("SELECT count(*) FROM audit_log"),
            db.data_version(), db.scalar("SELECT count(*) FROM work_area"))


def _fill(data: bytes, rows: dict[str, dict]) -> bytes:
    """Fill the checklist's rows by standard code: {code: {header: value}}."""
    wb = load_workbook(io.BytesIO(data))
    ws = wb.active
    header_row = next(r[0].row for r in ws.iter_rows() if r[0].value == "Mã tiêu chuẩn")
    cols = {c.value: c.column for c in ws[header_row]}
    for r in ws.iter_rows(min_row=header_row + 1):
        code = r[0].value
        for header, value in rows.get(code, {}).items():
            ws.cell(row=r[0].row, column=cols[header], value=value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _line(data: bytes, code: str) -> int:
    ws = load_workbook(io.BytesIO(data)).active
    return next(r[0].row for r in ws.iter_rows() if r[0].value == code)


# -- the migration ----------------------------------------------------------------------------------

def _columns(d, table):
    return set(d.query(f"SELECT column_name FROM information_schema.columns WHERE table_name = '{table}'")
               ["column_name"])


def _older_app_writes(db, sql):
    """A change made by an older version of the app (its schema has no accounts yet)."""
    db._con.execute(sql)


def test_migration_applies_on_a_fresh_database(empty_db):
    assert empty_db.schema_version() == dbmod.latest_schema_version()
    assert {"doc_name", "doc_no", "doc_date", "entered_by"} <= _columns(empty_db, "indicator_value")
    assert {"decision_ref", "decision_date", "recorded_by", "recorded_at"} <= _columns(empty_db, "work_area_decision")
    assert _columns(empty_db, "work_area") == {"work_id", "area_id", "basis", "note"}  # VALUES inserts still work


def test_migration_applies_on_an_existing_database(tmp_path, monkeypatch):
    path = tmp_path / "old.duckdb"
    first_four = dbmod.migrations()[:4]
    monkeypatch.setattr(dbmod, "migrations", lambda: first_four)
    old = Database(path)
    assert old.schema_version() == 4
    _older_app_writes(old, (
        "INSERT INTO indicator_value (area_id, standard_code, value_num, as_of, source, entered_by) "
        "VALUES ('trung-khanh', 'TC2.1', 6843, DATE '2019-12-31', 'niên giám', 'test')"))
    _older_app_writes(old, ("INSERT INTO work_area VALUES ('GT-01', 'x', 'report', NULL)"))
    old.close()
    monkeypatch.undo()
    migrated = Database(path)
    try:
        assert migrated.schema_version() == dbmod.latest_schema_version()
        row = migrated.query("SELECT * FROM indicator_value").iloc[0]
        assert row["value_num"] == 6843 and row["entered_by"] == "test"
        assert pd.isna(row["doc_name"]) and pd.isna(row["doc_no"]) and pd.isna(row["doc_date"])
        assert migrated.scalar("SELECT count(*) FROM work_area_decision") == 0
        assert migrated.migrate() == dbmod.latest_schema_version()   # a second run changes nothing
    finally:
        migrated.close()


def test_seed_still_loads_with_the_new_columns(db):
    assert db.scalar("SELECT count(*) FROM indicator_value WHERE NOT is_demo") > 0
    assert db.scalar("SELECT count(*) FROM indicator_value WHERE doc_name IS NOT NULL") == 0


# -- the checklist ----------------------------------------------------------------------------------

@pytest.mark.parametrize("town,ruleset_id,cls", [("trung-khanh", RS, "IV"), ("tra-linh", RS, "V"),
                                                 ("trung-khanh", "nq111-2025", "III")])
def test_checklist_lists_exactly_the_standards_without_a_value(db, town, ruleset_id, cls):
    assert evidence.class_for(db, town, ruleset_id) == cls
    own = list(criteria.catalog(db)[ruleset_id].standards_for(cls)["code"])
    have = set(criteria.indicator_values(db, town, None, False)["standard_code"])
    rows = evidence.missing_standards(db, town, ruleset_id)
    assert list(rows["code"]) == [c for c in own if c not in have]
    assert have & set(own), "the default data hold some values of this class"
    assert not set(rows["code"]) & have
    assert rows[list(evidence.VALUE_COLS)].isna().all().all()


def test_checklist_file_has_vietnamese_headers_and_empty_value_columns(db):
    data = evidence.checklist_xlsx(db, "trung-khanh", RS)
    ws = load_workbook(io.BytesIO(data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert "mã địa bàn: trung-khanh" in rows[0][0]
    at = next(i for i, r in enumerate(rows) if r[0] == "Mã tiêu chuẩn")
    assert list(rows[at]) == HEADERS
    body = rows[at + 1:]
    assert [r[0] for r in body] == list(evidence.missing_standards(db, "trung-khanh", RS)["code"])
    assert all(v is None for r in body for v in r[4:])


# -- the import -----------------------------------------------------------------------------------

def test_round_trip_writes_values_with_documents_and_who_entered_them(db):
    data = evidence.checklist_xlsx(db, "trung-khanh", RS)
    filled = _fill(data, {
        "TC4.1": {"Giá trị": "61,5", "Ngày số liệu": "31/12/2024", "Tên văn bản": "Báo cáo lao động",
                  "Số văn bản": "125/BC-UBND", "Ngày văn bản": "15/01/2025", "Ghi chú": "phòng LĐ-TB&XH"},
        "TC2.2": {"Giá trị": 7250, "Ngày số liệu": datetime(2024, 12, 31), "Tên văn bản": "Niên giám thống kê 2024",
                  "Ngày văn bản": datetime(2025, 3, 1)},
    })
    who = editor(db, "Nguyễn Thị Thư", "thu")  # the account first: creating it is a write of its own
    before = _counts(db)
    result = evidence.import_checklist(db, who, "trung-khanh", filled, TODAY)
    assert result.written == 2 and result.unchanged == 0
    got = db.query("SELECT * FROM indicator_value WHERE doc_name IS NOT NULL ORDER BY standard_code")
    assert list(got["standard_code"]) == ["TC2.2", "TC4.1"]
    tc41 = got.set_index("standard_code").loc["TC4.1"]
    assert tc41["value_num"] == 61.5 and tc41["unit"] == "%"
    assert tc41["as_of"].date() == date(2024, 12, 31)
    assert tc41["doc_no"] == "125/BC-UBND" and tc41["doc_date"].date() == date(2025, 1, 15)
    assert tc41["entered_by"] == "Nguyễn Thị Thư" and tc41["note"] == "phòng LĐ-TB&XH"
    assert "125/BC-UBND" in tc41["source"] and not tc41["is_demo"]
    tc22 = got.set_index("standard_code").loc["TC2.2"]
    assert tc22["value_num"] == 7250 and pd.isna(tc22["doc_no"])
    audit = db.query("SELECT * FROM audit_log ORDER BY id DESC LIMIT 1").iloc[0]
    assert audit["action"] == "import_indicator_values" and audit["actor"] == "thu"
    assert json.loads(audit["detail"])["rows"] == 2
    assert _counts(db)[0] == before[0] + 2
    assert {"TC4.1", "TC2.2"}.isdisjoint(evidence.missing_standards(db, "trung-khanh", RS)["code"])


def test_importing_the_same_file_twice_changes_nothing_the_second_time(db):
    who = editor(db, "A")
    filled = _fill(evidence.checklist_xlsx(db, "trung-khanh", RS), {
        "TC4.1": {"Giá trị": "61,5", "Ngày số liệu": "31/12/2024", "Tên văn bản": "Báo cáo lao động"}})
    assert evidence.import_checklist(db, who, "trung-khanh", filled, TODAY).written == 1
    after_first = _counts(db)
    from lib import backup
    backups = backup.list_backups(backup.default_dest_root(db.path))
    assert [b.manifest["reason"] for b in backups] == ["truoc-khi-nhap-chi-tieu"], "a backup before the import"
    again = evidence.import_checklist(db, who, "trung-khanh", filled, TODAY)
    assert again.written == 0 and again.unchanged == 1
    assert _counts(db) == after_first          # no row, no audit row, no new data version
    assert len(backup.list_backups(backup.default_dest_root(db.path))) == 1, "nothing to import: no backup"
    p = evidence.preview_import(db, "trung-khanh", filled, TODAY)
    assert p.ok and not p.rows and len(p.unchanged) == 1


def test_errors_name_row_and_column_in_vietnamese_and_nothing_is_written(db):
    data = evidence.checklist_xlsx(db, "trung-khanh", RS)
    doc = {"Tên văn bản": "Báo cáo", "Ngày số liệu": "31/12/2024"}
    filled = _fill(data, {
        "TC2.2": {**doc, "Giá trị": "khoảng bảy nghìn"},          # text in a numeric standard
        "TC3.2": {**doc, "Giá trị": "1,2,3"},                     # a bad number
        "TC4.1": {**doc, "Giá trị": "150"},                       # out of range (%)
        "TC4.2": {"Giá trị": "70", "Ngày số liệu": "32/13/2024", "Tên văn bản": "Báo cáo"},  # a bad date
        "TC1": {"Giá trị": "5"},                                  # no date, no document
    })
    ws = load_workbook(io.BytesIO(filled)).active
    extra = ws.max_row + 1
    ws.cell(row=extra, column=1, value="XX.99")
    ws.cell(row=extra, column=5, value="3")
    ws.cell(row=extra, column=6, value="31/12/2024")
    ws.cell(row=extra, column=7, value="Báo cáo")
    buf = io.BytesIO()
    ws.parent.save(buf)
    filled = buf.getvalue()
    who = editor(db, "A")  # the account first: creating it is a write of its own
    before = _counts(db)
    with pytest.raises(ValidationError) as e:
        evidence.import_checklist(db, who, "trung-khanh", filled, TODAY)
    problems = e.value.problems
    text = "\n".join(map(str, problems))
    ln = {c: _line(filled, c) for c in ("TC2.2", "TC3.2", "TC4.1", "TC4.2", "TC1")}
    assert f"Dòng {ln['TC2.2']}, cột «Giá trị»: 'khoảng bảy nghìn' là chữ, tiêu chuẩn này cần một số" in text
    assert f"Dòng {ln['TC3.2']}, cột «Giá trị»: '1,2,3' không phải là số" in text
    assert f"Dòng {ln['TC4.1']}, cột «Giá trị»: 150 % vượt quá 100" in text
    assert f"Dòng {ln['TC4.2']}, cột «Ngày số liệu»:" in text
    assert f"Dòng {ln['TC1']}, cột «Ngày số liệu»: không được để trống" in text
    assert f"Dòng {ln['TC1']}, cột «Tên văn bản»: cần ghi tên văn bản" in text
    assert f"Dòng {extra}, cột «Mã tiêu chuẩn»: 'XX.99' không có trong bộ tiêu chí" in text
    assert all(str(p).startswith("Dòng ") for p in problems)
    assert _counts(db) == before
    preview = evidence.preview_import(db, "trung-khanh", filled, TODAY)
    assert preview.problems == problems and not preview.rows


def test_a_signed_in_editor_is_required_and_the_file_must_be_this_towns(db):
    filled = _fill(evidence.checklist_xlsx(db, "trung-khanh", RS), {
        "TC4.1": {"Giá trị": "61,5", "Ngày số liệu": "31/12/2024", "Tên văn bản": "Báo cáo"}})
    who = editor(db, "A")  # the account first: creating it is a write of its own
    before = _counts(db)
    for nobody in (None, "  ", "Thư ký"):  # a viewer, or a typed name
        with pytest.raises(PermissionDenied, match="đăng nhập"):
            evidence.import_checklist(db, nobody, "trung-khanh", filled, TODAY)
    with pytest.raises(ValidationError, match="không phải của thị trấn Trà Lĩnh"):
        evidence.import_checklist(db, who, "tra-linh", filled, TODAY)
    assert _counts(db) == before


def test_size_and_row_caps(db, monkeypatch):
    who = editor(db, "A")  # the account first: creating it is a write of its own
    before = _counts(db)
    with pytest.raises(ValidationError, match="lớn hơn 2 MB"):
        evidence.import_checklist(db, who, "trung-khanh", b"PK" + b"\0" * (evidence.MAX_BYTES + 1))
    monkeypatch.setattr(evidence, "MAX_ROWS", 3)
    filled = _fill(evidence.checklist_xlsx(db, "trung-khanh", RS), {
        "TC5.KT": {"Giá trị": "1", "Ngày số liệu": "31/12/2024", "Tên văn bản": "Báo cáo"}})
    with pytest.raises(ValidationError, match="hơn 3 dòng"):
        evidence.import_checklist(db, who, "trung-khanh", filled, TODAY)
    assert _counts(db) == before


def _valid_file(db) -> bytes:
    return _fill(evidence.checklist_xlsx(db, "trung-khanh", RS, today=TODAY), {
        "TC4.1": {"Giá trị": "61,5", "Ngày số liệu": "31/12/2024", "Tên văn bản": "Báo cáo"}})


_BASE: dict[str, bytes] = {}


@st.composite
def _damaged(draw):
    base = _BASE["file"]
    kind = draw(st.sampled_from(["random", "flip", "cut"]))
    if kind == "random":
        return draw(st.binary(max_size=4096))
    if kind == "cut":
        return base[:draw(st.integers(0, len(base) - 1))]
    at = draw(st.integers(0, len(base) - 1))
    junk = draw(st.binary(min_size=1, max_size=64))
    return base[:at] + junk + base[at + len(junk):]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_bytes_give_a_vietnamese_error_never_a_crash(db, data):
    if "file" not in _BASE:
        _BASE["file"] = _valid_file(db)
    blob = data.draw(_damaged())
    who = editor(db, "A")  # the account first: creating it is a write of its own
    before = _counts(db)
    try:
        evidence.import_checklist(db, who, "trung-khanh", blob, TODAY)
    except ValidationError as e:
        assert e.problems and all(str(p) for p in e.problems)
        assert _counts(db) == before
        return
    # a damage that left the workbook readable and valid: the one row, written at most once
    assert db.scalar("SELECT count(*) FROM indicator_value WHERE standard_code = 'TC4.1' "
                     "AND doc_name IS NOT NULL") <= 1


_cell = st.one_of(st.none(), st.text(max_size=30), st.integers(-10**12, 10**12),
                  st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
                  st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1)))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.lists(st.lists(_cell, min_size=6, max_size=6), min_size=1, max_size=4),
       codes=st.lists(st.sampled_from(["TC4.1", "TC2.2", "TC5.VH", "XX", "", "2A.I.01"]), min_size=4, max_size=4))
def test_any_cell_contents_give_a_vietnamese_error_or_a_clean_write(db, cells, codes):
    base = evidence.checklist_xlsx(db, "trung-khanh", RS, today=TODAY)
    wb = load_workbook(io.BytesIO(base))
    ws = wb.active
    header = next(r[0].row for r in ws.iter_rows() if r[0].value == "Mã tiêu chuẩn")
    for i, (code, row) in enumerate(zip(codes, cells)):
        ws.cell(row=header + 1 + i, column=1, value=code)
        for j, v in enumerate(row):
            try:
                ws.cell(row=header + 1 + i, column=5 + j, value=v)
            except Exception:  # openpyxl refuses some characters: leave the cell as it was
                pass
    buf = io.BytesIO()
    try:
        wb.save(buf)
    except Exception:
        return
    who = editor(db, "A")  # the account first: creating it is a write of its own
    before = _counts(db)
    try:
        evidence.import_checklist(db, who, "trung-khanh", buf.getvalue(), TODAY)
    except ValidationError as e:
        assert e.problems and all(str(p).startswith("Dòng ") or "Tệp" in str(p) or "tiêu đề" in str(p) for p in e.problems), e.problems
        assert _counts(db) == before


# -- the committee states a work's town ---------------------------------------------------------------

def _projection(db, town="trung-khanh"):
    # NQ 111: 2A.III.16 counts cultural works; the illustrative values make every standard known
    return scenario_towns.town_projection(db, town, "nq111-2025", True, (("XH-01", 2024),), (2023, 2025)).rows


def test_stating_the_town_of_xh01_moves_that_towns_projected_score(db):
    before = _projection(db)
    assert before["total"].iloc[0] == before["total"].iloc[1]      # XH-01 counts for no town yet
    assert "XH-01" in set(evidence.works_without_town(db)["id"])
    evidence.state_town(db, editor(db, "Thư ký BCĐ", "thuky-bcd"), "XH-01", "trung-khanh", "Thông báo 12/TB-BCĐ", "15/03/2024", TODAY)
    after = _projection(db)
    assert after["total"].iloc[0] == before["total"].iloc[0]
    assert after["total"].iloc[1] > after["total"].iloc[0]         # handed over in 2024: +1 cultural work
    assert _projection(db, "tra-linh")["total"].nunique() == 1     # the other town does not move
    wa = db.query("SELECT * FROM work_area WHERE work_id = 'XH-01'").iloc[0]
    assert wa["area_id"] == "trung-khanh" and wa["basis"] == "committee"
    d = evidence.decisions(db, "XH-01").iloc[0]
    assert d["decision_ref"] == "Thông báo 12/TB-BCĐ" and d["decision_date"].date() == date(2024, 3, 15)
    assert d["recorded_by"] == "Thư ký BCĐ"
    audit = db.query("SELECT * FROM audit_log WHERE action = 'work_area_committee'")
    assert len(audit) == 1 and audit.iloc[0]["actor"] == "thuky-bcd"
    assert json.loads(audit.iloc[0]["detail"])["work"] == "XH-01"
    rows = evidence.work_effect_rows(db, "nq111-2025")
    xh01 = rows[rows["work"].str.startswith("XH-01")].iloc[0]
    assert xh01["area"] == "thị trấn Trùng Khánh" and xh01["basis"].startswith("Ban Chỉ đạo xác định")
    assert "+1" in xh01["effect"]


def test_the_committee_form_is_validated_in_vietnamese(db):
    who = editor(db, "A")  # the account first: creating it is a write of its own
    before = _counts(db)
    with pytest.raises(ValidationError) as e:
        evidence.state_town(db, who, "XH-01", None, "", "31/02/2024", TODAY)
    text = str(e.value)
    assert "mục «Địa bàn»: cần chọn địa bàn" in text
    assert "mục «Số, ký hiệu văn bản của Ban Chỉ đạo»: không được để trống" in text
    assert "mục «Ngày văn bản (ngày/tháng/năm)»" in text
    with pytest.raises(ValidationError, match="đã có địa bàn"):
        evidence.state_town(db, who, "GT-02", "trung-khanh", "TB 1", "01/01/2024", TODAY)
    with pytest.raises(ValidationError, match="không phải là địa bàn của Chương trình"):
        evidence.state_town(db, who, "GT-01", "xa-tra-linh", "TB 1", "01/01/2024", TODAY)
    with pytest.raises(ValidationError, match="tương lai"):
        evidence.state_town(db, who, "GT-01", "tra-linh", "TB 1", "01/01/2027", TODAY)
    for nobody in (None, "", "Thư ký"):  # a viewer, or a typed name: refused by the write path
        with pytest.raises(PermissionDenied):
            evidence.state_town(db, nobody, "XH-01", "trung-khanh", "TB 1", "01/01/2024", TODAY)
    assert _counts(db) == before


def test_work_effects_list_every_link_with_its_town_and_basis(db):
    rows = evidence.work_effect_rows(db, RS)
    assert len(rows) == len(db.query("SELECT * FROM work_standard WHERE standard_code LIKE 'TC%'"))
    gt01 = rows[rows["work"].str.startswith("GT-01")].iloc[0]
    assert gt01["area"] == "Chưa rõ địa bàn" and "không tính cho thị trấn nào" in gt01["basis"]
    xh02 = rows[rows["work"].str.startswith("XH-02")]
    assert xh02.empty or (xh02["basis"] == "Suy luận").all()


# -- the pages ----------------------------------------------------------------------------------------

def test_criteria_page_shows_the_checklist_and_the_work_effects(app):
    from tests.test_app import goto, html_texts
    app.run()
    goto(app, "pages/tieu_chi.py")
    assert not app.exception, app.exception
    bodies = [h.proto.body for h in app.get("html")]
    assert any('data-table="evidence_checklist"' in b for b in bodies)
    assert any('data-table="evidence_work_effects"' in b for b in bodies)
    texts = "\n".join(html_texts(app))
    assert "chưa có số liệu thật" in texts and "XH-01 · Nhà văn hoá" in texts
    assert any(b.proto.label.startswith("Tải danh mục cần bổ sung") for b in app.get("download_button"))


def test_criteria_page_imports_a_filled_checklist(app, db):
    from tests.test_app import goto
    sign_in_app(app)  # the secretary: the import is for an editor
    app.run()
    goto(app, "pages/tieu_chi.py")
    town = app.selectbox(key="crit_town").value
    good = _fill(evidence.checklist_xlsx(db, town, RS), {
        "TC4.1": {"Giá trị": "61,5", "Ngày số liệu": "31/12/2024", "Tên văn bản": "Báo cáo lao động"}})
    bad = _fill(evidence.checklist_xlsx(db, town, RS), {"TC4.1": {"Giá trị": "abc"}})
    app.file_uploader(key=f"ev_import_file_{town}").upload("bad.xlsx", bad).run()
    assert not app.exception, app.exception
    assert any("chưa ghi dòng nào" in e.value and "Dòng" in e.value for e in app.error)
    app.file_uploader(key=f"ev_import_file_{town}").upload("ok.xlsx", good).run()
    assert any("1 giá trị mới" in s.value for s in app.success)
    app.button(key="ev_import_go").click().run()
    assert not app.exception, app.exception
    assert any("Đã ghi 1 giá trị" in s.value for s in app.success)
    assert db_of_app().scalar("SELECT actor FROM audit_log WHERE action = 'import_indicator_values'") == "thu-ky"


def test_register_detail_form_saves_a_town(app):
    from tests.test_app import goto
    sign_in_app(app, name="Thư ký BCĐ")
    app.run()
    goto(app, "pages/danh_muc.py")
    app.selectbox(key="reg_detail").set_value("XH-01").run()
    assert not app.exception, app.exception
    assert any(s.value == "Ban Chỉ đạo xác định địa bàn" for s in app.subheader)
    save = next(b for b in app.button if b.label == "Lưu địa bàn")
    save.click().run()                                          # empty: refused, in Vietnamese
    assert any("cần chọn địa bàn" in e.value for e in app.error)
    app.selectbox(key="ev_town_area").set_value("trung-khanh")
    app.text_input(key="ev_town_ref").input("Thông báo 12/TB-BCĐ")
    app.text_input(key="ev_town_date").input("15/03/2024")
    next(b for b in app.button if b.label == "Lưu địa bàn").click().run()
    assert not app.exception, app.exception
    assert any("XH-01 thuộc thị trấn Trùng Khánh" in s.value for s in app.success)
    assert any("Địa bàn do Ban Chỉ đạo xác định: thị trấn Trùng Khánh" in c.value and "Thư ký BCĐ" in c.value
               for c in app.caption)
    assert db_of_app().scalar("SELECT actor FROM audit_log WHERE action = 'work_area_committee'") == "thu-ky-bcd"
    assert not any(s.value == "Ban Chỉ đạo xác định địa bàn" for s in app.subheader)   # the form is gone


def db_of_app():
    """The app's own connection to its database (CT07_DB_PATH)."""
    from ui import frame
    return frame._open(str(dbmod.db_path_from_env()))


@pytest.fixture
def app(tmp_path, monkeypatch):
    from tests.test_app import new_app
    monkeypatch.setenv("CT07_DB_PATH", str(seeded(tmp_path / "app.duckdb")))
    monkeypatch.chdir(dbmod.ROOT)
    return new_app(tmp_path)


def test_a_formula_in_the_checklist_is_refused_by_row_and_column_not_dropped(db):
    filled = _fill(evidence.checklist_xlsx(db, "trung-khanh", RS), {
        "TC4.1": {"Giá trị": "=1+1", "Ngày số liệu": "31/12/2024", "Tên văn bản": "Báo cáo lao động",
                  "Số văn bản": '=HYPERLINK("http://example.invalid")'}})
    p = evidence.preview_import(db, "trung-khanh", filled, TODAY)
    assert not p.ok and not p.rows
    assert any("cột «Giá trị»" in x and "công thức" in x for x in map(str, p.problems)), p.problems
    assert any("cột «Số văn bản»" in x and "công thức" in x for x in map(str, p.problems)), p.problems


def test_the_committee_form_problems_read_in_english(db):
    who = editor(db, "A")
    with pytest.raises(ValidationError) as e:
        evidence.state_town(db, who, "XH-01", None, "", "01/01/2024", TODAY)
    assert "Ban Chỉ đạo xác định địa bàn, mục «Số, ký hiệu văn bản của Ban Chỉ đạo»: không được để trống" in str(e.value)
    en = e.value.text("en")
    assert "Committee decision on the area, field «Area»: choose an area" in en
    assert "field «Decision number or reference»: must not be empty" in en
    with pytest.raises(ValidationError) as e:
        evidence.state_town(db, who, "GT-01", "tra-linh", "TB 1", "01/01/2027", TODAY)
    assert "01/01/2027 là ngày trong tương lai" in str(e.value)
    assert e.value.text("en").endswith("01 Jan 2027 is in the future")
