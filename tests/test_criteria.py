"""Criteria in the database: stored rule-sets, imports, indicator values, scorecards, projections."""
from datetime import date

import pandas as pd
import pytest

from lib import criteria, rulesets
from lib.rulesets import RulesetError
from lib.updates import ValidationError


def repo_texts():
    return {f: (rulesets.RULESETS_DIR / f).read_text(encoding="utf-8") for f in rulesets.FILES.values()}


def test_default_rulesets_are_stored_and_copied_into_tables(db):
    assert set(criteria.catalog(db).ids) == {"nq1210-2016", "nq1210-2016-nq26-2022", "nq111-2025"}
    assert db.scalar("SELECT count(*) FROM ruleset_standard WHERE ruleset_id = 'nq111-2025' AND class_code = 'III'") == 23
    assert db.scalar("SELECT sum(max_points) FROM ruleset_standard WHERE ruleset_id = 'nq111-2025' AND class_code = 'III'") == 100


def test_a_bad_import_names_file_row_and_field_and_writes_nothing(db):
    texts = repo_texts()
    texts["standards.csv"] = texts["standards.csv"].replace(",5.5,7,", ",năm,7,", 1)
    before = db.data_version()
    with pytest.raises(RulesetError) as e:
        criteria.import_rulesets(db, "quản trị", texts)
    assert "standards.csv, dòng" in str(e.value) and "min_points" in str(e.value)
    assert db.data_version() == before
    assert len(criteria.catalog(db).ids) == 3


def test_a_missing_file_is_reported(db):
    texts = repo_texts()
    del texts["levels.csv"]
    with pytest.raises(RulesetError, match="levels.csv: không tìm thấy tệp"):
        criteria.import_rulesets(db, "quản trị", texts)


def test_a_good_import_replaces_and_is_audited(db):
    texts = repo_texts()
    texts["rulesets.csv"] = texts["rulesets.csv"].replace("NQ 111/2025 (Phụ lục II, Bảng 2A)", "NQ 111/2025 (đã sửa)")
    criteria.import_rulesets(db, "quản trị", {k: v.encode("utf-8") for k, v in texts.items()})
    assert criteria.catalog(db)["nq111-2025"].info.name == "NQ 111/2025 (đã sửa)"
    assert db.scalar("SELECT action FROM audit_log ORDER BY id DESC LIMIT 1") == "import_rulesets"


def test_the_scorecard_is_honest_about_unknowns(db):
    card = criteria.scorecard(db, "tra-linh", "nq1210-2016-nq26-2022", "V")
    res = card.result
    assert res.verdict == "chua_du_so_lieu" and pd.isna(res.total)
    s = res.standards.set_index("code")
    # the regional factor of Cao Bằng: 50% of 1.000 người/km² for loại V
    assert s.loc["TC3.1", "min_level_applied"] == 500
    assert s.loc["TC3.1", "value"] == 359 and s.loc["TC3.1", "gap"] == 141
    assert not card.uses_demo
    assert set(card.values["confidence"]) == {"C2"}  # the facts we have are secondary-source


def test_demo_values_only_when_asked(db):
    off = criteria.scorecard(db, "trung-khanh", "nq111-2025", "III")
    on = criteria.scorecard(db, "trung-khanh", "nq111-2025", "III", include_demo=True)
    assert off.result.n_scored < on.result.n_scored == 23
    assert on.uses_demo and not off.uses_demo
    # a real value beats a demo value of the same standard
    v = on.values.set_index("standard_code")
    assert v.loc["2A.II.03", "value_num"] == 6843 and not v.loc["2A.II.03", "is_demo"]


