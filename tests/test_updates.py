"""Recording status updates: validation in Vietnamese, nothing half-written, baselines frozen."""
from datetime import date

import pytest
from hypothesis import given, settings, strategies as st, HealthCheck

from lib import queries, updates
from lib.auth import PermissionDenied
from lib.db import ValidationError
from lib.updates import Period, Update
from tests.auth_helpers import admin, editor  # noqa: E402,F401

P = Period(id="2023-06", label_vi="Kỳ 6 tháng đầu năm 2023", as_of=date(2023, 6, 30))


def count(db, table):
    return db.scalar(f"SELECT count(*) FROM {table}")


def test_a_period_for_all_works_is_written_in_one_go(db):
    who = editor(db, "Thư ký KT&HT", "thuky-ktht")
    n = updates.record(db, who, P, [
        Update("XH-09", stage="da_ban_giao", physical_pct=100),
        Update("XH-10", stage="dang_thi_cong", physical_pct="85,5", disbursed_vnd="1.200.000.000"),
    ], new_period=True)
    assert n.count == 2 and n.work_ids == ["XH-09", "XH-10"]
    assert n.rows[1]["physical_pct"] == 85.5 and n.rows[1]["disbursed_vnd"] == 1_200_000_000  # as written
    w = queries.works(db).set_index("id")
    assert w.loc["XH-09", "stage"] == "da_ban_giao"
    assert w.loc["XH-10", "physical_pct"] == 85.5 and w.loc["XH-10", "disbursed_vnd"] == 1_200_000_000
    assert queries.periods(db).iloc[0]["id"] == "2023-06"  # the newest period
    last = db.query("SELECT actor, action, old, new FROM audit_log ORDER BY id DESC LIMIT 1").iloc[0]
    assert (last["actor"], last["action"]) == ("thuky-ktht", "status_update")  # the account, not a typed name
    assert last["old"] is None and '"work_id": "XH-10"' in last["new"]     # rows are only added
    entered = db.query("SELECT DISTINCT entered_by FROM status_update WHERE period_id = '2023-06'")
    assert list(entered["entered_by"]) == ["Thư ký KT&HT"]


def test_history_is_kept(db):
    updates.record(db, editor(db, "thư ký"), P, [Update("XH-09", stage="da_ban_giao")], new_period=True)
    hist = queries.status_history(db, "XH-09")
    assert list(hist["stage"]) == ["dang_thi_cong", "da_ban_giao"]


def test_one_bad_row_writes_nothing_and_names_row_and_field(db):
    who = editor(db)
    before = (count(db, "status_update"), count(db, "reporting_period"), db.data_version())
    with pytest.raises(ValidationError) as e:
        updates.record(db, who, P, [
            Update("XH-09", stage="da_ban_giao"),
            Update("XH-10", physical_pct=140),
            Update("XH-11", disbursed_vnd=-5),
            Update("KHONG-CO", stage="dang_thi_cong"),
            Update("XH-12", note="<script>alert(1)</script>"),
            Update("GT-01", physical_pct="nhiều"),
        ], new_period=True)
    text = str(e.value)
    assert "Dòng 2 (XH-10), cột Khối lượng thực hiện (%): 140 phải từ 0 đến 100" in text
    assert "Dòng 3 (XH-11), cột Đã giải ngân lũy kế (đồng): không được âm" in text
    assert "cột Mã công trình: 'KHONG-CO' không có trong danh mục" in text
    assert "Dòng 5 (XH-12), cột Ghi chú: không được chứa thẻ HTML" in text
    assert "Dòng 6 (GT-01), cột Khối lượng thực hiện (%): 'nhiều' không phải là số" in text
    assert (count(db, "status_update"), count(db, "reporting_period"), db.data_version()) == before


