"""Criteria in the database: stored rule-sets, imports, indicator values, scorecards, projections."""
from datetime import date

import pandas as pd
import pytest

from lib import criteria, rulesets
from lib.rulesets import RulesetError
from lib.db import ValidationError
from lib.auth import PermissionDenied  # noqa: E402
from tests.auth_helpers import admin, editor  # noqa: E402,F401
from tests.conftest import seeded  # noqa: E402


def repo_texts():
    return {f: (rulesets.RULESETS_DIR / f).read_text(encoding="utf-8") for f in rulesets.FILES.values()}


def test_default_rulesets_are_stored_and_copied_into_tables(db):
    assert set(criteria.catalog(db).ids) == {"nq1210-2016", "nq1210-2016-nq26-2022", "nq111-2025"}
    assert db.scalar("SELECT count(*) FROM ruleset_standard WHERE ruleset_id = 'nq111-2025' AND class_code = 'III'") == 23
    assert db.scalar("SELECT sum(max_points) FROM ruleset_standard WHERE ruleset_id = 'nq111-2025' AND class_code = 'III'") == 100


def test_a_bad_import_names_file_row_and_field_and_writes_nothing(db):
    texts = repo_texts()
    texts["standards.csv"] = texts["standards.csv"].replace(",5.5,7,", ",năm,7,", 1)
    who = admin(db)
    before = db.data_version()
    with pytest.raises(RulesetError) as e:
        criteria.import_rulesets(db, who, texts)
    assert "standards.csv, dòng" in str(e.value) and "min_points" in str(e.value)
    assert db.data_version() == before
    assert len(criteria.catalog(db).ids) == 3


def test_a_missing_file_is_reported(db):
    texts = repo_texts()
    del texts["levels.csv"]
    with pytest.raises(RulesetError, match="levels.csv: không tìm thấy tệp"):
        criteria.import_rulesets(db, admin(db), texts)


def test_a_good_import_replaces_and_is_audited(db):
    texts = repo_texts()
    texts["rulesets.csv"] = texts["rulesets.csv"].replace("NQ 111/2025 (Phụ lục II, Bảng 2A)", "NQ 111/2025 (đã sửa)")
    criteria.import_rulesets(db, admin(db), {k: v.encode("utf-8") for k, v in texts.items()})
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
    criteria.add_indicator_value(db, editor(db, "thống kê"), "tra-linh", "2A.III.16", "3", date(2025, 6, 30), "Niên giám 2024")
    criteria.add_indicator_value(db, editor(db, "thống kê"), "tra-linh", "2A.III.16", 4, date(2026, 1, 1), "Niên giám 2025")
    assert criteria.indicator_values(db, "tra-linh").set_index("standard_code").loc["2A.III.16", "value_num"] == 4
    assert criteria.indicator_values(db, "tra-linh", date(2025, 12, 31)).set_index("standard_code").loc[
        "2A.III.16", "value_num"] == 3
    assert db.scalar("SELECT count(*) FROM indicator_value WHERE area_id = 'tra-linh' AND standard_code = '2A.III.16' AND NOT is_demo") == 2
    with pytest.raises(ValidationError) as e:
        criteria.add_indicator_value(db, editor(db, "a"), "ha-noi", "KHONG", "-5", None, "")
    text = str(e.value)
    for part in ("cột Địa bàn: 'ha-noi'", "cột Tiêu chuẩn: 'KHONG'", "cột Nguồn", "cột Ngày số liệu"):
        assert part in text
    with pytest.raises(ValidationError, match="không được âm"):
        criteria.add_indicator_value(db, editor(db, "a"), "tra-linh", "2A.III.16", "-1", date(2025, 1, 1), "x")
    with pytest.raises(ValidationError, match="vượt quá 100"):
        criteria.add_indicator_value(db, editor(db, "a"), "tra-linh", "2A.III.08", "120", date(2025, 1, 1), "x")
    for nobody in (None, "<b>x</b>", "thống kê"):  # no identity, or a typed name: the write path refuses
        with pytest.raises(PermissionDenied):
            criteria.add_indicator_value(db, nobody, "tra-linh", "2A.III.16", "5", date(2025, 1, 1), "x")
    assert db.scalar("SELECT count(*) FROM indicator_value WHERE area_id = 'tra-linh' AND standard_code = '2A.III.16' AND NOT is_demo") == 2


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
    criteria.add_indicator_value(db, editor(db, "thống kê"), "trung-khanh", "TC2.2", "7.250", when, "Niên giám")
    criteria.add_indicator_value(db, editor(db, "thống kê"), "trung-khanh", "TC3.2", "1.036,5", when, "Niên giám")
    criteria.add_indicator_value(db, editor(db, "thống kê"), "trung-khanh", "2A.I.01", "cấp tỉnh", when, "Quy hoạch tỉnh")
    v = criteria.indicator_values(db, "trung-khanh").set_index("standard_code")
    assert v.loc["TC2.2", "value_num"] == 7250
    assert v.loc["TC3.2", "value_num"] == 1036.5
    assert v.loc["2A.I.01", "value_text"] == "cấp tỉnh"
    assert v.loc["TC2.2", "confidence"] == "C2"  # a user's entry is not "checked against the text" unless said so
    with pytest.raises(ValidationError, match="cột Giá trị: 'nhiều' không phải là số"):
        criteria.add_indicator_value(db, editor(db, "a"), "trung-khanh", "TC2.2", "nhiều", when, "x")
    with pytest.raises(ValidationError, match="không phải là cấp hợp lệ"):
        criteria.add_indicator_value(db, editor(db, "a"), "trung-khanh", "2A.I.01", "cấp huyện", when, "x")
    with pytest.raises(ValidationError, match="ngày trong tương lai"):
        criteria.add_indicator_value(db, editor(db, "a"), "trung-khanh", "TC2.2", "1", date(2100, 1, 1), "x")


