"""Urban-classification criteria in the database: rule-set files, town indicator values,
links from works to standards, the scorecard, and scores projected as works complete.

The rule-set files are stored whole (table ruleset_file) and parsed by lib.rulesets, so an
import is checked by exactly the loader that checks the files in the repository. Indicator
values keep their history: the newest value at a date wins. An empty value is unknown,
never 0. Demo values (is_demo) are used only when asked for.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from lib import rulesets as rs
from lib import scoring
from lib.db import Database
from lib.fmt import parse_number
from lib.updates import HTML_TAG, ValidationError, _blank

DEFAULT_RULESET = "nq1210-2016-nq26-2022"  # the rules of the 2021-2025 programme


# -- rule-sets -------------------------------------------------------------------------------

def _texts_from_repo() -> dict[str, str]:
    return {f: (rs.RULESETS_DIR / f).read_text(encoding="utf-8") for f in rs.FILES.values()}


def import_rulesets(db: Database, actor: str, texts: dict[str, str | bytes]) -> rs.RulesetCatalog:
    """Check the five files and, when all is well, replace the stored rule-sets in one transaction.

    Raises rulesets.RulesetError (a ValueError listing file, row and field) and writes nothing."""
    catalog = rs.load_rulesets_from_texts(texts)
    decoded = {name: (v.decode("utf-8-sig") if isinstance(v, bytes) else v).lstrip("\ufeff")
               for name, v in texts.items() if name in rs.FILES.values()}
    now = datetime.now()

    def write(cur):
        for statement in ("DELETE FROM ruleset_file", "DELETE FROM ruleset", "DELETE FROM ruleset_group",
                          "DELETE FROM ruleset_standard", "DELETE FROM ruleset_level", "DELETE FROM regional_factor"):
            cur.execute(statement)
        for name, content in decoded.items():
            cur.execute("INSERT INTO ruleset_file VALUES (?, ?, ?, ?)", [name, content, now, actor])
        for r in catalog:
            i = r.info
            cur.execute("INSERT INTO ruleset VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [i.id, i.name, i.legal_source, i.valid_from, i.valid_to, ";".join(i.classes),
                         i.pass_mark, i.confidence, i.note])
            _insert_frame(cur, "ruleset_group", r.groups,
                          ["ruleset_id", "class_code", "code", "name", "max_points", "min_points", "confidence", "note"])
            _insert_frame(cur, "ruleset_standard", r.standards, [
                "ruleset_id", "class_code", "code", "group_code", "name", "unit", "direction", "min_level",
                "high_level", "min_points", "max_points", "is_count", "is_density", "confidence", "legal_source",
                "note"])
            _insert_frame(cur, "ruleset_level", r.levels,
                          ["ruleset_id", "standard_code", "level", "rank", "confidence", "note"])
            _insert_frame(cur, "regional_factor", r.regional_factors, [
                "ruleset_id", "region_code", "region_name", "kind", "factor_pct", "standards", "confidence",
                "legal_source", "note"])
        return catalog

    return db.write(actor, "import_rulesets", write, {"files": sorted(decoded)})


def _insert_frame(cur, table: str, frame: pd.DataFrame, columns: list[str]) -> None:
    if frame is None or frame.empty:
        return
    placeholders = ", ".join("?" for _ in columns)
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"
    for row in frame.itertuples(index=False):
        values = []
        for col in columns:
            v = getattr(row, col, None)
            if isinstance(v, (list, tuple)):
                v = ";".join(map(str, v))
            values.append(None if v is None or (not isinstance(v, str) and pd.isna(v)) else
                          (str(v) if col in ("min_level", "high_level") else v))
        cur.execute(sql, values)


def ensure_rulesets(db: Database) -> None:
    """Store the repository's rule-sets when the database has none yet."""
    if not db.scalar("SELECT count(*) FROM ruleset_file"):
        import_rulesets(db, "dữ liệu mặc định (data/rulesets)", _texts_from_repo())


