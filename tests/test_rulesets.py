"""Loader of the rule-set files (data/rulesets/*.csv): shipped data and error messages."""
import ast
import csv
import shutil
import unicodedata
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from lib.rulesets import FILES, RULESETS_DIR, RulesetError, load_rulesets

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_2A = ROOT / "data" / "reference" / "nq111-2025-bang-2a.csv"  # pinned copy (data/reference/README.md)


@pytest.fixture(scope="module")
def catalog():
    return load_rulesets()


# ----------------------------------------------------------------------------- shipped data


def test_shipped_files_load(catalog):
    assert catalog.ids == ["nq1210-2016", "nq1210-2016-nq26-2022", "nq111-2025"]
    assert catalog["nq111-2025"].classes == ("II", "III")
    assert catalog["nq1210-2016-nq26-2022"].classes == ("IV", "V")


@pytest.mark.parametrize("cls", ["II", "III"])
def test_nq111_has_23_standards_summing_to_100_and_75(catalog, cls):
    std = catalog["nq111-2025"].standards_for(cls)
    assert len(std) == 23
    assert std["code"].is_unique
    assert std["max_points"].sum() == pytest.approx(100)
    assert std["min_points"].sum() == pytest.approx(75)
    assert set(std["confidence"]) == {"C2"}
    groups = catalog["nq111-2025"].groups_for(cls).set_index("code")
    assert groups["max_points"].to_dict() == {"I": 15, "II": 20, "III": 65}
    assert groups["min_points"].to_dict() == {"I": 11.5, "II": 15.5, "III": 48}
    by_group = std.groupby("group_code")[["max_points", "min_points"]].sum()
    assert by_group["max_points"].to_dict() == groups["max_points"].to_dict()
    assert by_group["min_points"].to_dict() == pytest.approx(groups["min_points"].to_dict())


def test_nq111_matches_the_reference_table(catalog):
    with open(REFERENCE_2A, encoding="utf-8") as f:
        ref = {r["code"]: r for r in csv.DictReader(f)}
    rs = catalog["nq111-2025"]
    for cls, lo, hi in (("III", "iii_min", "iii_max"), ("II", "ii_min", "ii_max")):
        std = rs.standards_for(cls).set_index("code")
        assert set(std.index) == set(ref)
        for code, r in ref.items():
            s = std.loc[code]
            assert s["name"] == r["standard"]
            assert s["group_code"] == r["group"]
            assert s["min_level"] == r[lo] and s["high_level"] == r[hi]
            assert s["min_points"] == float(r["points_min"]) and s["max_points"] == float(r["points_max"])
            assert s["direction"] == ("level" if r["unit"] == "level" else "higher")


def test_nq111_level_scale_and_flags(catalog):
    rs = catalog["nq111-2025"]
    assert rs.level_scale("2A.I.01") == ["cấp xã", "cấp tỉnh", "cấp vùng"]
    assert rs.level_rank("2A.III.06", "  Cấp  Tỉnh ") == 2
    assert rs.level_rank("2A.III.13", "có dự án") == 0.5
    std = rs.standards_for("III").set_index("code")
    assert set(std.index[std["is_count"]]) == {"2A.III.13", "2A.III.15", "2A.III.16", "2A.III.17",
                                                "2A.III.18", "2A.III.20"}
    assert list(std.index[std["is_density"]]) == ["2A.II.04"]
    assert std.loc["2A.III.13", "min_value"] == 0.5 and bool(std.loc["2A.III.13", "min_named"])


