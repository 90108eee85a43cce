"""Open data out: the OC4IDS package (lib/oc4ids.py) against the pinned schema and codelists."""
import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from lib import oc4ids, queries
from tests.auth_helpers import admin, editor  # noqa: E402,F401
from tests.conftest import seeded  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PUBLISHED = "2026-11-29T10:00:00+07:00"


def _codes(name: str) -> set[str]:
    import csv
    with open(ROOT / "data" / "reference" / "oc4ids" / "codelists" / f"{name}.csv", encoding="utf-8") as f:
        return {row["Code"] for row in csv.DictReader(f)}


def _by_id(pkg: dict) -> dict[str, dict]:
    return {p["identifiers"][0]["id"]: p for p in pkg["projects"]}


def _date_times(node, path=""):
    """Every value of a field the schema types as date-time (those used by the export)."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("publishedDate", "endDate", "dueDate", "startDate", "datePublished") and isinstance(v, str):
                yield f"{path}/{k}", v
            else:
                yield from _date_times(v, f"{path}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _date_times(v, f"{path}/{i}")


def test_package_validates_against_pinned_schema(db):
    pkg = oc4ids.package(db, published=PUBLISHED)
    validator = oc4ids.validator()
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(pkg)]
    assert errors == []
    assert pkg["version"] == "0.9" and pkg["publishedDate"] == PUBLISHED and pkg["uri"]
    assert pkg["publisher"]["name"].startswith("Ban Chỉ đạo Chương trình 07")
    # the schema's date-time fields are full RFC 3339 date-times with an offset
    for where, value in _date_times(pkg):
        assert datetime.fromisoformat(value).tzinfo is not None, where
    # the project schema is really applied through the local $ref (not skipped): a wrong code fails
    broken = json.loads(json.dumps(pkg))
    broken["projects"][0]["status"] = "completed"
    broken["projects"][1]["budget"] = {"amount": {"amount": "10 tỷ", "currency": "VND"}}
    messages = [e.message for e in validator.iter_errors(broken)]
    assert any("completed" in m for m in messages) and any("10 tỷ" in m for m in messages)
    assert any("is a required property" in e.message
               for e in validator.iter_errors({k: v for k, v in pkg.items() if k != "publisher"}))


def test_one_project_per_work_with_stable_ids(db):
    pkg = oc4ids.package(db, published=PUBLISHED)
    works = queries.works(db)
    assert len(pkg["projects"]) == len(works) == 18
    assert [p["id"] for p in pkg["projects"]] == [f"ct07-{w}" for w in works["id"]]
    p = _by_id(pkg)["GT-01"]
    assert p["title"] == "Đường giao thông tổ 2 - tổ 3"
    assert p["description"] == "Chiều dài 284,16 m; mặt cắt đường 22,5 m"
    assert p["language"] == "vi"
    assert p["budget"] == {"amount": {"amount": 10_000_000_000, "currency": "VND"}}
    assert p["period"] == {"endDate": "2023-12-31T23:59:59+07:00"}
    assert "cuối của năm" in p["milestones"][0]["description"]
    doc = p["documents"][0]
    assert doc["title"].startswith("Báo cáo sơ kết 01 năm") and "12/2022" in doc["title"]
    assert "tháng 12/2022" in doc["description"] and "Mục III.1, tiểu mục 1.1" in doc["description"]
    assert "datePublished" not in doc  # the report has no day
    assert "locations" not in p  # the report does not say which town


def test_unknown_values_are_left_out_not_zero(db):
    by_id = _by_id(oc4ids.package(db, published=PUBLISHED))
    works = queries.works(db).set_index("id")
    for wid, p in by_id.items():
        amount = works.loc[wid, "total_investment_vnd"]
        if amount is None or str(amount) == "<NA>":
            assert "budget" not in p, wid
        else:
            assert p["budget"]["amount"]["amount"] == int(amount) > 0
    assert "budget" not in by_id["XH-03"]  # the landfill: no amount in the report
    for wid in ("CT-01", "CT-02", "QH-01"):  # no amount, no year
        assert "budget" not in by_id[wid] and "period" not in by_id[wid] and "milestones" not in by_id[wid]
    assert "sector" not in by_id["QH-01"]  # planning tasks have no sector
    assert "status" not in by_id["XH-02"]  # the resettlement area has no stage


def test_every_code_is_in_its_codelist(db):
    pkg = oc4ids.package(db, published=PUBLISHED)
    statuses, sectors = _codes("projectStatus"), _codes("projectSector")
    for p in pkg["projects"]:
        assert p.get("status", "identification") in statuses, p["id"]
        assert set(p.get("sector", [])) <= sectors, p["id"]
    by_id = _by_id(pkg)
    assert by_id["GT-02"]["sector"] == ["transport", "transport.road"]  # parent first, as the schema asks
    assert by_id["XH-01"]["sector"] == ["cultureSportsAndRecreation"]


def test_a_code_outside_the_codelist_is_left_out_and_recorded(db):
    db.write(admin(db), "bad codes", lambda cur: (
        cur.execute("UPDATE stage SET oc4ids_status = 'completed' WHERE code = 'da_ban_giao'"),
        cur.execute("UPDATE work SET oc4ids_sector = 'roads' WHERE id = 'GT-02'"),
    ))
    result = oc4ids.build(db, published=PUBLISHED)
    by_id = _by_id(result.package)
    handed_over = queries.works(db).query("stage == 'da_ban_giao'")["id"].tolist()
    assert handed_over  # XH-04, XH-05, XH-06
    for wid in handed_over:
        assert "status" not in by_id[wid]
        assert any(line.startswith(f"{wid}:") and "completed" in line for line in result.omitted)
    assert "sector" not in by_id["GT-02"]
    assert any(line.startswith("GT-02:") and "roads" in line for line in result.omitted)
    assert list(oc4ids.validator().iter_errors(result.package)) == []


def test_town_filter_restricts_projects(db):
    pkg = oc4ids.package(db, towns=["tra-linh"], published=PUBLISHED)
    expected = queries.works(db, ["tra-linh"])["id"].tolist()
    assert [p["identifiers"][0]["id"] for p in pkg["projects"]] == expected
    assert 0 < len(expected) < 18
    for p in pkg["projects"]:
        assert "tra-linh" in [loc["id"] for loc in p["locations"]]
    loc = _by_id(pkg)["XH-02"]["locations"][0]
    assert loc["address"] == {"locality": "thị trấn Trà Lĩnh", "region": "huyện Trùng Khánh, tỉnh Cao Bằng",
                              "countryName": "Việt Nam"}
    assert "suy luận" in loc["description"]  # the report does not state it
    assert "geometry" not in loc and "gazetteer" not in loc
    assert list(oc4ids.validator().iter_errors(pkg)) == []


def _run(*args):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "lib.oc4ids", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_command_writes_the_file_and_refuses_a_bad_path(db, tmp_path):
    db.close()  # the command opens the file itself
    out = tmp_path / "ct07-oc4ids.json"
    done = _run("--out", str(out), "--db", str(db.path))
    assert done.returncode == 0, done.stderr
    pkg = json.loads(out.read_text(encoding="utf-8"))
    assert len(pkg["projects"]) == 18
    assert list(oc4ids.validator().iter_errors(pkg)) == []

    bad = _run("--out", str(tmp_path / "khong-co-thu-muc" / "x.json"), "--db", str(db.path))
    assert bad.returncode == 2
    assert "Không ghi được tệp" in bad.stderr and "Traceback" not in bad.stderr
    assert _run("--out", str(tmp_path), "--db", str(db.path)).returncode == 2  # a folder
    missing = _run("--out", str(out), "--db", str(tmp_path / "khong-co.duckdb"))
    assert missing.returncode == 2 and "Không tìm thấy tệp dữ liệu" in missing.stderr


HOSTILE = ('</script><img src=x onerror=alert(1)> "ngoặc" \\ \' =SUM(A1) @x +1 -2 {{x}} ${y} '
           '\u202e đảo \U0001F4A3 \x07 \t\r\n dòng mới ]]> <![CDATA[')


def test_hostile_text_round_trips_as_text(db):
    db.write(admin(db), "hostile", lambda cur: cur.execute(
        "UPDATE work SET name = ?, scale_text = ? WHERE id = 'GT-01'", [HOSTILE, HOSTILE]))
    data = oc4ids.to_bytes(db, published=PUBLISHED)
    back = json.loads(data.decode("utf-8"))
    p = _by_id(back)["GT-01"]
    assert p["title"] == HOSTILE and p["description"] == HOSTILE
    assert list(oc4ids.validator().iter_errors(back)) == []


def test_empty_selection_says_so(db):
    with pytest.raises(oc4ids.OC4IDSError, match="Không có công trình"):
        oc4ids.package(db, towns=["khong-co"])


def test_register_page_offers_the_open_data_button(tmp_path, monkeypatch):
    """The third download of the register: the label, and no JSON built before the click."""
    from tests.test_app import goto, new_app
    monkeypatch.setenv("CT07_DB_PATH", str(seeded(tmp_path / "app.duckdb")))
    monkeypatch.chdir(ROOT)
    built = []
    real = oc4ids.to_bytes
    monkeypatch.setattr(oc4ids, "to_bytes", lambda *a, **k: built.append(1) or real(*a, **k))
    at = goto(new_app(tmp_path).run(), "pages/danh_muc.py")
    assert not at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Tải dữ liệu mở (OC4IDS, JSON)" in labels, labels
    assert len(labels) >= 3
    assert built == []  # deferred: the package is built only when the button is pressed


def test_a_period_that_does_not_exist_is_refused_in_vietnamese(db):
    with pytest.raises(oc4ids.OC4IDSError, match="Không có kỳ báo cáo “2099-01”"):
        oc4ids.build(db, period_id="2099-01")


def test_a_refused_export_reads_in_english_and_in_vietnamese(db):
    from lib.i18n import text_of
    with pytest.raises(oc4ids.OC4IDSError) as e:
        oc4ids.build(db, period_id="2099-01")
    assert str(e.value) == "Không có kỳ báo cáo “2099-01” trong dữ liệu."
    assert text_of(e.value, "en") == "There is no reporting period “2099-01” in the data."