# -- the answer per town (issue 12) ---------------------------------------------------------------

TODAY = date(2026, 11, 29)


@pytest.mark.parametrize("town, name, commune, target", [
    ("trung-khanh", "thị trấn Trùng Khánh", "xã Trùng Khánh", "IV"),
    ("tra-linh", "thị trấn Trà Lĩnh", "xã Trà Lĩnh", "V"),
])
def test_legal_status_today_is_loai_iii_under_article_15_and_part_of_a_commune(db, town, name, commune, target):
    legal = criteria.legal_status(db, town, TODAY)
    assert (legal.treated_as, legal.article, legal.law_id) == ("III", "Điều 15", "nq111-2025")
    assert legal.target_class == target and legal.law_from == date(2026, 1, 1) and legal.confidence == "C"
    assert legal.successor_name == commune and legal.merged_on == date(2025, 7, 1)
    assert "NQ 1657/NQ-UBTVQH15" in legal.merge_source
    text = " ".join(legal.lines())
    assert f"{name} được xác định là đô thị loại III" in text and "NQ 111/2025/UBTVQH15, Điều 15" in text
    assert f"mục tiêu của Chương trình là loại {target}, năm 2025" in text
    assert f"thuộc {commune} từ 01/07/2025" in text
    assert legal.short() == f"Loại III (NQ 111/2025/UBTVQH15, Điều 15); thuộc {commune} từ 01/07/2025"
    assert "Article" not in " ".join(legal.lines("en")) and "counts as urban class III" in " ".join(legal.lines("en"))


def test_before_2026_the_transition_does_not_apply(db):
    before = criteria.legal_status(db, "trung-khanh", date(2025, 12, 31))
    assert before.treated_as is None and before.article is None
    assert "loại III" not in " ".join(before.lines()) and "Điều 15" not in before.short()
    assert before.merged_on == date(2025, 7, 1)  # already part of the commune
    earlier = criteria.legal_status(db, "trung-khanh", date(2025, 6, 30))
    assert earlier.merged_on is None and earlier.successor_name is None
    assert "thuộc xã" not in earlier.short()