def test_legacy_groups_and_minimums(catalog):
    new = catalog["nq1210-2016-nq26-2022"]
    old = catalog["nq1210-2016"]
    assert new.groups_for("IV").set_index("code")["max_points"].tolist() == [18, 8, 8, 6, 60]
    assert old.groups_for("V").set_index("code")["max_points"].tolist() == [20, 8, 6, 6, 60]
    assert new.groups["min_points"].isna().all()
    assert new.info.pass_mark == 75 and new.info.confidence == "C2"
    assert new.info.valid_from == date(2023, 1, 1) and new.info.valid_to == date(2025, 12, 31)
    assert old.info.valid_from == date(2016, 5, 25) and old.info.valid_to == date(2022, 12, 31)

    iv = new.standards_for("IV").set_index("code")
    v = new.standards_for("V").set_index("code")
    assert iv.loc[["TC2.1", "TC2.2", "TC3.1", "TC3.2", "TC4.1", "TC4.2"], "min_value"].tolist() == \
        [50000, 20000, 1200, 6000, 55, 70]
    assert v.loc[["TC2.1", "TC3.1", "TC3.2", "TC4.1"], "min_value"].tolist() == [4000, 1000, 5000, 55]
    assert "TC2.2" not in v.index and "TC4.2" not in v.index  # n/a for loại V
    known = iv.loc[["TC2.1", "TC2.2", "TC3.1", "TC3.2", "TC4.1", "TC4.2"]]
    assert set(known["confidence"]) == {"C2"}
    # never invented: high levels and points of the legacy set are empty
    for rs in (new, old):
        assert rs.standards[["high_level", "min_points", "max_points"]].isna().all().all()
    # Phụ lục 1 standards: named only, all unknown, with the note to enter them
    pl1 = new.standards[new.standards["group_code"] == "5"]
    assert set(pl1["confidence"]) == {"U"}
    assert pl1["min_level"].isna().all()
    assert pl1["note"].str.contains("tên và giá trị cần nhập theo Phụ lục 1 NQ 1210 (sửa đổi bởi NQ 26)",
                                    regex=False).all()
    assert old.standards["min_level"].isna().all()


def test_regional_factors(catalog):
    rf = catalog["nq1210-2016-nq26-2022"].regional_factors
    pct = {(r.region_name, r.kind): r.factor_pct for r in rf.itertuples()}
    assert pct[("Trung du và miền núi phía Bắc", "dan_so")] == 60
    assert pct[("Trung du và miền núi phía Bắc", "mat_do")] == 50
    assert pct[("Tây Nguyên", "dan_so")] == 60 and pct[("Tây Nguyên", "mat_do")] == 50
    assert pct[("Đồng bằng sông Hồng", "dan_so")] == 100 and pct[("Đông Nam Bộ", "mat_do")] == 100
    assert pct[("Bắc Trung Bộ và Duyên hải miền Trung", "dan_so")] == 80
    assert pct[("Bắc Trung Bộ và Duyên hải miền Trung", "mat_do")] == 70
    assert pct[("Đồng bằng sông Cửu Long", "dan_so")] == 70
    assert pct[("Đồng bằng sông Cửu Long", "mat_do")] == 50
    assert set(rf["confidence"]) == {"C2"}
    # NQ 111, Điều 8: the adjustments are data, their percentages unknown (U), never made up
    nq111 = catalog["nq111-2025"].regional_factors.set_index("kind")
    assert nq111.loc["vung", "confidence"] == "U" and pd.isna(nq111.loc["vung", "factor_pct"])
    assert nq111.loc["vung", "region_code"] == "trung_du_mien_nui_phia_bac"
    assert "Điều 8" in nq111.loc["vung", "legal_source"]
    assert nq111.loc["bien_gioi", "confidence"] == "U" and pd.isna(nq111.loc["bien_gioi", "factor_pct"])
    assert nq111.loc["di_san", "factor_pct"] == 50 and nq111.loc["di_san", "confidence"] == "C2"
    assert list(catalog["nq111-2025"].regions()["region_code"]) == ["trung_du_mien_nui_phia_bac"]  # not "*"
    assert catalog["nq1210-2016"].regional_factors.empty


