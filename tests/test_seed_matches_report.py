"""The default data reproduce the 12/2022 report, work by work.

Expectations are parsed from the report text itself (data/source/..., a verbatim copy), not typed
in: each work's quote must be a bullet of the report, and the amount, expected
year, stage and town read from that bullet must equal what the database holds.
"""
import re
from decimal import Decimal

import pandas as pd
import pytest

from lib import queries


def val(x):
    """None for any missing marker (None, NaN, pd.NA), else the value."""
    return None if x is None or (not isinstance(x, list) and pd.isna(x)) else x


def section(text: str, start: str, end: str) -> str:
    i = text.index(start)
    return text[i:text.index(end, i)]


def bullets(block: str) -> list[str]:
    return [ln[2:].strip() for ln in block.splitlines() if ln.startswith("- ")]


@pytest.fixture
def results_bullets(report_text):
    return bullets(section(report_text, "1. Kết quả thực hiện các mục tiêu cụ thể",
                           "2. Kết quả thực hiện các nhiệm vụ"))


def amount_vnd(quote: str) -> int | None:
    m = re.search(r"Tổng mức đầu tư ([\d,]+) tỷ đồng", quote)
    return int(Decimal(m.group(1).replace(",", ".")) * 1_000_000_000) if m else None


def expected_year(quote: str) -> int | None:
    m = re.search(r"[Dd]ự kiến[^.]*?(20\d\d)", quote)
    return int(m.group(1)) if m else None


def stage_from(quote: str, planning: bool) -> str | None:
    """The stage the report states, or None: a planning task is at "quy_hoach" only when its bullet
    names the step it is at ("Xin chủ trương và kinh phí ..."); a bare title states no status."""
    if planning:
        return "quy_hoach" if re.match(r"(Xin|Đang|Đã)\b", quote) else None
    if "đã bàn giao" in quote:
        return "da_ban_giao"
    if re.search(r"đang thực hiện (công tác )?(GPMB|giải phóng mặt bằng)", quote):
        return "dang_gpmb"
    if re.search(r"đang hoàn thiện (các )?thủ tục", quote, re.I):
        return "hoan_thien_thu_tuc"
    if "đang thi công" in quote.lower():
        return "dang_thi_cong"
    return None


TOWNS = {"thị trấn Trùng Khánh": "trung-khanh", "thị trấn Trà Lĩnh": "tra-linh"}


def test_every_bullet_of_the_results_is_a_work_and_back(db, results_bullets):
    works = queries.works(db)
    quotes = set(works["source_quote"])
    assert quotes == set(results_bullets), "a bullet of III.1 is missing from the data, or a quote is not in the report"
    # the lighting bullet names two works (one per town); every other bullet is one work
    assert len(works) == len(results_bullets) + 1


def test_each_work_matches_its_bullet(db, report_text):
    planning = bullets(section(report_text, "2.3. Công tác Quy hoạch", "2. Kết quả thực hiện các nhiệm vụ"))
    works = queries.works(db)
    for w in works.itertuples():
        quote = w.source_quote
        is_planning = quote in planning
        # name as written (case aside), or a documented correction of a slip
        assert w.name.casefold() in quote.casefold() or "thiếu chữ" in (val(w.source_note) or ""), w.id
        # amount: as written, and empty (never 0) when the report gives none
        want = amount_vnd(quote)
        got = val(w.total_investment_vnd)
        assert got == want, (w.id, got, want)
        # expected year, recorded as the frozen baseline and as the current value
        year = expected_year(quote)
        base, cur = val(w.baseline_year), val(w.expected_year)
        assert base == year and cur == year, (w.id, base, cur, year)
        # stage, from the report's own wording
        stage = val(w.stage)
        assert stage == stage_from(quote, is_planning), (w.id, stage)
        # town: named in the work's name, else district offices, else unknown or an explained inference
        named = {code for town, code in TOWNS.items() if town in w.name}
        if named:
            assert set(w.area_ids) == named and not w.area_inferred, w.id
        elif "huyện Trùng Khánh" in w.name:
            assert w.area_ids == ["huyen-trung-khanh"], w.id
        else:
            assert w.area_ids == [] or (w.area_inferred and val(w.area_note)), w.id
        assert w.source_ref, w.id


def test_planning_tasks_carry_only_the_status_the_report_states(db, report_text):
    planning = bullets(section(report_text, "2.3. Công tác Quy hoạch", "2. Kết quả thực hiện các nhiệm vụ"))
    works = queries.works(db)
    tasks = works[works["kind"] == "nhiem_vu_quy_hoach"].set_index("id")
    assert sorted(tasks["source_quote"]) == sorted(planning)
    # Trùng Khánh: a bare title, no status anywhere in the report -> stage unknown (NULL)
    assert planning[0].startswith("Điều chỉnh, mở rộng quy hoạch chung thị trấn Trùng Khánh")
    assert val(tasks.loc["QH-01", "stage"]) is None
    # Trà Lĩnh: "Xin chủ trương và kinh phí ...", and section VI.1 asks the province for both
    assert planning[1].startswith("Xin chủ trương và kinh phí")
    assert "sớm cho chủ trương và kinh phí điều chỉnh quy hoạch chung thị trấn Trà Lĩnh" in report_text
    assert tasks.loc["QH-02", "stage"] == "quy_hoach"
    # neither has an amount or a year
    assert tasks["total_investment_vnd"].isna().all() and tasks["expected_year"].isna().all()
    assert list(tasks["planning_period"]) == ["2020-2035", "2023-2035"]
    assert "2020 – 2035" in planning[0] and "2023 – 2035" in planning[1]


