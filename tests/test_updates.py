"""Recording status updates: validation in Vietnamese, nothing half-written, baselines frozen."""
from datetime import date

import pytest
from hypothesis import given, settings, strategies as st, HealthCheck

from lib import queries, updates
from lib.auth import PermissionDenied
from lib.db import ValidationError
from lib.updates import Period, Update
from tests.auth_helpers import admin, editor  # noqa: E402,F401
from tests.conftest import seeded  # noqa: E402

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


# -- a save that repeats what is stored writes nothing (a burst of clicks on "Kiểm tra và ghi") ----

def rows_of(db, work):
    from lib.fmt import is_missing
    df = db.query("SELECT physical_pct, note, delay_cause FROM status_update WHERE work_id = ? ORDER BY id", [work])
    return [[None if is_missing(v) else v for v in r] for r in df.values.tolist()]


def test_the_fresh_form_submitted_again_after_a_save_writes_nothing_and_says_why(db):
    """The load test's burst: the first click saves XH-12 (12 %, a note); a later click of the same
    burst submits the fresh form, with its own token and version, prefilled with the stored values
    and an empty note. It is refused; the first row stays the only one."""
    from lib.db import new_token
    from lib.i18n import text_of
    who = editor(db, "Biên tập viên Một", "bientap1")
    updates.record(db, who, P, [Update("XH-12", "dang_thi_cong", 5, None, 2022)], new_period=True)
    seen = updates.versions(db, ["XH-12"])
    updates.record(db, who, P, [Update("XH-12", "dang_thi_cong", 12, None, 2022, "load-e1-03")],
                   new_period=False, seen=seen, token=new_token())
    before = (count(db, "status_update"), count(db, "audit_log"), db.data_version())
    fresh = updates.versions(db, ["XH-12"])               # the fresh form's view: a new version, a new token
    token = new_token()
    with pytest.raises(updates.NothingChanged) as e:
        updates.record(db, who, P, [Update("XH-12", "dang_thi_cong", 12.0, None, 2022, None)],
                       new_period=False, seen=fresh, token=token)
    assert (count(db, "status_update"), count(db, "audit_log"), db.data_version()) == before
    assert isinstance(e.value, ValidationError) and e.value.works == ["XH-12"]
    [p] = e.value.problems
    assert text_of(p, "vi").startswith("Dòng 1 (XH-12): giống số liệu đã lưu cho kỳ 2023-06 lúc ")
    assert "(Biên tập viên Một); muốn ghi thêm, hãy sửa một ô hoặc nhập ghi chú mới" in text_of(p, "vi")
    assert text_of(p, "en").startswith("Row 1 (XH-12): the same as what was stored for period 2023-06 at ")
    assert rows_of(db, "XH-12")[-2:] == [[5.0, None, None], [12.0, "load-e1-03", None]]
    # the refused submit used nothing up: the same view, changed, saves
    r = updates.record(db, who, P, [Update("XH-12", "dang_thi_cong", 13, None, 2022)], new_period=False,
                       seen=fresh, token=token)
    assert r.count == 1 and rows_of(db, "XH-12")[-1] == [13.0, None, None]


def test_a_blank_note_cause_or_year_repeats_the_stored_row_an_equal_one_too(db):
    who = editor(db)
    updates.record(db, who, P, [Update("XH-10", "dang_thi_cong", 40, 1_000, 2024, "Chậm vốn", "von")],
                   new_period=True)
    n = count(db, "status_update")
    for again in (Update("XH-10", "dang_thi_cong", 40, 1_000, 2024, "Chậm vốn", "von"),   # the same, note too
                  Update("XH-10", "dang_thi_cong", 40, "1.000", 2024),                    # note and cause blank
                  Update("XH-10", "dang_thi_cong", "40,0", 1_000, None, None, "von")):      # year blank
        with pytest.raises(updates.NothingChanged):
            updates.record(db, who, P, [again], new_period=False)
    assert count(db, "status_update") == n