def test_town_answer_never_totals_out_of_100_with_unknowns(db):
    legacy = criteria.town_answer(db, "trung-khanh", "nq1210-2016-nq26-2022", None, TODAY)
    assert legacy.class_code == "IV" and legacy.verdict == "chua_du_so_lieu"
    assert legacy.verdict_text() == "chưa đủ số liệu để kết luận"
    assert legacy.points_known is None and legacy.max_total is None
    assert legacy.points_text() == "chưa chấm được tiêu chuẩn nào"
    # the bundled rows say what they stand for, in the name and in the count
    assert legacy.unknown_text() == ("15/15 tiêu chuẩn chưa chấm được (thiếu số liệu hoặc thang điểm), trong đó TC1 (8 tiêu chuẩn con, gộp), "
                                     "TC5 (toàn bộ Phụ lục 1 còn lại, gộp)")
    # below the minimum even though the legacy points are unknown (6.843 < 60 % × 50.000)
    assert {p.code for p in legacy.below} == {"TC2.1", "TC3.1"}
    nq111 = criteria.town_answer(db, "trung-khanh", "nq111-2025", None, TODAY)
    assert nq111.class_code == "III" and nq111.n_scored == 2 and nq111.max_total is None
    assert nq111.points_text() == "0 / 13 điểm của 2/23 tiêu chuẩn chấm được"
    assert "/ 100" not in nq111.points_text() and "/ 100" not in " ".join(nq111.lines())
    full = criteria.town_answer(db, "trung-khanh", "nq111-2025", None, TODAY, include_demo=True)
    assert full.n_scored == 23 and full.max_total == 100 and full.points_text().endswith("/ 100")


def test_each_unknown_standard_says_what_evidence_would_settle_it(db):
    ans = criteria.town_answer(db, "tra-linh", "nq111-2025", None, TODAY)
    unknown = {p.code: p for p in ans.unknown}
    assert len(unknown) == 21 and all(p.evidence for p in unknown.values())
    assert "cơ quan thống kê" in unknown["2A.II.05"].evidence
    legacy = criteria.town_answer(db, "tra-linh", "nq1210-2016-nq26-2022", None, TODAY)
    tc1 = next(p for p in legacy.unknown if p.code == "TC1")
    assert tc1.status == "rule_unknown" and tc1.bundle == "8 tiêu chuẩn con, gộp" and "gộp" in tc1.name
    assert "VBHN 18" in tc1.legal_source


def test_the_population_threshold_says_which_value_and_how_sure(db):
    ans = criteria.town_answer(db, "trung-khanh", "nq111-2025", None, TODAY)
    (pop,) = ans.thresholds
    assert pop.code == "2A.II.03" and pop.minimum == 20000 and pop.confidence == "C2"
    assert "50 nghìn" in pop.caveat and "20.000" in pop.caveat
    s = criteria.scorecard(db, "trung-khanh", "nq111-2025", "III").result.standards.set_index("code")
    assert s.loc["2A.II.03", "confidence_label"] == "chưa đối chiếu văn bản gốc"  # on its row


def test_adjustment_with_unknown_percentage_is_on_the_row_and_in_the_notes(db):
    ans = criteria.town_answer(db, "tra-linh", "nq111-2025", None, TODAY)
    res = criteria.scorecard(db, "tra-linh", "nq111-2025", "III").result
    row = res.standards.set_index("code").loc["2A.II.04"]
    assert str(row["adjustment"]).endswith("chấm theo mức chưa điều chỉnh (tỷ lệ điều chỉnh chưa có số liệu)")
    assert row["min_level_applied"] == 500
    assert any("Điều 8" in str(n) for n in ans.notes) and any("biên giới" in str(n) for n in ans.notes)
    # stored in the table, the unknown percentage is empty, never a number
    rf = db.query("SELECT kind, factor_pct, confidence FROM regional_factor WHERE ruleset_id = 'nq111-2025'")
    assert rf.set_index("kind").loc["vung", "confidence"] == "U"
    assert pd.isna(rf.set_index("kind").loc["vung", "factor_pct"])