def test_programme_fields_are_those_of_the_report(db, report_text):
    p = queries.programme(db)
    m = re.search(r"Chương trình trọng tâm số (\d+/CTr-HU) ngày (\d+)/(\d+)/(\d{4})", report_text)
    assert p["decision_no"] == m.group(1)
    assert str(p["decision_date"])[:10] == f"{m.group(4)}-{int(m.group(3)):02d}-{int(m.group(2)):02d}"
    k = re.search(r"Kế hoạch số (\d+/KH-BCĐ) ngày (\d+)/(\d+)/(\d{4})", report_text)
    assert p["plan_no"] == k.group(1)
    assert str(p["plan_date"])[:10] == f"{k.group(4)}-{int(k.group(3)):02d}-{int(k.group(2)):02d}"
    assert "Huyện ủy Trùng Khánh đã ban hành Chương trình trọng tâm số 07/CTr-HU" in report_text
    assert p["issuer"] == "Huyện ủy Trùng Khánh"
    assert "thị trấn Trùng Khánh và thị trấn Trà Lĩnh, giai đoạn 2021-2025" in report_text
    assert "thị trấn Trùng Khánh và thị trấn Trà Lĩnh, giai đoạn 2021-2025" in p["name"]


def test_inferences_and_slips_are_notes_not_facts(db):
    works = queries.works(db).set_index("id")
    resettlement = works.loc[[i for i in works.index if "tái định cư" in works.loc[i, "name"]][0]]
    assert "huyện Trà Lĩnh" in resettlement["source_note"]
    assert "huyện Trà Lĩnh" not in resettlement["name"]
    assert resettlement["area_inferred"]
    assert any("2.2" in (val(n) or "") for n in works["source_note"])
    prog = queries.programme(db)
    assert (prog["period_start"], prog["period_end"]) == (2021, 2025)
    assert "2022 - 2025" in prog["source_note"]


def test_one_reporting_period_dated_to_the_report(db, report_text):
    periods = queries.periods(db)
    assert len(periods) == 1
    p = periods.iloc[0]
    assert "tháng 12 năm 2022" in report_text
    assert (p["as_of"].year, p["as_of"].month, p["as_of_precision"]) == (2022, 12, "month")
    assert db.scalar("SELECT count(DISTINCT work_id) FROM status_update WHERE period_id = ?", [p["id"]]) == \
        db.scalar("SELECT count(*) FROM work")


def test_department_tasks_are_those_of_section_III_2_1(db, report_text):
    tasks_text = bullets(section(report_text, "2.1. Nhiệm vụ:", "2.2. Giải pháp chủ yếu"))
    tasks = queries.department_tasks(db)
    assert len(tasks) == len(tasks_text)
    flat = " ".join(tasks_text).casefold()
    for task, text in zip(tasks.itertuples(), tasks_text):   # in the report's order
        first_sentence = task.task.split(".")[0].casefold()
        assert first_sentence in flat, task.id
        assert first_sentence in text.casefold(), task.id
        # each department named by the bullet ("Chỉ đạo <department> ...")
        for dept in task.department.split("; "):
            name = dept.removeprefix("UBND ").casefold()   # "UBND thị trấn Trùng Khánh, thị trấn Trà Lĩnh"
            assert name in text.casefold(), (task.id, dept)
        # the source is section III.2.1; the report does not tie these tasks to another document
        assert task.source_ref.startswith("Mục III.2.1"), task.id
        assert "203/TB-BCĐ" not in task.source_ref, task.id


def test_delay_causes_quote_section_IV_2(db, report_text):
    causes = bullets(section(report_text, "2. Hạn chế và nguyên nhân", "V. BÀI HỌC"))
    stored = queries.delay_causes(db).dropna(subset=["report_text"])
    assert sorted(stored["report_text"]) == sorted(causes)
    assert set(stored["code"]) == {"von", "thu_tuc", "gpmb"}


def test_targets_per_town(db, report_text):
    t = queries.targets(db).set_index("area_id")
    assert t.loc["trung-khanh", "target_class"] == "IV" and t.loc["tra-linh", "target_class"] == "V"
    assert "một số tiêu chí đạt đô thị loại IV" in t.loc["tra-linh", "target_text"]
    assert "thị trấn Trùng Khánh đạt các tiêu chí đô thị loại IV" in report_text
    assert "phấn đấu đến năm 2025" in report_text
    assert list(t.loc[["trung-khanh", "tra-linh"], "target_year"]) == [2025, 2025]


def test_towns_have_dates_and_successors(db):
    a = queries.areas(db).set_index("id")
    for town, commune in (("trung-khanh", "xa-trung-khanh"), ("tra-linh", "xa-tra-linh")):
        assert str(a.loc[town, "valid_to"].date()) == "2025-06-30"
        assert a.loc[town, "successor_id"] == commune
        assert str(a.loc[commune, "valid_from"].date()) == "2025-07-01"


def test_work_standard_effects_claim_nothing_the_report_does_not_say(db):
    """An effect text may describe the work, but not add facts: "mới" (new) only where the report
    says so, and a length only as the report gives it."""
    links = db.query("SELECT ws.work_id, ws.effect, w.source_quote, w.length_m FROM work_standard ws "
                     "JOIN work w ON w.id = ws.work_id")
    assert len(links) > 0
    for r in links.itertuples():
        if re.search(r"\bmới\b", r.effect):
            assert re.search(r"\bmới\b", r.source_quote), (r.work_id, r.effect)
        for length in re.findall(r"(\d+(?:,\d+)?) m\b", r.effect):
            assert f"{length}m" in r.source_quote or f"{length} m" in r.source_quote, (r.work_id, r.effect)