def test_a_real_change_or_a_new_note_is_written_every_time(db):
    who = editor(db)
    updates.record(db, who, P, [Update("XH-10", "dang_thi_cong", 40, None, 2022, "đợt 1")], new_period=True)
    for change in (Update("XH-10", "dang_thi_cong", 40, None, 2022, "đợt 2"),           # a new note
                   Update("XH-10", "dang_thi_cong", 40, None, 2022, "đợt 2", "von"),    # a cause given
                   Update("XH-10", "dang_thi_cong", 45, None, 2022),                    # another %
                   Update("XH-10", "dang_thi_cong", None, None, 2022),                  # % cleared: no data now
                   Update("XH-10", "da_ban_giao", None, None, 2022),                    # another stage
                   Update("XH-10", "da_ban_giao", None, 500, 2022),                     # an amount
                   Update("XH-10", "da_ban_giao", None, 500, 2024, "bù tiến độ")):      # another year
        assert updates.record(db, who, P, [change], new_period=False).count == 1
    assert len(rows_of(db, "XH-10")) == 1 + 1 + 7           # the seed's row, the first save, every change


def test_an_unchanged_status_may_be_confirmed_once_in_each_period(db):
    """Recording a work as it stands into a period where it has no row yet is a confirmation for
    that period (the stalled-work flag counts such periods): written. Only a repeat is refused."""
    who = editor(db)
    seed_row = db.query("SELECT stage, physical_pct, expected_year FROM status_update WHERE work_id = 'XH-11'").iloc[0]
    same = Update("XH-11", seed_row["stage"], None, None, int(seed_row["expected_year"]))
    updates.record(db, who, P, [Update("XH-09", stage="da_ban_giao")], new_period=True)  # P exists, no XH-11 row
    assert updates.record(db, who, P, [same], new_period=False).count == 1
    with pytest.raises(updates.NothingChanged):
        updates.record(db, who, P, [same], new_period=False)
    # the seed's own period already has this row: a repeat there is refused too
    with pytest.raises(updates.NothingChanged):
        updates.record(db, who, Period("2022-12", "Sơ kết", date(2022, 12, 31)), [same], new_period=False)


def test_the_year_in_force_counts_when_the_stored_row_left_it_blank(db):
    """The form is prefilled with the newest expected year given: restating it adds nothing."""
    who = editor(db)
    updates.record(db, who, P, [Update("XH-10", "dang_thi_cong", 30)], new_period=True)   # year blank: 2022 in force
    with pytest.raises(updates.NothingChanged):
        updates.record(db, who, P, [Update("XH-10", "dang_thi_cong", 30, None, 2022)], new_period=False)
    assert updates.record(db, who, P, [Update("XH-10", "dang_thi_cong", 30, None, 2024, None, "von")],
                          new_period=False).count == 1                                 # a slip, with its reason


def test_one_repeated_row_refuses_the_whole_save_and_names_it(db):
    who = editor(db)
    updates.record(db, who, P, [Update("XH-10", "dang_thi_cong", 40, None, 2022)], new_period=True)
    n = count(db, "status_update")
    with pytest.raises(updates.NothingChanged) as e:
        updates.record(db, who, P, [Update("XH-09", stage="da_ban_giao"), Update("XH-10", "dang_thi_cong", 40, None, 2022)],
                       new_period=False, row_labels=[updates.row_label(3), updates.row_label(7)])
    assert [str(p).split(":")[0] for p in e.value.problems] == ["Dòng 7 (XH-10)"] and e.value.works == ["XH-10"]
    assert count(db, "status_update") == n                  # all or nothing: not even XH-09


def test_a_stale_view_is_a_conflict_before_it_is_a_repeat(db):
    """Two editors typed the same values: the second is told who stored them (both values shown)."""
    anh, binh = editor(db, "Anh", "anh"), editor(db, "Bình", "binh")
    updates.record(db, anh, P, [Update("XH-10", stage="dang_thi_cong")], new_period=True)
    seen = updates.versions(db)
    updates.record(db, anh, P, [Update("XH-10", "dang_thi_cong", 40, None, 2022)], new_period=False, seen=seen)
    with pytest.raises(updates.ConflictError):
        updates.record(db, binh, P, [Update("XH-10", "dang_thi_cong", 40, None, 2022)], new_period=False, seen=seen)


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


# -- the update page: a burst of clicks on "Kiểm tra và ghi" writes one row (Streamlit AppTest) -----

@pytest.fixture
def app(tmp_path, monkeypatch):
    import streamlit
    from tests.test_app import new_app
    monkeypatch.setenv("CT07_DB_PATH", str(seeded(tmp_path / "app.duckdb")))
    streamlit.cache_resource.clear()
    streamlit.cache_data.clear()
    return new_app(tmp_path)


def one_form_save(at):
    """The one-work form's "Kiểm tra và ghi" (not the period table's), or None when not drawn."""
    found = [b for b in at.button if b.label == "Kiểm tra và ghi" and not (b.key or "").startswith("upd_all_save_")]
    return found[0] if found else None