def test_the_class_follows_the_town_and_a_chosen_class_is_kept(db):
    from lib import scenario_towns
    assert criteria.town_class(db, "tra-linh", "nq1210-2016-nq26-2022") == "V"
    assert criteria.town_class(db, "trung-khanh", "nq1210-2016-nq26-2022") == "IV"
    assert criteria.town_class(db, "tra-linh", "nq111-2025") == "III"       # Điều 15, from the rule data
    assert scenario_towns.class_for(db, "tra-linh", "nq1210-2016-nq26-2022") == "V"
    assert scenario_towns.class_for(db, "tra-linh", "nq1210-2016-nq26-2022", "IV") == "IV"
    p = scenario_towns.town_projection(db, "tra-linh", "nq1210-2016-nq26-2022", False, (), (2025,), "IV")
    assert p.class_code == "IV"
    assert criteria.town_answer(db, "tra-linh", "nq1210-2016-nq26-2022", "IV", TODAY).class_code == "IV"


# -- the page (AppTest) ----------------------------------------------------------------------------

@pytest.fixture
def app(tmp_path, monkeypatch):
    from tests.test_app import ROOT, new_app
    monkeypatch.setenv("CT07_DB_PATH", str(seeded(tmp_path / "app.duckdb")))
    monkeypatch.chdir(ROOT)
    return new_app(tmp_path)


def test_page_leads_with_the_legal_status_and_the_answer(app):
    from tests.test_app import goto, shown_table
    app.run()
    goto(app, "pages/tieu_chi.py")
    assert not app.exception, app.exception
    strip, _, caption = shown_table(app, "crit_targets")
    strip = strip.set_index("Thị trấn")
    legal = strip["Tình trạng pháp lý hôm nay"]
    assert legal.str.startswith("Loại III (NQ 111/2025/UBTVQH15, Điều 15); thuộc xã").all()
    assert "Tình trạng pháp lý tính đến" in caption
    md = " ".join(m.value for m in app.markdown)
    assert "được xác định là đô thị loại III" in md and "xã Trà Lĩnh" in md
    assert "chưa đủ số liệu để kết luận" in md
    assert "TC1 \\(8 tiêu chuẩn con, gộp\\)" in md           # escaped Markdown
    assert "/ 100" not in md
    app.selectbox(key="crit_ruleset").set_value("nq111-2025").run()
    md = " ".join(m.value for m in app.markdown)
    assert "dự thảo Bảng 2A tháng 9/2025" in md and "dùng 20\\.000 người" in md
    table = [d.value for d in app.dataframe if "Điều chỉnh (vùng, đặc thù)" in d.value.columns][0]
    assert table["Điều chỉnh (vùng, đặc thù)"].str.contains("chấm theo mức chưa điều chỉnh").all()


def test_switching_to_tra_linh_selects_loai_v_here_and_in_the_funding_projection(app):
    from tests.test_app import goto
    app.run()
    goto(app, "pages/tieu_chi.py")
    app.selectbox(key="crit_town").set_value("tra-linh").run()
    assert app.selectbox(key="crit_class").value == "V"
    assert any("mục tiêu" in c.value and "loại V, năm 2025" in c.value for c in app.caption)
    # a class chosen deliberately is kept for that town, and the strip says so
    app.selectbox(key="crit_class").set_value("IV").run()
    app.selectbox(key="crit_town").set_value("trung-khanh").run()
    assert app.selectbox(key="crit_class").value == "IV"
    app.selectbox(key="crit_town").set_value("tra-linh").run()
    assert app.selectbox(key="crit_class").value == "IV"
    assert any("chọn tay" in c.value for c in app.caption)
    app.selectbox(key="crit_class").set_value("V").run()   # back to the town's own class
    goto(app, "pages/kich_ban_von.py")
    assert not app.exception, app.exception
    labels = [m.label for m in app.metric]
    assert "Thị trấn Trà Lĩnh · loại V" in labels and "Thị trấn Trùng Khánh · loại IV" in labels
    # a class chosen deliberately on the criteria page is the one the funding projection uses
    goto(app, "pages/tieu_chi.py")
    app.selectbox(key="crit_town").set_value("tra-linh").run()
    app.selectbox(key="crit_class").set_value("IV").run()
    goto(app, "pages/kich_ban_von.py")
    assert not app.exception, app.exception
    assert "Thị trấn Trà Lĩnh · loại IV" in [m.label for m in app.metric]