def test_a_slip_needs_a_reason_and_the_baseline_stays(db):
    with pytest.raises(ValidationError, match="năm dự kiến đổi từ 2022 sang 2024: cần ghi lý do"):
        updates.record(db, editor(db, "thư ký"), P, [Update("XH-10", expected_year=2024)], new_period=True)
    updates.record(db, editor(db, "thư ký"), P, [Update("XH-10", expected_year=2024, delay_cause="von")], new_period=True)
    w = queries.works(db).set_index("id")
    assert w.loc["XH-10", "baseline_year"] == 2022 and w.loc["XH-10", "expected_year"] == 2024
    # the slip is kept in the history with its reason, as the flags and the register read it
    h = queries.status_history(db, "XH-10")
    assert list(h["expected_year"].dropna().astype(int))[-2:] == [2022, 2024] and h.iloc[-1]["delay_cause"] == "von"


def test_the_first_expected_year_becomes_the_baseline(db):
    assert str(queries.works(db).set_index("id").loc["CT-01", "baseline_year"]) == "<NA>"
    updates.record(db, editor(db, "thư ký"), P, [Update("CT-01", expected_year=2024)], new_period=True)
    assert queries.works(db).set_index("id").loc["CT-01", "baseline_year"] == 2024


def test_period_checks(db):
    with pytest.raises(ValidationError, match="đã có"):
        updates.record(db, editor(db, "thư ký"), Period("2022-12", "x", date(2022, 12, 31)), [Update("XH-09")], new_period=True)
    with pytest.raises(ValidationError, match="NĂM-THÁNG"):
        updates.record(db, editor(db, "thư ký"), Period("tháng 6", "x", date(2023, 6, 30)), [Update("XH-09")], new_period=True)
    before = count(db, "status_update")
    for nobody in (None, " ", "Thư ký"):  # a viewer, or a typed name: refused by the write path
        with pytest.raises(PermissionDenied, match="hãy đăng nhập"):
            updates.record(db, nobody, P, [Update("XH-09")], new_period=True)
    assert count(db, "status_update") == before and count(db, "reporting_period") == 1
    with pytest.raises(ValidationError, match="Giai đoạn"):
        updates.record(db, editor(db, "thư ký"), P, [Update("XH-09", stage="xong")], new_period=True)
    with pytest.raises(ValidationError, match="đã có một dòng khác"):
        updates.record(db, editor(db, "thư ký"), P, [Update("XH-09"), Update("XH-09")], new_period=True)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(pct=st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8)),
       money=st.one_of(st.none(), st.integers(), st.floats(allow_nan=True), st.text(max_size=8)))
def test_validator_either_accepts_sane_values_or_explains(db, pct, money):
    try:
        clean = updates.validate_updates([Update("XH-09", physical_pct=pct, disbursed_vnd=money)], db,
                                         date(2023, 6, 30))
    except ValidationError as e:
        assert all(str(p).startswith("Dòng 1 (XH-09), cột ") for p in e.problems)
        assert all(p.text("en").startswith("Row 1 (XH-09), column ") for p in e.problems)
    else:
        u = clean[0]
        assert u.physical_pct is None or 0 <= u.physical_pct <= 100
        assert u.disbursed_vnd is None or u.disbursed_vnd >= 0


def test_only_edited_rows_of_the_period_table_are_written(db):
    import pandas as pd
    before = pd.DataFrame({"work_id": ["XH-09", "XH-10", "XH-11"], "name": ["a", "b", "c"],
                           "stage": ["Đang thi công"] * 3, "physical_pct": [None, 50.0, None],
                           "disbursed_vnd": [None, None, None], "expected_year": [2022.0, 2022.0, 2022.0],
                           "note": [None] * 3, "cause": [None] * 3})
    after = before.copy()
    after.loc[0, "stage"] = "Đã bàn giao"
    after.loc[2, "physical_pct"] = 140.0
    rows, labels = updates.rows_from_table(before, after, {"Đang thi công": "dang_thi_cong", "Đã bàn giao": "da_ban_giao"},
                                           {"Vốn": "von"})
    assert [r.work_id for r in rows] == ["XH-09", "XH-11"] and [str(x) for x in labels] == ["Dòng 1", "Dòng 3"]
    assert rows[0].stage == "da_ban_giao"
    with pytest.raises(ValidationError, match="Dòng 3 \\(XH-11\\), cột Khối lượng"):
        updates.validate_updates(rows, db, date(2023, 6, 30), labels)