def test_valid_on(catalog):
    assert [r.id for r in catalog.valid_on(date(2022, 12, 1))] == ["nq1210-2016"]
    assert [r.id for r in catalog.valid_on(date(2024, 6, 1))] == ["nq1210-2016-nq26-2022"]
    assert [r.id for r in catalog.valid_on(date(2026, 3, 1), "III")] == ["nq111-2025"]
    assert catalog.valid_on(date(2026, 3, 1), "V") == []


def test_files_are_utf8_nfc_with_vietnamese_diacritics():
    for name in FILES.values():
        raw = (RULESETS_DIR / name).read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf"), f"{name} has a BOM"
        text = raw.decode("utf-8")
        assert unicodedata.normalize("NFC", text) == text, f"{name} is not NFC"
    text = (RULESETS_DIR / "standards.csv").read_text(encoding="utf-8")
    for word in ("Mật độ dân số", "Tỷ lệ lao động phi nông nghiệp", "Nhà tang lễ", "Thoát nước",
                 "Chiếu sáng đô thị", "Công trình thể dục thể thao", "chưa đối chiếu văn bản gốc"):
        assert word in text


def test_library_never_imports_streamlit():
    for module in ("rulesets.py", "scoring.py"):
        tree = ast.parse((ROOT / "lib" / module).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n.split(".")[0] == "streamlit" for n in names), module


# ----------------------------------------------------------------------------- malformed files


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "rulesets"
    shutil.copytree(RULESETS_DIR, folder)
    return folder


def _edit(folder: Path, filename: str, match: dict, changes: dict) -> int:
    """Change cells of the first row matching ``match``; return its line number."""
    path = folder / filename
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    for i, row in enumerate(rows[1:], start=2):
        cells = dict(zip(header, row))
        if all(cells[k] == v for k, v in match.items()):
            for k, v in changes.items():
                row[header.index(k)] = v
            with open(path, "w", encoding="utf-8", newline="") as f:
                csv.writer(f, lineterminator="\n").writerows(rows)
            return i
    raise AssertionError(f"no row {match} in {filename}")


def _error(folder: Path) -> str:
    with pytest.raises(RulesetError) as exc:
        load_rulesets(folder)
    return str(exc.value)


POP_III = {"ruleset_id": "nq111-2025", "class_code": "III", "code": "2A.II.03"}


def test_non_numeric_level(tmp_path):
    folder = _copy(tmp_path)
    line = _edit(folder, "standards.csv", POP_III, {"min_level": "hai mươi nghìn"})
    assert f"standards.csv, dòng {line}, cột min_level: không phải số" in _error(folder)


def test_decimal_comma_hint(tmp_path):
    folder = _copy(tmp_path)
    line = _edit(folder, "standards.csv", POP_III, {"max_points": "7,0"})
    msg = _error(folder)
    assert f"standards.csv, dòng {line}, cột max_points: không phải số" in msg
    assert "dấu chấm thập phân" in msg


def test_negative_points(tmp_path):
    folder = _copy(tmp_path)
    line = _edit(folder, "standards.csv", POP_III, {"min_points": "-1"})
    assert f"standards.csv, dòng {line}, cột min_points: không được âm" in _error(folder)


def test_min_points_above_max_points(tmp_path):
    folder = _copy(tmp_path)
    line = _edit(folder, "standards.csv", POP_III, {"min_points": "8"})
    assert (f"standards.csv, dòng {line}, cột min_points: điểm tối thiểu (8) lớn hơn điểm tối đa (7)"
            in _error(folder))


def test_unknown_group(tmp_path):
    folder = _copy(tmp_path)
    line = _edit(folder, "standards.csv", POP_III, {"group_code": "IV"})
    assert f"standards.csv, dòng {line}, cột group_code: nhóm 'IV' không có trong groups.csv" in _error(folder)


def test_unknown_confidence_mark(tmp_path):
    folder = _copy(tmp_path)
    line = _edit(folder, "standards.csv", POP_III, {"confidence": "C3"})
    assert (f"standards.csv, dòng {line}, cột confidence: mức tin cậy 'C3' không hợp lệ; chỉ dùng C, C2 hoặc U"
            in _error(folder))