def test_an_older_copy_of_the_default_rulesets_is_refreshed_but_an_import_is_kept(db):
    import csv
    import io
    rows = list(csv.reader(io.StringIO(repo_texts()["rulesets.csv"])))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(r[:9] for r in rows)  # the file before issue 12
    db.write(admin(db), "t", lambda cur: cur.execute(
        "UPDATE ruleset_file SET content = ? WHERE name = 'rulesets.csv'", [out.getvalue()]))
    assert criteria.catalog(db)["nq111-2025"].info.transition_class is None
    criteria.ensure_rulesets(db)
    assert criteria.catalog(db)["nq111-2025"].info.transition_class == "III"
    texts = repo_texts()
    texts["rulesets.csv"] = texts["rulesets.csv"].replace("NQ 111/2025 (Phụ lục II, Bảng 2A)", "NQ 111/2025 (sửa)")
    criteria.import_rulesets(db, admin(db), texts)
    criteria.ensure_rulesets(db)
    assert criteria.catalog(db)["nq111-2025"].info.name == "NQ 111/2025 (sửa)"


def test_page_in_english(app):
    from tests.test_app import goto
    app.query_params["lang"] = "en"
    app.run()
    goto(app, "pages/tieu_chi.py")
    assert not app.exception, app.exception
    md = " ".join(m.value for m in app.markdown)
    assert "counts as urban class III" in md and "not enough data to conclude" in md


# -- the rule-set import cannot remove a rule-set in use; the page survives any stored set -------

def _only(texts: dict[str, str], keep: set[str]) -> dict[str, str]:
    """The repository's files with only the rows of the rule-sets ``keep``."""
    import csv
    import io
    out = {}
    for name, text in texts.items():
        rows = list(csv.reader(io.StringIO(text, newline="")))
        key = rows[0].index("id" if name == "rulesets.csv" else "ruleset_id")
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows([rows[0]] + [r for r in rows[1:] if r and r[key] in keep])
        out[name] = buf.getvalue()
    return out


MINIMAL = {
    "rulesets.csv": "id,name,legal_source,valid_from,valid_to,classes,pass_mark,confidence,note\n"
                    "x-test,Bộ thử,,,,A,,U,\n",
    "groups.csv": "ruleset_id,class_code,code,name,max_points,min_points,confidence,note\n"
                  "x-test,,G1,Nhóm 1,,,U,\n",
    "standards.csv": "ruleset_id,class_code,code,group_code,name,unit,direction,min_level,high_level,min_points,"
                     "max_points,is_count,is_density,confidence,legal_source,note\n"
                     "x-test,A,S1,G1,Chuẩn 1,,,,,,,,,U,,\n",
    "levels.csv": "ruleset_id,standard_code,level,rank,confidence,note\n",
    "regional_factors.csv": "ruleset_id,region_code,region_name,kind,factor_pct,standards,confidence,legal_source,note\n",
}


def test_an_import_without_a_ruleset_in_use_is_refused_and_writes_nothing(db):
    who = admin(db)
    before = db.data_version()
    files = db.query("SELECT name, content FROM ruleset_file ORDER BY name")
    with pytest.raises(ValidationError) as e:   # the default rule-set, used by every page
        criteria.import_rulesets(db, who, _only(repo_texts(), {"nq111-2025", "nq1210-2016"}))
    assert "rulesets.csv: thiếu bộ tiêu chí 'nq1210-2016-nq26-2022' đang được dùng" in str(e.value)
    assert "bộ mặc định" in str(e.value)
    with pytest.raises(ValidationError) as e:   # the legal status of the towns comes from NQ 111 today
        criteria.import_rulesets(db, who, _only(repo_texts(), {"nq1210-2016-nq26-2022"}),
                                 today=date(2026, 3, 1))
    assert "'nq111-2025'" in str(e.value) and "tình trạng pháp lý" in str(e.value)
    assert db.data_version() == before
    assert db.query("SELECT name, content FROM ruleset_file ORDER BY name").equals(files)
    # a rule-set nothing uses may go
    criteria.import_rulesets(db, who, _only(repo_texts(), {"nq1210-2016-nq26-2022", "nq111-2025"}),
                             today=date(2026, 3, 1))
    assert criteria.catalog(db).ids == ["nq1210-2016-nq26-2022", "nq111-2025"]