def test_a_new_period_must_agree_with_its_code_and_not_be_in_the_future(db):
    with pytest.raises(ValidationError, match="không thuộc tháng của mã kỳ '2023-12'"):
        updates.record(db, editor(db, "thư ký"), Period("2023-12", "x", date(2026, 11, 25)), [Update("XH-09")], new_period=True)
    with pytest.raises(ValidationError, match="NĂM-THÁNG"):
        updates.record(db, editor(db, "thư ký"), Period("2023-13", "x", date(2023, 12, 31)), [Update("XH-09")], new_period=True)
    with pytest.raises(ValidationError, match="tương lai"):
        updates.record(db, editor(db, "thư ký"), Period("2100-01", "x", date(2100, 1, 31)), [Update("XH-09")], new_period=True)
    assert updates.default_period_label("2023-06") == "Kỳ tháng 6/2023"


# -- no silent loss: row versions and submit tokens -------------------------------------------------

def test_two_editors_saving_the_same_work_one_is_refused_with_both_values(db):
    anh, binh = editor(db, "Anh", "anh"), editor(db, "Bình", "binh")
    updates.record(db, anh, P, [Update("XH-10", stage="dang_thi_cong")], new_period=True)
    seen = updates.versions(db)                       # both open the form now
    first = updates.record(db, anh, P, [Update("XH-10", stage="dang_thi_cong", physical_pct=40)],
                           new_period=False, seen=seen)
    assert first.count == 1
    before = count(db, "status_update")
    with pytest.raises(updates.ConflictError) as e:
        updates.record(db, binh, P, [Update("XH-10", stage="da_ban_giao", physical_pct=100),
                                     Update("XH-09", stage="da_ban_giao")], new_period=False, seen=seen)
    assert count(db, "status_update") == before       # nothing of Bình's save, not even XH-09
    [c] = e.value.conflicts
    assert c.key == "XH-10" and "XH-10" in str(e.value)
    assert c.theirs["physical_pct"] == 40 and c.theirs["entered_by"] == "Anh"   # what is recorded now
    assert c.yours["stage"] == "da_ban_giao" and c.yours["physical_pct"] == 100  # what Bình asked for
    # after looking at the newest values, Bình saves on a fresh view
    again = updates.record(db, binh, P, [Update("XH-10", stage="da_ban_giao", physical_pct=100)],
                           new_period=False, seen=updates.versions(db))
    assert again.rows[0]["stage"] == "da_ban_giao"


def test_a_save_on_other_works_is_not_a_conflict(db):
    who = editor(db)
    updates.record(db, who, P, [Update("XH-10", stage="dang_thi_cong")], new_period=True)
    seen = updates.versions(db)
    updates.record(db, who, P, [Update("XH-10", stage="dang_thi_cong", physical_pct=50)], new_period=False)
    r = updates.record(db, who, P, [Update("XH-09", stage="da_ban_giao")], new_period=False, seen=seen)
    assert r.work_ids == ["XH-09"]


def test_a_form_submitted_twice_writes_once(db):
    from lib.db import AlreadySubmitted, new_token
    who = editor(db)
    token = new_token()
    updates.record(db, who, P, [Update("XH-09", stage="da_ban_giao")], new_period=True, token=token)
    rows, audits = count(db, "status_update"), count(db, "audit_log")
    with pytest.raises(AlreadySubmitted) as e:
        updates.record(db, who, P, [Update("XH-09", stage="da_ban_giao")], new_period=False, token=token)
    assert "đã được ghi" in str(e.value)
    assert (count(db, "status_update"), count(db, "audit_log")) == (rows, audits)