def test_high_level_below_min_level(tmp_path):
    folder = _copy(tmp_path)
    line = _edit(folder, "standards.csv", POP_III, {"high_level": "10000"})
    assert f"standards.csv, dòng {line}, cột high_level: mức cao (10000) thấp hơn mức tối thiểu" in _error(folder)


def test_unknown_level_name(tmp_path):
    folder = _copy(tmp_path)
    line = _edit(folder, "standards.csv", {"ruleset_id": "nq111-2025", "class_code": "III", "code": "2A.I.01"},
                 {"min_level": "cấp huyện"})
    assert (f"standards.csv, dòng {line}, cột min_level: mức 'cấp huyện' không có trong levels.csv"
            in _error(folder))


def test_group_errors(tmp_path):
    folder = _copy(tmp_path)
    line = _edit(folder, "groups.csv", {"ruleset_id": "nq111-2025", "code": "II"}, {"max_points": "hai mươi"})
    line2 = _edit(folder, "groups.csv", {"ruleset_id": "nq111-2025", "code": "I"}, {"confidence": "X"})
    msg = _error(folder)
    assert f"groups.csv, dòng {line}, cột max_points: không phải số" in msg
    assert f"groups.csv, dòng {line2}, cột confidence: mức tin cậy 'X' không hợp lệ" in msg


def test_group_max_must_match_its_standards(tmp_path):
    folder = _copy(tmp_path)
    line = _edit(folder, "groups.csv", {"ruleset_id": "nq111-2025", "code": "III"}, {"max_points": "60"})
    assert f"groups.csv, dòng {line}, cột max_points: tổng điểm tối đa các tiêu chuẩn loại II (65)" in _error(folder)


def test_ruleset_errors(tmp_path):
    folder = _copy(tmp_path)
    line = _edit(folder, "rulesets.csv", {"id": "nq111-2025"}, {"valid_from": "01/01/2026", "pass_mark": "x"})
    msg = _error(folder)
    assert f"rulesets.csv, dòng {line}, cột valid_from: ngày '01/01/2026' không đúng dạng YYYY-MM-DD" in msg
    assert f"rulesets.csv, dòng {line}, cột pass_mark: không phải số" in msg


def test_regional_factor_errors(tmp_path):
    folder = _copy(tmp_path)
    match = {"region_code": "tay_nguyen", "kind": "dan_so"}
    line = _edit(folder, "regional_factors.csv", match, {"factor_pct": "160", "standards": "TC2.1;TC9"})
    msg = _error(folder)
    assert f"regional_factors.csv, dòng {line}, cột factor_pct: tỷ lệ 160% phải lớn hơn 0 và không quá 100" in msg
    assert f"regional_factors.csv, dòng {line}, cột standards: mã tiêu chuẩn không có trong bộ" in msg


def test_missing_column_and_unknown_ruleset(tmp_path):
    folder = _copy(tmp_path)
    line = _edit(folder, "levels.csv", {"standard_code": "2A.I.01", "level": "cấp xã"}, {"ruleset_id": "nq999"})
    assert f"levels.csv, dòng {line}, cột ruleset_id: bộ tiêu chí 'nq999' không có trong rulesets.csv" in _error(folder)

    path = folder / "standards.csv"
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    i = rows[0].index("is_count")
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows([r[:i] + r[i + 1:] for r in rows])
    assert "standards.csv, dòng 1, cột is_count: thiếu cột" in _error(folder)


def test_all_problems_are_reported_together(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder, "standards.csv", POP_III, {"min_level": "abc", "confidence": "?"})
    with pytest.raises(RulesetError) as exc:
        load_rulesets(folder)
    fields = {i.field for i in exc.value.issues}
    assert {"min_level", "confidence"} <= fields
    assert all(i.file == "standards.csv" for i in exc.value.issues)