def test_a_ruleset_whose_standards_hold_values_is_in_use(db):
    """Standard codes are shared by the versions of a text: a rule-set is in use by a value only
    when no rule-set of the import keeps the value's standard."""
    who = admin(db)
    criteria.add_indicator_value(db, who, "tra-linh", "2A.I.01", "cấp tỉnh", date(2024, 1, 1), "Niên giám")
    with pytest.raises(ValidationError) as e:
        criteria.import_rulesets(db, who, _only(repo_texts(), {"nq1210-2016-nq26-2022", "nq1210-2016"}),
                                 today=date(2024, 6, 1))
    assert "thiếu bộ tiêu chí 'nq111-2025' đang được dùng (tiêu chuẩn 2A.I.01" in str(e.value)
    assert "có giá trị chỉ tiêu đã nhập và không còn trong bộ nào khác" in str(e.value)
    # nq1210-2016's standards (with values and links) are all kept by its amended version
    criteria.import_rulesets(db, who, _only(repo_texts(), {"nq1210-2016-nq26-2022", "nq111-2025"}),
                             today=date(2024, 6, 1))


def test_an_import_stores_each_table_in_one_statement(db, monkeypatch):
    """Set-based: a multi-MB import holds the write lock for a fraction of a second (5.8 MB,
    288 rule-sets, 9 792 standards: 0.2 s in the lock), never one INSERT per row."""
    who = admin(db)
    statements = []
    real_write = db.write

    class Counting:
        def __init__(self, cur):
            self._cur = cur

        def execute(self, sql, *args):
            import sys
            statements.append(sql)
            caller = sys._getframe(1)   # DuckDB finds a frame named in the SQL among the caller's locals
            return eval("cur.execute(sql, *args)", caller.f_globals,
                        {**caller.f_locals, "cur": self._cur, "sql": sql, "args": args})

        def __getattr__(self, name):
            return getattr(self._cur, name)

    monkeypatch.setattr(db, "write", lambda who, action, fn, detail=None, token=None:
                        real_write(who, action, lambda cur: fn(Counting(cur)), detail, token))
    criteria.import_rulesets(db, who, repo_texts())
    inserts = [s.split()[2] for s in statements if s.startswith("INSERT")]
    assert sorted(inserts) == sorted(["ruleset_file", "ruleset", "ruleset_group", "ruleset_standard",
                                      "ruleset_level", "regional_factor"])
    assert db.scalar("SELECT count(*) FROM ruleset_standard") == 102
    assert db.scalar("SELECT standards FROM regional_factor WHERE kind = 'mat_do' LIMIT 1") == "TC3.1;TC3.2"


@pytest.mark.parametrize("cell, words", [
    ("9" * 25, "cột max_points: số quá lớn"),                      # a BIGINT would overflow
    ("x" * 200_000, "cột note: ô dài 200.000 ký tự, tối đa 4.000 ký tự"),
    ("a\ud800b", "cột note: có ký tự không hợp lệ (không phải UTF-8)"),
    ("a\x00b", "cột note: có ký tự điều khiển"),
])
def test_hostile_cells_are_named_by_file_row_and_column(db, cell, words):
    import csv
    import io
    texts = repo_texts()
    rows = list(csv.reader(io.StringIO(texts["groups.csv"], newline="")))
    rows[1][rows[0].index("max_points" if "max_points" in words else "note")] = cell
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    texts["groups.csv"] = out.getvalue()
    with pytest.raises(RulesetError) as e:
        criteria.import_rulesets(db, admin(db), texts)
    assert f"groups.csv, dòng 2, {words}" in str(e.value), str(e.value)[:300]


def test_bytes_that_are_not_utf8_and_oversized_files_are_refused_by_name(db):
    texts = {k: v.encode("utf-8") for k, v in repo_texts().items()}
    texts["levels.csv"] = texts["levels.csv"].replace("cấp".encode(), b"c\xe1p", 1)
    with pytest.raises(RulesetError, match=r"levels.csv, dòng \d+, cột level: có ký tự không hợp lệ"):
        criteria.import_rulesets(db, admin(db), texts)
    texts = repo_texts()
    texts["standards.csv"] += "\n" * 10 + "#" * (rulesets.MAX_FILE_BYTES + 1)
    with pytest.raises(RulesetError, match="standards.csv: tệp 5 MB, vượt giới hạn 5 MB"):
        criteria.import_rulesets(db, admin(db), texts)