def test_a_burst_of_clicks_on_the_update_page_writes_one_row_and_says_why(app):
    """The load test's finding: after the first click's save, the page drew a fresh form for the same
    work (new token, stored values, empty note) and a later click of the burst submitted it: a second
    row with no note. Now the work just saved gets no fresh form until "Nhập tiếp công trình này" is
    clicked, and a fresh form submitted unchanged is refused with the reason on screen."""
    from tests.auth_helpers import sign_in_app
    from tests.test_app import goto
    from ui import frame
    sign_in_app(app, "editor", "Biên tập viên Một", "bientap1")
    app.run()
    goto(app, "pages/cap_nhat.py")
    app.selectbox(key="upd_work").set_value("XH-12").run()
    db = frame.get_db()
    xh12 = lambda: db.scalar("SELECT count(*) FROM status_update WHERE work_id = 'XH-12'")  # noqa: E731
    before, total = xh12(), count(db, "status_update")
    [n for n in app.number_input if n.label == "Khối lượng thực hiện (%)"][0].set_value(12)
    [a for a in app.text_area if a.label == "Ghi chú"][0].input("load-e1-03")
    one_form_save(app).click().run()
    assert not app.exception, app.exception
    said = [s.value.replace("\\", "") for s in app.success]
    assert any("Đã ghi 1 dòng vào kỳ 2022-12" in s and "Ghi chú: load-e1-03" in s for s in said), said
    # the receipt, and no fresh form for XH-12: the rest of the burst finds nothing to submit
    assert one_form_save(app) is None
    assert any("Vừa lưu XH-12 vào kỳ 2022-12 lúc" in i.value.replace("\\", "") for i in app.info)
    again = [b for b in app.button if b.label == "Nhập tiếp công trình này"]
    assert len(again) == 1 and xh12() == before + 1
    # the user asks for the form again, and submits it as drawn (stored values, empty note)
    again[0].click().run()
    assert not any("Vừa lưu" in i.value for i in app.info)
    assert [a for a in app.text_area if a.label == "Ghi chú"][0].value == ""
    one_form_save(app).click().run()
    assert not app.exception, app.exception
    told = [i.value.replace("\\", "") for i in app.info if "Không có gì thay đổi" in i.value]
    assert len(told) == 1 and "Không có gì thay đổi so với số liệu đã lưu, nên không ghi thêm dòng nào" in told[0]
    assert "XH-12" in told[0] and "giống số liệu đã lưu cho kỳ 2022-12" in told[0] and "Biên tập viên Một" in told[0]
    assert not any("Đã ghi" in s.value for s in app.success)
    assert (xh12(), count(db, "status_update")) == (before + 1, total + 1)          # exactly one row
    assert db.scalar("SELECT count(*) FROM status_update WHERE work_id = 'XH-12' AND note IS NULL "
                     "AND entered_by = 'Biên tập viên Một'") == 0
    # a real repeated save is not hidden: a new note on the same values is written
    [a for a in app.text_area if a.label == "Ghi chú"][0].input("đo lại tại hiện trường")
    one_form_save(app).click().run()
    assert any("Đã ghi 1 dòng" in s.value and "đo lại tại hiện trường" in s.value for s in app.success)
    assert xh12() == before + 2


def test_after_a_save_the_next_work_gets_its_form_at_once(app):
    """The secretary records one work after another: picking the next work shows its form at once."""
    from tests.auth_helpers import sign_in_app
    from tests.test_app import goto
    sign_in_app(app)
    app.run()
    goto(app, "pages/cap_nhat.py")
    app.selectbox(key="upd_work").set_value("XH-09").run()
    [s for s in app.selectbox if s.label == "Giai đoạn"][0].set_value("da_ban_giao")
    one_form_save(app).click().run()
    assert any("Đã ghi 1 dòng" in s.value for s in app.success) and one_form_save(app) is None
    app.selectbox(key="upd_work").set_value("XH-10").run()
    assert not app.exception, app.exception
    assert one_form_save(app) is not None and not [b for b in app.button if b.label == "Nhập tiếp công trình này"]
    [n for n in app.number_input if n.label == "Khối lượng thực hiện (%)"][0].set_value(55)
    one_form_save(app).click().run()
    assert any("Đã ghi 1 dòng" in s.value and "XH-10" in s.value.replace("\\", "") for s in app.success)
    # back to XH-09: its form again (the "just saved" state was for the work last saved only)
    app.selectbox(key="upd_work").set_value("XH-09").run()
    assert one_form_save(app) is not None