def catalog(db: Database) -> rs.RulesetCatalog:
    rows = db.query("SELECT name, content FROM ruleset_file")
    return rs.load_rulesets_from_texts(dict(zip(rows["name"], rows["content"])))


def ruleset_file_info(db: Database) -> pd.DataFrame:
    return db.query("SELECT name, imported_at, imported_by FROM ruleset_file ORDER BY name")


# -- indicator values --------------------------------------------------------------------------

def indicator_values(db: Database, area_id: str, as_of: date | None = None,
                     include_demo: bool = False) -> pd.DataFrame:
    """The newest value of each standard for an area, up to ``as_of`` (all dates when None).

    Real values always win over demo values for the same standard."""
    return db.query(
        "SELECT * FROM (SELECT iv.*, row_number() OVER (PARTITION BY standard_code "
        "ORDER BY is_demo, as_of DESC NULLS LAST, id DESC) AS rn FROM indicator_value iv "
        "WHERE area_id = ? AND (? OR NOT is_demo) AND (? IS NULL OR as_of <= ?)) WHERE rn = 1 "
        "ORDER BY standard_code", [area_id, include_demo, as_of, as_of])


def value_history(db: Database, area_id: str, standard_code: str, include_demo: bool = False) -> pd.DataFrame:
    return db.query("SELECT * FROM indicator_value WHERE area_id = ? AND standard_code = ? "
                    "AND (? OR NOT is_demo) ORDER BY as_of, id", [area_id, standard_code, include_demo])


def values_map(values: pd.DataFrame) -> dict[str, object]:
    out: dict[str, object] = {}
    for r in values.itertuples():
        if not pd.isna(r.value_num):
            out[r.standard_code] = float(r.value_num)
        elif isinstance(r.value_text, str) and r.value_text.strip():
            out[r.standard_code] = r.value_text.strip()
    return out


def has_demo(db: Database) -> bool:
    return bool(db.scalar("SELECT count(*) FROM indicator_value WHERE is_demo"))


def add_indicator_value(db: Database, actor: str, area_id: str, standard_code: str, value,
                        as_of: date | None, source: str, note: str | None = None,
                        confidence: str = "C2") -> None:
    """Record one value (history kept). Checks the area, the standard, the value and the source."""
    problems = []
    where = "Giá trị chỉ tiêu"
    if _blank(actor) or HTML_TAG.search(str(actor)):
        problems.append(f"{where}, cột Người nhập: cần ghi tên (không chứa thẻ HTML)")
    if not db.scalar("SELECT count(*) FROM area WHERE id = ?", [area_id]):
        problems.append(f"{where}, cột Địa bàn: '{area_id}' không có trong danh mục địa bàn")
    std = db.query("SELECT DISTINCT code, unit, direction FROM ruleset_standard WHERE code = ?", [standard_code])
    if std.empty:
        problems.append(f"{where}, cột Tiêu chuẩn: '{standard_code}' không có trong bộ tiêu chí")
    num, text = None, None
    direction = None if std.empty else std.iloc[0]["direction"]
    level_names = set(db.query("SELECT DISTINCT level FROM ruleset_level WHERE standard_code = ?",
                               [standard_code])["level"])
    if _blank(value):
        problems.append(f"{where}, cột Giá trị: không được để trống (chưa có số liệu thì không cần nhập)")
    elif isinstance(value, str) and value.strip() in level_names:
        text = value.strip()  # a named level: "cấp tỉnh", "có dự án"
    elif direction == "level":
        problems.append(f"{where}, cột Giá trị: '{value}' không phải là cấp hợp lệ "
                        f"({', '.join(sorted(level_names)) or 'chưa có thang cấp'})")
    else:
        try:
            num = parse_number(value)
            if num is not None and num < 0:
                problems.append(f"{where}, cột Giá trị: {num:g} không được âm")
        except ValueError as e:
            problems.append(f"{where}, cột Giá trị: {e}")
    unit = None if std.empty else std.iloc[0]["unit"]
    if unit == "%" and num is not None and num > 100:
        problems.append(f"{where}, cột Giá trị: {num:g} % vượt quá 100")
    if _blank(source) or HTML_TAG.search(str(source)):
        problems.append(f"{where}, cột Nguồn: cần ghi nguồn số liệu (văn bản, niên giám…), không chứa thẻ HTML")
    if as_of is None:
        problems.append(f"{where}, cột Ngày số liệu: không được để trống")
    if confidence not in ("C", "C2"):
        problems.append(f"{where}, cột Độ tin cậy: '{confidence}' phải là C (đã đối chiếu) hoặc C2 (nguồn thứ cấp)")
    if as_of is not None and as_of > date.today():
        problems.append(f"{where}, cột Ngày số liệu: {as_of:%d/%m/%Y} là ngày trong tương lai")
    if note and HTML_TAG.search(note):
        problems.append(f"{where}, cột Ghi chú: không được chứa thẻ HTML")
    if problems:
        raise ValidationError(problems)
    db.write(actor, "indicator_value", lambda cur: cur.execute(
        "INSERT INTO indicator_value (area_id, standard_code, value_num, value_text, unit, as_of, source, "
        "entered_by, entered_at, is_demo, confidence, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, FALSE, ?, ?)",
        [area_id, standard_code, num, text, unit, as_of, source.strip(), actor.strip(), datetime.now(), confidence,
         note]),
        {"area": area_id, "standard": standard_code})


