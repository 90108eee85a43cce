"""The default data against the project's reference material (data/reference/): OC4IDS codelists,
the administrative changes of NQ 1657/NQ-UBTVQH15 and NQ 897/NQ-UBTVQH14 with their confidence
marks, and the towns' 2019 figures. Expectations are read from the reference files, not typed in."""
import csv
import re
from pathlib import Path

import pytest

from lib import queries
from lib.seed import read_seed

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "data" / "reference"
CODELISTS = REFERENCE / "oc4ids" / "codelists"
URBAN = REFERENCE / "urban-classification.md"
CONFIDENCE = ("C", "C2", "U")


def codelist(name: str) -> set[str]:
    with open(CODELISTS / name, encoding="utf-8", newline="") as f:
        return {row["Code"] for row in csv.DictReader(f)}


def seed_rows(table: str) -> list[dict]:
    cols, rows = read_seed()[table]
    return [dict(zip(cols, r)) for r in rows]


@pytest.fixture(scope="module")
def urban() -> str:
    return URBAN.read_text(encoding="utf-8")


# -- OC4IDS -----------------------------------------------------------------------------------------
def test_every_stage_status_is_an_oc4ids_project_status(db):
    statuses = codelist("projectStatus.csv")
    assert {"identification", "preparation", "implementation", "completion", "cancelled"} <= statuses
    assert "completed" not in statuses
    stages = queries.stages(db)
    assert stages["oc4ids_status"].notna().all()
    bad = {c: s for c, s in zip(stages["code"], stages["oc4ids_status"]) if s not in statuses}
    assert not bad, f"not in data/reference/oc4ids/codelists/projectStatus.csv: {bad}"
    handed = stages.set_index("code").loc["da_ban_giao"]
    assert handed["is_handed_over"] and handed["oc4ids_status"] == "completion"


def test_every_sector_is_an_oc4ids_project_sector():
    sectors = codelist("projectSector.csv")
    used = [r["oc4ids_sector"] for r in seed_rows("category") + seed_rows("work") if r["oc4ids_sector"]]
    assert used and not set(used) - sectors, set(used) - sectors


# -- NQ 1657/NQ-UBTVQH15 and NQ 897/NQ-UBTVQH14 --------------------------------------------------------
def nq1657_items(urban: str) -> dict[str, tuple[int, str]]:
    """{town name: (item, commune name)} as the reference states them."""
    line = next(ln for ln in urban.splitlines() if "NQ 1657/NQ-UBTVQH15" in ln)
    found = re.findall(r"item (\d+): (thị trấn [^+]+?) \+ .*?\*\*(xã [^*]+)\*\*", line)
    return {town.strip(): (int(item), commune.strip()) for item, town, commune in found}


def mark_of(urban: str, source: str) -> str:
    """The confidence mark ([C], [C2], [U]) of the reference line naming ``source``."""
    line = next(ln for ln in urban.splitlines() if source in ln and ln.lstrip().startswith("- "))
    return re.search(r"\[(C2|C|U)\]", line).group(1)


def test_reference_states_the_items_of_nq_1657(urban):
    assert nq1657_items(urban) == {"thị trấn Trùng Khánh": (47, "xã Trùng Khánh"),
                                   "thị trấn Trà Lĩnh": (44, "xã Trà Lĩnh")}


def test_towns_and_communes_cite_their_own_item_of_nq_1657(db, urban):
    areas = queries.areas(db).set_index("id")
    names = dict(zip(areas["name"], areas.index))
    for town, (item, commune) in nq1657_items(urban).items():
        for area in (names[town], names[commune]):
            assert f"NQ 1657/NQ-UBTVQH15, mục {item}" in areas.loc[area, "legal_source"], area
            other = {47: 44, 44: 47}[item]
            assert f"mục {other}" not in areas.loc[area, "legal_source"], area
        assert areas.loc[names[town], "successor_id"] == names[commune]
        assert str(areas.loc[names[commune], "valid_from"].date()) == "2025-07-01"   # the communes operate
        assert str(areas.loc[names[town], "valid_to"].date()) == "2025-06-30"
        assert "16/06/2025" in urban and "01/07/2025" in urban


def test_confidence_is_no_higher_than_the_reference_supports(db, urban):
    """A row is only as sure as its least sure source: anything resting on NQ 897 (marked [C2] in
    the reference) is C2, never C; NQ 1657 is [C]."""
    marks = {"NQ 1657/NQ-UBTVQH15": mark_of(urban, "NQ 1657/NQ-UBTVQH15"),
             "NQ 897/NQ-UBTVQH14": mark_of(urban, "NQ 897/NQ-UBTVQH14")}
    assert marks == {"NQ 1657/NQ-UBTVQH15": "C", "NQ 897/NQ-UBTVQH14": "C2"}
    areas = queries.areas(db)
    for a in areas.itertuples():
        cited = [m for src, m in marks.items() if src in f"{a.legal_source} {a.change_note}"]
        assert cited, a.id
        weakest = max(cited, key=CONFIDENCE.index)
        assert a.confidence == weakest, (a.id, a.confidence, weakest)
    # the rename of Hùng Quốc (NQ 897) is the source of thị trấn Trà Lĩnh's start date
    tra_linh = areas.set_index("id").loc["tra-linh"]
    assert "NQ 897/NQ-UBTVQH14" in tra_linh["legal_source"] and tra_linh["confidence"] == "C2"


# -- the towns' figures (section 4 of the reference) -----------------------------------------------------
def test_indicator_values_cite_the_reference_copy_of_this_repository(db, urban):
    values = db.query("SELECT area_id, value_num, source, confidence FROM indicator_value WHERE NOT is_demo")
    assert len(values) > 0
    for v in values.itertuples():
        assert "shared/" not in v.source and "data/reference/urban-classification.md" in v.source, v.source
        assert v.confidence == "C2"
    # thị trấn Trà Lĩnh: 5,356 people, 359 người/km² (2019) [C2]
    assert "| thị trấn Trà Lĩnh | 14.90 km², 5,356 people, 359 người/km² (2019) | [C2] |" in urban
    tl = values[values["area_id"] == "tra-linh"]
    assert set(tl["value_num"]) == {5356, 359}
    # thị trấn Trùng Khánh after absorbing xã Đình Minh: about 13.81 km², 6,843 people [C2]
    assert "about 13.81 km², 6,843 people" in urban
    tk = values[values["area_id"] == "trung-khanh"]
    assert set(tk["value_num"]) == {6843, round(6843 / 13.81, 1)}