# ----------------------------------------------------------------------------- language of the messages


def test_errors_read_in_english_and_vietnamese(tmp_path):
    """Every part of a problem (file, dòng/line, cột/column, the message) follows the language."""
    folder = _copy(tmp_path)
    line = _edit(folder, "standards.csv", POP_III, {"min_level": "7,5", "confidence": "C3"})
    with pytest.raises(RulesetError) as exc:
        load_rulesets(folder)
    e = exc.value
    en, vi = e.text("en"), e.text("vi")
    assert en.startswith("The urban-classification rule-set has errors:\n")
    assert (f"standards.csv, line {line}, column min_level: not a number ('7,5') "
            "(use a decimal point and no thousands separator)") in en
    assert (f"standards.csv, line {line}, column confidence: confidence mark 'C3' is not valid; "
            "use only C, C2 or U") in en
    assert "dòng" not in en and "cột" not in en
    assert vi == str(e)
    assert vi.startswith("Bộ tiêu chí phân loại đô thị có lỗi:\n")
    assert (f"standards.csv, dòng {line}, cột min_level: không phải số ('7,5') "
            "(dùng dấu chấm thập phân, không dùng dấu phân cách hàng nghìn)") in vi
    issue = next(i for i in e.issues if i.field == "confidence")
    assert issue.text("en") == (f"standards.csv, line {line}, column confidence: confidence mark 'C3' is not "
                                "valid; use only C, C2 or U")
    assert str(issue) == issue.text("vi") == (f"standards.csv, dòng {line}, cột confidence: mức tin cậy 'C3' "
                                              "không hợp lệ; chỉ dùng C, C2 hoặc U")


def test_limits_are_written_in_the_languages_number_format():
    from lib.rulesets import MAX_FILE_BYTES, load_rulesets_from_texts
    texts = {name: (RULESETS_DIR / name).read_text(encoding="utf-8") for name in FILES.values()}
    texts["levels.csv"] = texts["levels.csv"].replace("cấp xã", "x" * 4500, 1)
    del texts["groups.csv"]
    texts["standards.csv"] += "#" * (MAX_FILE_BYTES + 200_000)
    with pytest.raises(RulesetError) as exc:
        load_rulesets_from_texts(texts)
    en, vi = exc.value.text("en"), exc.value.text("vi")
    assert "groups.csv: file not found" in en and "groups.csv: không tìm thấy tệp" in vi
    assert "standards.csv: file is 5.2 MB, over the 5 MB limit for one rule-set file" in en
    assert "standards.csv: tệp 5,2 MB, vượt giới hạn 5 MB của một tệp bộ tiêu chí" in vi
    assert ", column level: cell is 4,500 characters long, at most 4,000 characters allowed" in en
    assert ", cột level: ô dài 4.500 ký tự, tối đa 4.000 ký tự" in vi


def test_lookup_errors_and_labels_are_translated(catalog):
    from lib.i18n import text_of
    from lib.rulesets import FACTOR_KINDS, confidence_label
    with pytest.raises(KeyError) as missing:
        catalog["nq999"]
    assert text_of(missing.value, "en") == "no rule-set 'nq999'"
    assert text_of(missing.value, "vi") == "không có bộ tiêu chí 'nq999'"
    with pytest.raises(ValueError) as no_class:
        catalog["nq111-2025"].standards_for("V")
    assert text_of(no_class.value, "en") == "Rule-set nq111-2025 has no urban class 'V' (only: II, III)"
    assert str(no_class.value) == "Bộ tiêu chí nq111-2025 không có loại đô thị 'V' (chỉ có: II, III)"
    assert confidence_label("C2", "en") == "not yet checked against the original text"
    assert confidence_label("C2") == "chưa đối chiếu văn bản gốc"
    assert text_of(FACTOR_KINDS["di_san"], "en") == "heritage city" and str(FACTOR_KINDS["di_san"]) == "đô thị di sản"