# -- works and standards ------------------------------------------------------------------------

def work_links(db: Database) -> pd.DataFrame:
    return db.query("SELECT ws.*, w.name AS work_name FROM work_standard ws JOIN work w ON w.id = ws.work_id "
                    "ORDER BY ws.standard_code, ws.work_id")


def area_region(db: Database, area_id: str) -> str | None:
    return db.scalar("SELECT region_code FROM area WHERE id = ?", [area_id])


def target_class(db: Database, area_id: str) -> str | None:
    return db.scalar("SELECT target_class FROM programme_target WHERE area_id = ? LIMIT 1", [area_id])


# -- the scorecard -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scorecard:
    result: scoring.ScoreResult
    values: pd.DataFrame          # the indicator rows used (newest per standard)
    uses_demo: bool


def scorecard(db: Database, area_id: str, ruleset_id: str, class_code: str, as_of: date | None = None,
              include_demo: bool = False, heritage: bool = False) -> Scorecard:
    cat = catalog(db)
    values = indicator_values(db, area_id, as_of, include_demo)
    own = set(cat[ruleset_id].standards_for(class_code)["code"])
    values = values[values["standard_code"].isin(own)]
    region = area_region(db, area_id)
    if region and not cat[ruleset_id].find_region(region):
        region = None  # this rule-set has no regional factors (the result says so in its notes)
    result = scoring.score(cat[ruleset_id], class_code, values_map(values), region=region, heritage=heritage)
    return Scorecard(result=result, values=values, uses_demo=bool(values["is_demo"].any()) if len(values) else False)


def project_scores(catalog_: rs.RulesetCatalog, ruleset_id: str, class_code: str, region: str | None,
                   values: dict[str, object], links: pd.DataFrame, completion: dict[str, int | None],
                   years: list[int]) -> pd.DataFrame:
    """The score of a town each year as its linked works complete.

    A completed work adds its numeric effect (effect_value) to the standard's value; a link
    whose effect is unknown changes nothing, and an unknown value stays unknown."""
    ruleset = catalog_[ruleset_id]
    if region and not ruleset.find_region(region):
        region = None
    rows = []
    for year in years:
        adjusted = dict(values)
        for link in links.itertuples():
            done = completion.get(link.work_id)
            if done is None or done > year or pd.isna(link.effect_value):
                continue
            base = adjusted.get(link.standard_code)
            if isinstance(base, (int, float)):
                adjusted[link.standard_code] = base + float(link.effect_value)
        res = scoring.score(ruleset, class_code, adjusted, region=region)
        rows.append({"year": year, "total": res.total, "pass_mark": res.pass_mark, "verdict": res.verdict,
                     "n_scored": res.n_scored, "n_total": res.n_total})
    return pd.DataFrame(rows)
