"""Urban-classification criteria in the database: rule-set files, town indicator values,
links from works to standards, the scorecard, and scores projected as works complete.

The rule-set files are stored whole (table ruleset_file) and parsed by lib.rulesets, so an
import is checked by exactly the loader that checks the files in the repository. Indicator
values keep their history: the newest value at a date wins. An empty value is unknown,
never 0. Demo values (is_demo) are used only when asked for.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import re

import pandas as pd

from lib import backup, rulesets as rs
from lib import scoring
from lib.auth import Identity, system
from lib.db import Database
from lib import fmt
from lib.fmt import parse_number
from lib.i18n import Msg, t
from lib.db import ValidationError, share_frame
from lib.fmt import HTML_TAG, is_blank as _blank

DEFAULT_RULESET = "nq1210-2016-nq26-2022"  # the rules of the 2021-2025 programme


# -- rule-sets -------------------------------------------------------------------------------

def _texts_from_repo() -> dict[str, str]:
    return {f: (rs.RULESETS_DIR / f).read_text(encoding="utf-8") for f in rs.FILES.values()}


def import_rulesets(db: Database, who: Identity, texts: dict[str, str | bytes],
                    today: date | None = None) -> rs.RulesetCatalog:
    """Check the five files and, when all is well, replace the stored rule-sets in one transaction.

    Raises rulesets.RulesetError (a ValueError listing file, row and field) and writes nothing.
    An import that lacks a rule-set in use (see rulesets_in_use) is refused with a
    ValidationError naming it and what uses it, and writes nothing either. Rows are stored with
    one INSERT ... SELECT per table, so even an import at the size limits holds the write lock
    for well under a second."""
    catalog = rs.load_rulesets_from_texts(texts)
    _refuse_removal(_reader(db), catalog, today)
    backup.before_import(db, who, "import_rulesets", "truoc-khi-nhap-bo-tieu-chi")
    decoded = {name: (rs.decode(v) if isinstance(v, (bytes, bytearray)) else str(v)).lstrip("\ufeff")
               for name, v in texts.items() if name in rs.FILES.values()}
    now = datetime.now()
    tables = _ruleset_tables(catalog)
    files = pd.DataFrame({"name": list(decoded), "content": list(decoded.values()),
                          "imported_at": [now] * len(decoded), "imported_by": [who.display_name] * len(decoded)})

    detail: dict = {"files": sorted(decoded)}

    def write(cur):
        _refuse_removal(_reader(cur), catalog, today)   # again, in the transaction
        before = cur.execute("SELECT name, imported_at, imported_by, length(content) FROM ruleset_file "
                             "ORDER BY name").fetchall()
        detail["old"] = {"files": [{"name": n, "imported_at": str(at), "imported_by": by, "chars": c}
                                   for n, at, by, c in before],
                         "rulesets": [r[0] for r in cur.execute("SELECT id FROM ruleset ORDER BY id").fetchall()]}
        detail["new"] = {"files": [{"name": n, "chars": len(c)} for n, c in sorted(decoded.items())],
                         "rulesets": sorted(catalog.ids)}
        for statement in ("DELETE FROM ruleset_file", "DELETE FROM ruleset", "DELETE FROM ruleset_group",
                          "DELETE FROM ruleset_standard", "DELETE FROM ruleset_level", "DELETE FROM regional_factor"):
            cur.execute(statement)
        _insert_frame(cur, "ruleset_file", files, list(files.columns))
        for table, (frame, columns) in tables.items():
            _insert_frame(cur, table, frame, columns)
        return catalog

    return db.write(who, "import_rulesets", write, detail)


# the columns of the ruleset_* tables, in the order of the typed frames of lib.rulesets
TABLE_COLUMNS = {
    "ruleset": ["id", "name", "legal_source", "valid_from", "valid_to", "classes", "pass_mark", "confidence",
                "note", "transition_article", "transition_from", "transition_class", "transition_confidence"],
    "ruleset_group": ["ruleset_id", "class_code", "code", "name", "max_points", "min_points", "confidence", "note"],
    "ruleset_standard": ["ruleset_id", "class_code", "code", "group_code", "name", "unit", "direction",
                         "min_level", "high_level", "min_points", "max_points", "is_count", "is_density",
                         "confidence", "legal_source", "note", "evidence", "bundle", "caveat"],
    "ruleset_level": ["ruleset_id", "standard_code", "level", "rank", "confidence", "note"],
    "regional_factor": ["ruleset_id", "region_code", "region_name", "kind", "factor_pct", "standards",
                        "confidence", "legal_source", "note"],
}


def _ruleset_tables(catalog: rs.RulesetCatalog) -> dict[str, tuple[pd.DataFrame, list[str]]]:
    """Every row of every rule-set, one frame per table (built before the transaction)."""
    infos = pd.DataFrame([{
        "id": i.id, "name": i.name, "legal_source": i.legal_source, "valid_from": i.valid_from,
        "valid_to": i.valid_to, "classes": ";".join(i.classes), "pass_mark": i.pass_mark,
        "confidence": i.confidence, "note": i.note, "transition_article": i.transition_article,
        "transition_from": ";".join(i.transition_from) or None, "transition_class": i.transition_class,
        "transition_confidence": i.transition_confidence} for i in (r.info for r in catalog)],
        columns=TABLE_COLUMNS["ruleset"])
    out = {"ruleset": (infos, TABLE_COLUMNS["ruleset"])}
    for table, attr in (("ruleset_group", "groups"), ("ruleset_standard", "standards"),
                        ("ruleset_level", "levels"), ("regional_factor", "regional_factors")):
        frames = [getattr(r, attr) for r in catalog if len(getattr(r, attr))]
        frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=TABLE_COLUMNS[table])
        out[table] = (frame, TABLE_COLUMNS[table])
    return out


def _cell(v, col: str):
    if isinstance(v, (list, tuple)):
        return ";".join(map(str, v))
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    return str(v) if col in ("min_level", "high_level") else v


_RULESET_TABLES = frozenset({"ruleset_file", "ruleset", "ruleset_group", "ruleset_standard", "ruleset_level",
                             "regional_factor"})


def _insert_frame(cur, table: str, frame: pd.DataFrame, columns: list[str]) -> None:
    """All rows of ``frame`` in one INSERT ... SELECT (DuckDB reads the local frame by its name)."""
    if frame is None or frame.empty:
        return
    # DuckDB finds the frame by its name among this function's locals (a replacement scan):
    # cursor.register would fail after a fetchone() earlier in the transaction left a result open
    _ruleset_rows = pd.DataFrame({col: [_cell(v, col) for v in frame[col]] if col in frame.columns else None  # noqa: F841
                                  for col in columns}, index=range(len(frame)))
    # identifiers, never data: the tables are this module's own, the columns the schema's names
    if table not in _RULESET_TABLES or not all(re.fullmatch(r"[a-z_]+", c) for c in columns):
        raise ValueError(f"not a rule-set table or column: {table} {columns}")
    names = ", ".join(columns)
    share_frame(cur, "_ruleset_rows", _ruleset_rows)  # PostgreSQL: a temporary table
    cur.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM _ruleset_rows")


# -- rule-sets in use ---------------------------------------------------------------------------

def _reader(source):
    """A function (sql, params) -> list of row tuples, from a Database or a cursor in a transaction."""
    if isinstance(source, Database):
        return lambda sql, params=(): [tuple(r) for r in source.query(sql, list(params)).itertuples(index=False)]
    return lambda sql, params=(): source.execute(sql, list(params)).fetchall()


def rulesets_in_use(read, today: date | None = None, kept_codes: set[str] | frozenset = frozenset()
                    ) -> dict[str, list[Msg]]:
    """The stored rule-sets that something uses, each with what uses it (lib.i18n.Msg):

    - the default rule-set (DEFAULT_RULESET): the criteria page, the funding page and the slides
      open with it;
    - a rule-set holding a standard that has an indicator value entered, or that a work is linked
      to, when no other rule-set keeps that standard (``kept_codes``: the standard codes that stay,
      e.g. those of an import; standard codes are shared between the versions of a text);
    - the rule-set the criteria answer takes the legal status from today (in force, with a
      transition rule for a programme town's target class);
    - a rule-set a saved scenario names (today's scenarios name none: they are scored under the
      rule-set chosen on the page).
    ``read``: see _reader."""
    today = today or date.today()
    used: dict[str, list[Msg]] = {}

    def add(rid, why):
        if rid:
            used.setdefault(str(rid), []).append(why)

    add(DEFAULT_RULESET, Msg("crit.use.default"))
    for table, what in (("indicator_value", "crit.use.values"), ("work_standard", "crit.use.links")):
        codes: dict[str, list[str]] = {}
        for rid, code in read(f"SELECT DISTINCT s.ruleset_id, s.code FROM {table} v "
                              "JOIN ruleset_standard s ON s.code = v.standard_code ORDER BY 1, 2"):
            if code not in kept_codes:
                codes.setdefault(rid, []).append(code)
        for rid, lost in codes.items():
            add(rid, Msg(what, codes=f"{', '.join(lost[:8])}{'…' if len(lost) > 8 else ''}"))
    targets = {r[0] for r in read("SELECT DISTINCT target_class FROM programme_target WHERE target_class IS NOT NULL")}
    for rid, t_from, v_from, v_to in read("SELECT id, transition_from, valid_from, valid_to FROM ruleset "
                                          "WHERE transition_class IS NOT NULL ORDER BY id"):
        covered = {x.strip() for x in str(t_from or "").split(";") if x.strip()} & targets
        in_force = (v_from is None or pd.isna(v_from) or pd.Timestamp(v_from).date() <= today) and \
                   (v_to is None or pd.isna(v_to) or today <= pd.Timestamp(v_to).date())
        if covered and in_force:
            add(rid, Msg("crit.use.legal", classes=", ".join(sorted(covered))))
    import json
    for name, params in read("SELECT name, params FROM scenario"):
        try:
            doc = json.loads(params)
        except (TypeError, ValueError):
            continue
        rid = (doc.get("ruleset_id") or doc.get("ruleset")) if isinstance(doc, dict) else None
        if isinstance(rid, str):
            add(rid, Msg("crit.use.scenario", name=str(name)[:60]))
    return used


def _refuse_removal(read, catalog: rs.RulesetCatalog, today: date | None = None) -> None:
    """ValidationError when the import lacks a stored rule-set in use (nothing is written)."""
    stored = {r[0] for r in read("SELECT id FROM ruleset")}
    kept = {code for r in catalog for code in r.standards["code"]}
    used = rulesets_in_use(read, today, kept)
    missing = [rid for rid in sorted(used) if rid not in catalog
               and (rid in stored or rid == DEFAULT_RULESET)]
    if missing:
        raise ValidationError([Msg("crit.err.in_use", file=rs.FILES["rulesets"], id=rid, uses=_joined(used[rid]))
                               for rid in missing])


def _joined(items: list[Msg]) -> Msg | str:
    """'a; b; c' of messages, each put into words in the language shown."""
    out: Msg | str = items[0] if items else ""
    for item in items[1:]:
        out = Msg("crit.use.and", head=out, tail=item)
    return out


DEFAULT_IMPORTER = "dữ liệu mặc định (data/rulesets)"


def ensure_rulesets(db: Database) -> None:
    """Store the repository's rule-sets when the database has none yet, and refresh them when the
    stored ones are an older copy of the repository's defaults (never imported by a person: an
    authorised user's import is kept as it is)."""
    stored = db.query("SELECT name, content, imported_by FROM ruleset_file")
    repo = _texts_from_repo()
    if stored.empty:
        import_rulesets(db, system(DEFAULT_IMPORTER), repo)
    elif (stored["imported_by"] == DEFAULT_IMPORTER).all() and dict(zip(stored["name"], stored["content"])) != repo:
        try:
            import_rulesets(db, system(DEFAULT_IMPORTER), repo)
        except ValidationError:   # the new defaults lack a rule-set in use: keep the stored copy
            pass


def catalog(db: Database) -> rs.RulesetCatalog:
    rows = db.query("SELECT name, content FROM ruleset_file")
    return rs.load_rulesets_from_texts(dict(zip(rows["name"], rows["content"])))


def ruleset_file_info(db: Database) -> pd.DataFrame:
    return db.query("SELECT name, imported_at, imported_by FROM ruleset_file ORDER BY name")


def ruleset_files(db: Database) -> pd.DataFrame:
    """The stored rule-set files as imported (name, content), for download."""
    return db.query("SELECT name, content FROM ruleset_file ORDER BY name")


def default_ruleset_id(catalog) -> str:
    """The rule-set the pages open with: DEFAULT_RULESET when stored, else the first stored one
    (the page says so: compare the result with DEFAULT_RULESET)."""
    return DEFAULT_RULESET if DEFAULT_RULESET in catalog else catalog.ids[0]


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


def add_indicator_value(db: Database, who: Identity, area_id: str, standard_code: str, value,
                        as_of: date | None, source: str, note: str | None = None,
                        confidence: str = "C2") -> None:
    """Record one value (history kept). Checks the area, the standard, the value and the source."""
    problems: list[Msg] = []
    if not db.scalar("SELECT count(*) FROM area WHERE id = ?", [area_id]):
        problems.append(Msg("crit.iv.area", area=area_id))
    std = db.query("SELECT DISTINCT code, unit, direction FROM ruleset_standard WHERE code = ?", [standard_code])
    if std.empty:
        problems.append(Msg("crit.iv.standard", code=standard_code))
    num, text = None, None
    direction = None if std.empty else std.iloc[0]["direction"]
    level_names = set(db.query("SELECT DISTINCT level FROM ruleset_level WHERE standard_code = ?",
                               [standard_code])["level"])
    if _blank(value):
        problems.append(Msg("crit.iv.value_blank"))
    elif isinstance(value, str) and value.strip() in level_names:
        text = value.strip()  # a named level: "cấp tỉnh", "có dự án"
    elif direction == "level":
        problems.append(Msg("crit.iv.value_level", value=str(value),
                            levels=", ".join(sorted(level_names)) or Msg("crit.iv.no_scale")))
    else:
        try:
            num = parse_number(value)
            if num is not None and num < 0:
                problems.append(Msg("crit.iv.value_negative", value=f"{num:g}"))
        except ValueError as e:   # fmt.NumberError: its message in the language shown
            problems.append(Msg("crit.iv.value_error", error=getattr(e, "message", str(e))))
    unit = None if std.empty else std.iloc[0]["unit"]
    if unit == "%" and num is not None and num > 100:
        problems.append(Msg("crit.iv.value_over_100", value=f"{num:g}"))
    if _blank(source) or HTML_TAG.search(str(source)):
        problems.append(Msg("crit.iv.source"))
    if as_of is None:
        problems.append(Msg("crit.iv.date_blank"))
    if confidence not in ("C", "C2"):
        problems.append(Msg("crit.iv.confidence", value=str(confidence)))
    if as_of is not None and as_of > date.today():
        problems.append(Msg("crit.iv.date_future", date=as_of))
    if note and HTML_TAG.search(note):
        problems.append(Msg("crit.iv.note"))
    if problems:
        raise ValidationError(problems)
    db.write(who, "indicator_value", lambda cur: cur.execute(
        "INSERT INTO indicator_value (area_id, standard_code, value_num, value_text, unit, as_of, source, "
        "entered_by, entered_at, is_demo, confidence, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, FALSE, ?, ?)",
        [area_id, standard_code, num, text, unit, as_of, source.strip(), who.display_name, datetime.now(), confidence,
         note]),
        {"area": area_id, "standard": standard_code})


# -- works and standards ------------------------------------------------------------------------

def work_links(db: Database) -> pd.DataFrame:
    return db.query("SELECT ws.*, w.name AS work_name FROM work_standard ws JOIN work w ON w.id = ws.work_id "
                    "ORDER BY ws.standard_code, ws.work_id")


def area_region(db: Database, area_id: str) -> str | None:
    return db.scalar("SELECT region_code FROM area WHERE id = ?", [area_id])


# a town's target in ``programme`` (None: in the first programme, by id, that targets it): one town
# can be the target of two programmes (a province file), each with its own class and year
_TARGET_SQL = ("SELECT target_class, target_year FROM programme_target WHERE area_id = ? "
               "AND (?::VARCHAR IS NULL OR programme_id = ?) ORDER BY programme_id LIMIT 1")


def target_class(db: Database, area_id: str, programme: str | None = None) -> str | None:
    """The class ``programme`` targets for the town (see ``_TARGET_SQL``); None: no target."""
    row = db.rows(_TARGET_SQL, [area_id, programme, programme])
    return row[0]["target_class"] if row else None


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
    extra = []
    ruleset = cat[ruleset_id]
    if region and not ruleset.regions().empty and not ruleset.find_region(region):
        # the rule-set has factors, none for this region: say so rather than drop the region
        extra.append(Msg("crit.note.no_region_factor", ruleset=ruleset_id, region=region))
        region = None
    result = scoring.score(ruleset, class_code, values_map(values), region=region, heritage=heritage)
    if extra:
        result = dataclasses.replace(result, notes=tuple(extra) + result.notes)
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


# -- the answer per town: legal status today, then the assessment --------------------------------

def default_class(ruleset: rs.Ruleset, target: str | None) -> str:
    """The class a town is scored against under a rule-set: its target when the rule-set has
    it; else the class the rule-set's transition rule gives a former class (NQ 111/2025,
    Điều 15: former loại IV and V are loại III); else III, else the first class."""
    classes = list(ruleset.classes)
    if target in classes:
        return target
    info = ruleset.info
    if info.transition_class and target in info.transition_from:
        return info.transition_class
    return "III" if "III" in classes else classes[0]


def town_class(db: Database, town: str, ruleset_id: str, programme: str | None = None) -> str:
    """default_class for a town, from its target in ``programme`` (``target_class``)."""
    return default_class(catalog(db)[ruleset_id], target_class(db, town, programme))


@dataclass(frozen=True)
class LegalStatus:
    """What the law says about a programme town on ``today`` (facts from the rule-set and
    area data; what the data do not hold stays None)."""

    today: date
    town_name: str
    target_class: str | None       # the programme's target (IV, V)
    target_year: int | None
    law_id: str | None             # the rule-set in force today with a transition rule that covers the target
    law_source: str | None         # "NQ 111/2025/UBTVQH15"
    law_from: date | None
    article: str | None            # "Điều 15"
    treated_as: str | None         # "III": the class the town is treated as today
    confidence: str | None         # of the transition rule
    successor_name: str | None     # the commune the town became part of
    merged_on: date | None         # the first day as part of it (valid_to + 1), when on or before today
    merge_source: str | None       # the act that created the successor

    def lines(self, lang: str = "vi") -> list[str]:
        out = []
        if self.treated_as:
            out.append(t("crit.ans.legal_transition", lang, town=self.town_name, law=self.law_source or "",
                         article=self.article or "", c=self.treated_as,
                         date=fmt.day(self.law_from, lang) if self.law_from else t("common.no_data", lang),
                         conf=t(f"crit.conf.{self.confidence or 'U'}", lang).lower()))
            out.append(t("crit.ans.legal_former", lang, target=self._target(lang)))
        else:
            out.append(t("crit.ans.legal_no_transition", lang, town=self.town_name, target=self._target(lang)))
        if self.merged_on:
            out.append(t("crit.ans.legal_merged", lang, town=self.town_name, successor=self.successor_name,
                         date=fmt.day(self.merged_on, lang), source=self.merge_source or t("common.no_data", lang)))
        return [line[:1].upper() + line[1:] for line in out]

    def short(self, lang: str = "vi") -> str:
        """One cell: 'Loại III (NQ 111/2025/UBTVQH15, Điều 15); thuộc xã Trùng Khánh từ 01/07/2025'."""
        parts = [t("crit.ans.short_transition", lang, c=self.treated_as, law=self.law_source or "",
                   article=self.article or "") if self.treated_as
                 else t("crit.ans.short_no_transition", lang)]
        if self.merged_on:
            parts.append(t("crit.ans.short_merged", lang, successor=self.successor_name,
                           date=fmt.day(self.merged_on, lang)))
        return "; ".join(parts)

    def _target(self, lang: str) -> str:
        if not self.target_class:
            return t("common.no_data", lang)
        text = (t("crit.target_cell", lang, c=self.target_class, year=self.target_year) if self.target_year
                else t("crit.class_label", lang, c=self.target_class))
        return text[:1].lower() + text[1:]   # mid-sentence: "loại IV, năm 2025"


def legal_status(db: Database, town: str, today: date, cat: rs.RulesetCatalog | None = None,
                 programme: str | None = None) -> LegalStatus:
    """The town's legal status on ``today``: the transition rule of the rule-set in force that day
    (NQ 111/2025, Điều 15, from 01/01/2026) and the administrative change (area data); its target
    is that of ``programme`` (``target_class``)."""
    cat = cat or catalog(db)
    area = db.query("SELECT a.name, a.valid_to, s.name AS successor_name, s.legal_source AS successor_source, "
                    "a.legal_source FROM area a LEFT JOIN area s ON s.id = a.successor_id WHERE a.id = ?", [town])
    if area.empty:
        raise scoring.ScoringError(Msg("crit.err.no_area", town=town))
    a = area.iloc[0]
    tgt = db.rows(_TARGET_SQL, [town, programme, programme])
    target = tgt[0]["target_class"] if tgt else None
    year = int(tgt[0]["target_year"]) if tgt and tgt[0]["target_year"] is not None else None
    law = next((r.info for r in cat.valid_on(today)
                if r.info.transition_class and target in r.info.transition_from), None)
    merged_on = None
    if not pd.isna(a["valid_to"]) and a["successor_name"]:
        first = pd.Timestamp(a["valid_to"]).date() + timedelta(days=1)
        merged_on = first if first <= today else None
    return LegalStatus(
        today=today, town_name=a["name"], target_class=target, target_year=year,
        law_id=law.id if law else None, law_source=(law.legal_source or law.name) if law else None,
        law_from=law.valid_from if law else None, article=law.transition_article if law else None,
        treated_as=law.transition_class if law else None, confidence=law.transition_confidence if law else None,
        successor_name=a["successor_name"] if merged_on else None, merged_on=merged_on,
        merge_source=(a["successor_source"] or a["legal_source"]) if merged_on else None)


@dataclass(frozen=True)
class StandardPoint:
    """One standard that decides the answer (below its minimum, unknown, or with a caveat)."""

    code: str
    name: str
    status: str                 # pass, below_min, missing, rule_unknown
    value: object
    minimum: object             # the minimum applied (after adjustments), None when unknown
    unit: str | None
    confidence: str             # of the rule's row: C, C2, U
    evidence: str | None        # what would settle an unknown value
    bundle: str | None          # "8 tiêu chuẩn con, gộp"
    caveat: str | None
    adjustment: Msg | None       # text_of(adjustment, lang)
    legal_source: str | None

    def label(self) -> str:
        """'TC1 (8 tiêu chuẩn con, gộp)' or the code."""
        return f"{self.code} ({self.bundle})" if self.bundle else self.code


@dataclass(frozen=True)
class TownAnswer:
    """The scorecard's answer for one town: legal status today, then the assessment under the
    chosen rule-set and class. A score with unknowns is never a total out of 100."""

    town: str
    ruleset_id: str
    ruleset_name: str
    class_code: str
    legal: LegalStatus
    verdict: str                       # dat, khong_dat, chua_du_so_lieu
    points_known: float | None         # points of the scored standards (None: none scored)
    points_assessable: float | None    # the maximum those scored standards can give
    max_total: float | None            # the rule-set's total, only when every standard is scored
    pass_mark: float | None
    n_scored: int
    n_total: int
    below: tuple[StandardPoint, ...]
    unknown: tuple[StandardPoint, ...]
    thresholds: tuple[StandardPoint, ...]   # standards whose level has a caveat (e.g. loại III population)
    notes: tuple[Msg, ...]             # text_of(note, lang)
    uses_demo: bool

    @property
    def complete(self) -> bool:
        return self.n_total > 0 and self.n_scored == self.n_total

    def verdict_text(self, lang: str = "vi") -> str:
        return t(f"crit.ans.verdict.{self.verdict}", lang)

    def points_text(self, lang: str = "vi") -> str:
        """'62,5 / 100' only when every standard is scored; else '0 / 13 điểm của 2/23 tiêu chuẩn
        chấm được'; 'chưa chấm được tiêu chuẩn nào' when none is."""
        if self.points_known is None:
            return t("crit.points_none", lang)
        if self.complete and self.max_total is not None:
            return t("crit.points_all", lang, points=fmt.number(self.points_known, 2, lang),
                     max=fmt.number(self.max_total, 0, lang))
        return t("crit.ans.points_some", lang, points=fmt.number(self.points_known, 2, lang),
                 max=fmt.number(self.points_assessable, 2, lang), n=self.n_scored, total=self.n_total)

    def unknown_text(self, lang: str = "vi") -> str:
        """'15/15 tiêu chuẩn chưa biết, trong đó TC1 (8 tiêu chuẩn con, gộp), TC5 (…, gộp)'."""
        text = t("crit.ans.unknown_count", lang, n=len(self.unknown), total=self.n_total)
        bundles = [u.label() for u in self.unknown if u.bundle]
        if bundles:
            text += t("crit.ans.unknown_bundles", lang, items=", ".join(bundles))
        return text

    def lines(self, lang: str = "vi") -> list[str]:
        """The answer in sentences, for the page and the slides (plain text: escape before Markdown)."""
        out = self.legal.lines(lang)
        out.append(t("crit.ans.assessment", lang, ruleset=self.ruleset_name, c=self.class_code,
                     verdict=self.verdict_text(lang), points=self.points_text(lang)))
        return out


def _std_point(row, std) -> StandardPoint:
    def opt(col):
        v = std.get(col) if std is not None else None
        return None if v is None or (not isinstance(v, str) and pd.isna(v)) else v
    return StandardPoint(code=row["code"], name=row["name"], status=row["status"], value=row["value"],
                         minimum=row["min_level_applied"], unit=row["unit"], confidence=row["confidence"],
                         evidence=opt("evidence"), bundle=opt("bundle"), caveat=opt("caveat"),
                         adjustment=row["adjustment"], legal_source=opt("legal_source"))


def town_answer(db: Database, town: str, ruleset_id: str, class_code: str | None, today: date,
                include_demo: bool = False, heritage: bool = False, programme: str | None = None) -> TownAnswer:
    """One call for the scorecard's first screen: the legal status on ``today`` and the assessment
    against ``ruleset_id`` (``class_code`` None: the class that follows the town, see default_class)."""
    cat = catalog(db)
    ruleset = cat[ruleset_id]
    legal = legal_status(db, town, today, cat, programme)
    cls = class_code or default_class(ruleset, legal.target_class)
    card = scorecard(db, town, ruleset_id, cls, None, include_demo, heritage)
    res = card.result
    stds = ruleset.standards_for(cls).set_index("code")
    points = [_std_point(r, stds.loc[r["code"]].to_dict() if r["code"] in stds.index else None)
              for r in res.standards.to_dict("records")]
    s = res.standards
    scored = s["status"].isin(["pass", "below_min"])
    below = tuple(p for p, m in zip(points, s["meets_min"]) if m is False)
    unknown = tuple(p for p in points if p.status in ("missing", "rule_unknown"))
    all_scored = bool(scored.all()) and len(s) > 0
    return TownAnswer(
        town=town, ruleset_id=ruleset_id, ruleset_name=ruleset.info.name, class_code=cls, legal=legal,
        verdict=res.verdict,
        points_known=None if pd.isna(res.total) else float(res.total),
        points_assessable=float(s.loc[scored, "max_points"].sum()) if scored.any() else None,
        max_total=None if (not all_scored or pd.isna(res.max_total)) else float(res.max_total),
        pass_mark=res.pass_mark, n_scored=res.n_scored, n_total=res.n_total,
        below=below, unknown=unknown, thresholds=tuple(p for p in points if p.caveat),
        notes=res.notes, uses_demo=card.uses_demo)