def test_a_refused_save_leaves_its_token_usable(db):
    from lib.db import new_token
    who = editor(db)
    token = new_token()
    with pytest.raises(ValidationError):
        updates.record(db, who, P, [Update("XH-09", stage="xong")], new_period=True, token=token)
    assert updates.record(db, who, P, [Update("XH-09", stage="da_ban_giao")], new_period=True, token=token).count == 1


def test_a_threshold_changed_since_the_form_was_opened_is_refused(db):
    who = admin(db)
    shown = dict(zip(*[db.query("SELECT key, value FROM setting")[c] for c in ("key", "value")]))
    key = next(iter(shown))
    other = str(int(shown[key]) + 1)
    updates.save_settings(db, who, {key: other}, seen=shown)
    with pytest.raises(updates.ConflictError) as e:
        updates.save_settings(db, who, {key: str(int(shown[key]) + 2)}, seen=shown)
    [c] = e.value.conflicts
    assert (c.key, c.theirs["value"], c.yours["value"]) == (key, other, str(int(shown[key]) + 2))
    assert db.scalar("SELECT value FROM setting WHERE key = ?", [key]) == other


def test_the_receipt_of_a_token_is_read_back_from_the_database(db):
    from lib.db import new_token
    who = editor(db)
    token = new_token()
    assert updates.receipt_of(db, token) is None                      # nothing written under it yet
    written = updates.record(db, who, P, [Update("XH-09", stage="da_ban_giao", physical_pct=100)],
                             new_period=True, token=token)
    again = updates.receipt_of(db, token)
    assert again == written and again.period_id == "2023-06"


# -- messages in the user's language -------------------------------------------------------------

def test_problems_and_conflicts_read_in_english_and_in_vietnamese(db):
    from lib.i18n import text_of
    with pytest.raises(ValidationError) as e:
        updates.record(db, editor(db), Period("2023-13", "x", date(2023, 12, 31)),
                       [Update("XH-09", physical_pct=150, disbursed_vnd=-1)], new_period=True)
    assert str(e.value) == "Kỳ báo cáo, cột Mã kỳ: '2023-13' cần có dạng NĂM-THÁNG, ví dụ 2023-06"
    assert e.value.text("en") == "Reporting period, column Period code: '2023-13' must have the form YEAR-MONTH, e.g. 2023-06"
    with pytest.raises(ValidationError) as e:
        updates.validate_updates([Update("XH-09", physical_pct=150, disbursed_vnd=-1, expected_year=2024)], db,
                                 date(2023, 6, 30))
    vi, en = [text_of(p, "vi") for p in e.value.problems], [text_of(p, "en") for p in e.value.problems]
    assert vi[:2] == ["Dòng 1 (XH-09), cột Khối lượng thực hiện (%): 150 phải từ 0 đến 100",
                      "Dòng 1 (XH-09), cột Đã giải ngân lũy kế (đồng): không được âm"]
    assert en[:2] == ["Row 1 (XH-09), column Physical progress (%): 150 must be between 0 and 100",
                      "Row 1 (XH-09), column Disbursed to date (VND): must not be negative"]
    with pytest.raises(ValidationError) as e:
        updates.record(db, editor(db), P, [], new_period=True)
    assert (str(e.value), e.value.text("en")) == ("Chưa có dòng cập nhật nào.", "There are no update rows yet.")
    with pytest.raises(ValidationError) as e:
        updates.save_settings(db, admin(db), {"khong_co": 1})
    assert e.value.text("en") == "Setting khong_co: not in the settings table"
    assert str(e.value) == "Tham số khong_co: không có trong bảng setting"
    conflict = updates.ConflictError([updates.Conflict("XH-10", {}, {})])
    assert str(conflict).startswith("Không ghi: XH-10 đã được người khác cập nhật")
    assert conflict.text("en").startswith("Not written: XH-10 was updated by someone else")