def _store(texts: dict[str, str] | None) -> None:
    """Put rule-set files in the app's database as they are (no check): by hand or an old version."""
    from lib.db import db_path_from_env
    from ui import frame

    app_db = frame._open(str(db_path_from_env()))

    def write(cur):
        cur.execute("DELETE FROM ruleset_file")
        for name, content in (texts or {}).items():
            cur.execute("INSERT INTO ruleset_file VALUES (?, ?, now(), 'tay')", [name, content])
    app_db.write(admin(app_db), "t", write)


@pytest.mark.parametrize("case", ["without_default", "minimal", "no_standard", "none", "no_files", "invalid"])
def test_the_page_draws_for_any_stored_set_of_rulesets(app, case):
    from tests.test_app import goto
    from tests.auth_helpers import sign_in_app
    texts = {
        "without_default": _only(repo_texts(), {"nq111-2025"}),
        "minimal": MINIMAL,
        "no_standard": {**MINIMAL, "groups.csv": MINIMAL["groups.csv"].splitlines()[0] + "\n",
                        "standards.csv": MINIMAL["standards.csv"].splitlines()[0] + "\n"},
        "none": {k: v.splitlines()[0] + "\n" for k, v in MINIMAL.items()},
        "no_files": None,
        "invalid": {**repo_texts(), "standards.csv": "không phải CSV của bộ tiêu chí\n"},
    }[case]
    app.run()
    sign_in_app(app, "admin")
    _store(texts)
    goto(app, "pages/tieu_chi.py")
    assert not app.exception, [e.value for e in app.exception]
    notices = " ".join(x.value for x in list(app.warning) + list(app.error) + list(app.info))
    expected = {"without_default": "Không có bộ tiêu chí mặc định", "minimal": "Không có bộ tiêu chí mặc định",
                "no_standard": "Không có bộ tiêu chí mặc định", "none": "Chưa có bộ tiêu chí nào",
                "no_files": "Chưa có bộ tiêu chí nào", "invalid": "Bộ tiêu chí đang lưu có"}[case]
    assert expected in notices, notices
    assert any(e.label == "Nhập bộ tiêu chí" or "Nhập" in e.label for e in app.expander)
    assert app.button(key="crit_import_go") is not None   # the way back is on the page


# -- the problems of an entry and of an import read in the user's language ------------------------------
def test_indicator_value_problems_read_in_english_and_in_vietnamese(db):
    from lib.i18n import text_of
    with pytest.raises(ValidationError) as e:
        criteria.add_indicator_value(db, editor(db, "a"), "trung-khanh", "TC2.2", "nhiều", date(2100, 1, 1), "")
    vi, en = str(e.value), e.value.text("en")
    assert "Giá trị chỉ tiêu, cột Giá trị: 'nhiều' không phải là số" in vi
    assert "Giá trị chỉ tiêu, cột Ngày số liệu: 01/01/2100 là ngày trong tương lai" in vi
    assert "Indicator value, column Value: 'nhiều' is not a number" in en
    assert "Indicator value, column Data date: 01 Jan 2100 is in the future" in en
    assert "Indicator value, column Source: the source of the figure is needed" in en
    assert "Giá trị" not in en and all(text_of(p, "en") for p in e.value.problems)


def test_an_import_refused_for_a_ruleset_in_use_reads_in_english(db):
    with pytest.raises(ValidationError) as e:
        criteria.import_rulesets(db, admin(db), _only(repo_texts(), {"nq111-2025", "nq1210-2016"}))
    assert "thiếu bộ tiêu chí 'nq1210-2016-nq26-2022' đang được dùng (bộ mặc định" in str(e.value)
    en = e.value.text("en")
    assert en.startswith("rulesets.csv: the rule-set 'nq1210-2016-nq26-2022' is missing but in use (the default of")
    assert "Nothing was imported" in en and "đang được dùng" not in en