def test_indicator_values_keep_history_and_validate(db):
    criteria.add_indicator_value(db, "thống kê", "tra-linh", "2A.III.16", "3", date(2025, 6, 30), "Niên giám 2024")
    criteria.add_indicator_value(db, "thống kê", "tra-linh", "2A.III.16", 4, date(2026, 1, 1), "Niên giám 2025")
    assert criteria.indicator_values(db, "tra-linh").set_index("standard_code").loc["2A.III.16", "value_num"] == 4
    assert criteria.indicator_values(db, "tra-linh", date(2025, 12, 31)).set_index("standard_code").loc[
        "2A.III.16", "value_num"] == 3
    assert len(criteria.value_history(db, "tra-linh", "2A.III.16")) == 2
    with pytest.raises(ValidationError) as e:
        criteria.add_indicator_value(db, "<b>x</b>", "ha-noi", "KHONG", "-5", None, "")
    text = str(e.value)
    for part in ("cột Người nhập", "cột Địa bàn: 'ha-noi'", "cột Tiêu chuẩn: 'KHONG'", "cột Nguồn", "cột Ngày số liệu"):
        assert part in text
    with pytest.raises(ValidationError, match="không được âm"):
        criteria.add_indicator_value(db, "a", "tra-linh", "2A.III.16", "-1", date(2025, 1, 1), "x")
    with pytest.raises(ValidationError, match="vượt quá 100"):
        criteria.add_indicator_value(db, "a", "tra-linh", "2A.III.08", "120", date(2025, 1, 1), "x")


def test_links_cover_the_works_named_in_the_issue(db):
    links = criteria.work_links(db)
    by_work = links.groupby("work_id")["standard_code"].apply(set)
    assert "2A.III.09" in by_work["XH-10"]          # drainage
    assert "TC5.CS" in by_work["CT-01"]             # street lighting
    assert "2A.III.11" in by_work["XH-03"]          # landfill and solid waste
    assert "2A.III.16" in by_work["XH-01"]          # cultural centre
    assert "2A.III.17" in by_work["XH-09"]          # sports ground
    assert "2A.III.23" in by_work["QH-01"]          # planning tasks and architecture rules
    # every linked code is a standard of some rule-set
    codes = set(db.query("SELECT code FROM ruleset_standard")["code"])
    assert set(links["standard_code"]) <= codes


def test_projected_score_rises_when_a_counted_work_completes(db):
    cat = criteria.catalog(db)
    values = criteria.values_map(criteria.indicator_values(db, "trung-khanh", include_demo=True))
    links = criteria.work_links(db)
    before = criteria.project_scores(cat, "nq111-2025", "III", None, values, links, {"XH-01": 2027}, [2026, 2027])
    assert before.iloc[1]["total"] > before.iloc[0]["total"]  # +1 công trình văn hoá in 2027
    never = criteria.project_scores(cat, "nq111-2025", "III", None, values, links, {"XH-01": None}, [2026, 2027])
    assert never.iloc[0]["total"] == never.iloc[1]["total"]


def test_indicator_values_are_read_the_vietnamese_way(db):
    when = date(2025, 6, 30)
    criteria.add_indicator_value(db, "thống kê", "trung-khanh", "TC2.2", "7.250", when, "Niên giám")
    criteria.add_indicator_value(db, "thống kê", "trung-khanh", "TC3.2", "1.036,5", when, "Niên giám")
    criteria.add_indicator_value(db, "thống kê", "trung-khanh", "2A.I.01", "cấp tỉnh", when, "Quy hoạch tỉnh")
    v = criteria.indicator_values(db, "trung-khanh").set_index("standard_code")
    assert v.loc["TC2.2", "value_num"] == 7250
    assert v.loc["TC3.2", "value_num"] == 1036.5
    assert v.loc["2A.I.01", "value_text"] == "cấp tỉnh"
    assert v.loc["TC2.2", "confidence"] == "C2"  # a user's entry is not "checked against the text" unless said so
    with pytest.raises(ValidationError, match="cột Giá trị: 'nhiều' không phải là số"):
        criteria.add_indicator_value(db, "a", "trung-khanh", "TC2.2", "nhiều", when, "x")
    with pytest.raises(ValidationError, match="không phải là cấp hợp lệ"):
        criteria.add_indicator_value(db, "a", "trung-khanh", "2A.I.01", "cấp huyện", when, "x")
    with pytest.raises(ValidationError, match="ngày trong tương lai"):
        criteria.add_indicator_value(db, "a", "trung-khanh", "TC2.2", "1", date(2100, 1, 1), "x")
