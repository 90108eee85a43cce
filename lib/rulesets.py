"""Urban-classification rule-sets: load and validate the CSV files in data/rulesets/.

The files are reviewable in git and hold only what a source gives; an empty cell
is an unknown value (never 0). Every row carries a confidence mark:

- ``C``  read in a primary or official source;
- ``C2`` secondary source only, shown as "chưa đối chiếu văn bản gốc";
- ``U``  unknown: the value is empty and must be entered by an authorised user.

Files (UTF-8, comma-separated, header on line 1):

- ``rulesets.csv``: id, name, legal_source, valid_from, valid_to, classes
  (``;``-separated, e.g. ``IV;V``), pass_mark, confidence, note; optional:
  transition_article, transition_from (``;``-separated former classes),
  transition_class, transition_confidence: a transition rule of the text, e.g.
  NQ 111/2025 Điều 15: former loại IV and V "được xác định là đô thị loại III".
- ``groups.csv``: ruleset_id, class_code (blank = every class of the rule-set),
  code, name, max_points, min_points, confidence, note.
- ``standards.csv``: ruleset_id, class_code, code, group_code, name, unit,
  direction (``higher``/``lower``/``level``), min_level, high_level, min_points,
  max_points, is_count, is_density, confidence, legal_source, note; optional:
  evidence (what would settle an unknown value, in Vietnamese), bundle (when the
  row stands for several standards of the text, e.g. "8 tiêu chuẩn con, gộp"),
  caveat (a conflict about the row's levels the scorecard must show).
  For ``higher``/``lower`` the levels are numbers, or a named level from
  levels.csv (e.g. "có dự án"); for ``level`` they are names from levels.csv.
- ``levels.csv``: ruleset_id, standard_code, level, rank, confidence, note: the
  ordinal scale of named levels (rank orders them; higher rank = better).
- ``regional_factors.csv``: the regional and special adjustments: ruleset_id,
  region_code (``*`` for an adjustment that is not a region: ``bien_gioi``,
  ``di_san``), region_name, kind (see FACTOR_KINDS), factor_pct (blank = not
  known, confidence U: the standards are scored at the unadjusted minimum and say
  so), standards (``;``-separated codes the factor scales, ``*`` = every
  standard), confidence, legal_source, note. The factor multiplies the minimum
  level of the class being assessed.

A problem is reported in Vietnamese with the file, the line number and the
column, e.g. ``standards.csv, dòng 5, cột min_level: không phải số``. All problems
found are collected and raised together in one :class:`RulesetError`.

Never imports streamlit.
"""
from __future__ import annotations

import csv
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from lib.db import ValidationError
from lib.i18n import DEFAULT_LANG, Msg, Num, t, text_of

ROOT = Path(__file__).resolve().parent.parent
RULESETS_DIR = ROOT / "data" / "rulesets"

CONFIDENCE_MARKS = ("C", "C2", "U")
# the label of each confidence mark, in the catalogue (lib/locales/rules.json)
CONFIDENCE_KEYS = {"C": "rules.confidence.C", "C2": "rules.confidence.C2", "U": "rules.confidence.U"}


def confidence_label(mark: str, lang: str = DEFAULT_LANG) -> str:
    """The label of a confidence mark in ``lang``: 'chưa đối chiếu văn bản gốc' for C2."""
    return t(CONFIDENCE_KEYS[mark], lang)


CONFIDENCE_LABELS = {mark: confidence_label(mark) for mark in CONFIDENCE_MARKS}  # Vietnamese
DIRECTIONS = ("higher", "lower", "level")
FACTOR_KINDS = {"dan_so": Msg("rules.factor_kind.dan_so"), "mat_do": Msg("rules.factor_kind.mat_do"),
                "vung": Msg("rules.factor_kind.vung"), "bien_gioi": Msg("rules.factor_kind.bien_gioi"),
                "di_san": Msg("rules.factor_kind.di_san")}
SPECIAL_KINDS = ("bien_gioi", "di_san")   # not regions: region_code is "*"
ALL = "*"

FILES = {
    "rulesets": "rulesets.csv",
    "groups": "groups.csv",
    "standards": "standards.csv",
    "levels": "levels.csv",
    "regional_factors": "regional_factors.csv",
}
COLUMNS = {
    "rulesets": ["id", "name", "legal_source", "valid_from", "valid_to", "classes", "pass_mark",
                 "confidence", "note"],
    "groups": ["ruleset_id", "class_code", "code", "name", "max_points", "min_points", "confidence", "note"],
    "standards": ["ruleset_id", "class_code", "code", "group_code", "name", "unit", "direction",
                  "min_level", "high_level", "min_points", "max_points", "is_count", "is_density",
                  "confidence", "legal_source", "note"],
    "levels": ["ruleset_id", "standard_code", "level", "rank", "confidence", "note"],
    "regional_factors": ["ruleset_id", "region_code", "region_name", "kind", "factor_pct", "standards",
                         "confidence", "legal_source", "note"],
}
# columns a file may lack (files written before they existed stay valid)
OPTIONAL_COLUMNS = {
    "rulesets": ["transition_article", "transition_from", "transition_class", "transition_confidence"],
    "standards": ["evidence", "bundle", "caveat"],
}

_TOL = 1e-9

# Limits of an import (the files of the repository are 60 kB together, 103 standards, cells
# under 600 characters): far above any real rule-set, low enough that checking and storing an
# import takes seconds, never minutes, and a typo (a whole workbook pasted in a cell) is refused.
MAX_FILE_BYTES = 5_000_000        # one file
MAX_TOTAL_BYTES = 10_000_000      # the five files together
MAX_ROWS = 20_000                 # data rows of one file
MAX_CELL_CHARS = 4_000            # one cell
MAX_NUMBER = 1e12                 # |a number| (points, levels, ranks, factors)
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATES = re.compile("[\ud800-\udfff]")


# ----------------------------------------------------------------------------- errors


@dataclass(frozen=True)
class Issue:
    """One problem in one cell (or one row when field is None)."""

    file: str
    row: int | None
    field: str | Msg | None
    message: str | Msg

    def text(self, lang: str = DEFAULT_LANG) -> str:
        """The whole problem in ``lang``: 'standards.csv, dòng 5, cột min_level: không phải số …'."""
        key = ("rules.issue.row_field" if self.field else "rules.issue.row") if self.row is not None \
            else ("rules.issue.field" if self.field else "rules.issue.file")
        return t(key, lang, file=self.file, row=self.row, field=text_of(self.field, lang),
                 message=text_of(self.message, lang))

    def __str__(self) -> str:
        return self.text(DEFAULT_LANG)


class RulesetError(ValidationError):
    """The rule-set files are not valid. ``issues`` lists every problem found (file, row, column);
    ``problems`` the same as text, as every ValidationError of a write."""

    def __init__(self, issues: Iterable[Issue]):
        self.issues: tuple[Issue, ...] = tuple(issues)
        lines = [str(i) for i in self.issues]
        super().__init__(lines)
        if len(lines) > 1:  # the message as a whole says what it is about
            self.args = (self.text(DEFAULT_LANG),)

    def text(self, lang: str = DEFAULT_LANG) -> str:
        lines = [i.text(lang) for i in self.issues]
        if len(lines) > 1:
            lines.insert(0, t("rules.errors_header", lang))
        return "\n".join(lines)


class RulesetNotFound(KeyError):
    """No rule-set of that id (a KeyError whose message is translated by ``.text(lang)``)."""

    def __init__(self, message: Msg):
        self.message = message
        super().__init__(str(message))

    def text(self, lang: str = DEFAULT_LANG) -> str:
        return text_of(self.message, lang)


class UnknownClass(ValueError):
    """A rule-set has no such class (a ValueError whose message is translated by ``.text(lang)``)."""

    def __init__(self, message: Msg):
        self.message = message
        super().__init__(str(message))

    def text(self, lang: str = DEFAULT_LANG) -> str:
        return text_of(self.message, lang)


# ----------------------------------------------------------------------------- helpers


def normalise_level(text: str) -> str:
    """Key used to compare level names: NFC, trimmed, single spaces, case-folded."""
    return " ".join(unicodedata.normalize("NFC", str(text)).split()).casefold()


def _clean(value) -> str:
    return unicodedata.normalize("NFC", "" if value is None else str(value)).strip()


class _Collector:
    def __init__(self):
        self.issues: list[Issue] = []

    def add(self, file: str, row: int | None, field: str | Msg | None, message: str | Msg) -> None:
        self.issues.append(Issue(file, row, field, message))

    def raise_if_any(self) -> None:
        if self.issues:
            raise RulesetError(self.issues)


@dataclass
class _Row:
    file: str
    line: int
    cells: dict[str, str]

    def get(self, col: str) -> str:
        return self.cells.get(col, "")


def _number(c: _Collector, r: _Row, col: str, *, required: bool = False,
            non_negative: bool = False) -> float | None:
    text = r.get(col)
    if text == "":
        if required:
            c.add(r.file, r.line, col, Msg("rules.err.missing_value"))
        return None
    try:
        value = float(text)
    except ValueError:
        key = "rules.err.not_number_comma" if "," in text else "rules.err.not_number"
        c.add(r.file, r.line, col, Msg(key, text=text[:40]))
        return None
    if not math.isfinite(value):
        c.add(r.file, r.line, col, Msg("rules.err.not_finite", text=text[:40]))
        return None
    if abs(value) > MAX_NUMBER:
        c.add(r.file, r.line, col, Msg("rules.err.too_large", text=text[:40], max=Num(MAX_NUMBER)))
        return None
    if non_negative and value < 0:
        c.add(r.file, r.line, col, Msg("rules.err.negative", text=text))
        return None
    return value


def _required(c: _Collector, r: _Row, col: str) -> str | None:
    text = r.get(col)
    if text == "":
        c.add(r.file, r.line, col, Msg("rules.err.missing_value"))
        return None
    return text


def _confidence(c: _Collector, r: _Row) -> str | None:
    text = r.get("confidence")
    if text == "":
        c.add(r.file, r.line, "confidence", Msg("rules.err.confidence_missing"))
        return None
    if text not in CONFIDENCE_MARKS:
        c.add(r.file, r.line, "confidence", Msg("rules.err.confidence_invalid", mark=text))
        return None
    return text


def _bool(c: _Collector, r: _Row, col: str) -> bool:
    text = r.get(col).lower()
    if text in ("", "false"):
        return False
    if text == "true":
        return True
    c.add(r.file, r.line, col, Msg("rules.err.bool_invalid", value=r.get(col)))
    return False


def _date(c: _Collector, r: _Row, col: str) -> date | None:
    text = r.get(col)
    if text == "":
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        c.add(r.file, r.line, col, Msg("rules.err.date_invalid", text=text))
        return None


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def read_csv_rows(path: Path, kind: str, c: _Collector) -> list[_Row]:
    """Read one file as rows of trimmed strings, checking the header."""
    name = path.name
    if not path.exists():
        c.add(name, None, None, Msg("rules.err.file_not_found"))
        return []
    return read_csv_text(decode(path.read_bytes()), name, kind, c)


def decode(content: bytes) -> str:
    """UTF-8 text of a file. Bytes that are not UTF-8 become lone surrogates (surrogateescape),
    which read_csv_text reports with the row and the column they are in."""
    return content.decode("utf-8-sig", errors="surrogateescape").lstrip("\ufeff")


def text_size(text: str) -> int:
    """The size of a text in UTF-8 bytes (a lone surrogate counts as the 3 bytes it would take)."""
    return len(text.encode("utf-8", errors="surrogatepass"))


def _mb(size: float) -> Num:
    """Megabytes with one decimal, written in the language's way: 11,7 / 11.7."""
    return Num(size / 1e6, 1)


def _cell_problem(value: str) -> Msg | None:
    """Why a cell cannot be stored (too long, not UTF-8, control characters), or None."""
    if len(value) > MAX_CELL_CHARS:
        return Msg("rules.err.cell_too_long", n=Num(len(value)), max=Num(MAX_CELL_CHARS))
    if _SURROGATES.search(value):
        return Msg("rules.err.not_utf8")
    if _BAD_CHARS.search(value):
        return Msg("rules.err.control_chars")
    return None


def read_csv_text(text: str, name: str, kind: str, c: _Collector) -> list[_Row]:
    """Parse the text of one file (see read_csv_rows). Refuses, naming the file, the line and the
    column, a file over MAX_FILE_BYTES or MAX_ROWS rows and a cell over MAX_CELL_CHARS characters,
    with bytes that are not UTF-8 or with control characters."""
    size = text_size(text)
    if size > MAX_FILE_BYTES:
        c.add(name, None, None, Msg("rules.err.file_too_big", size=_mb(size), max=_mb(MAX_FILE_BYTES)))
        return []
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, MAX_FILE_BYTES + 1))  # a long cell is reported below, with its column
    try:
        return _read_rows(text, name, kind, c)
    finally:
        csv.field_size_limit(limit)


def _read_rows(text: str, name: str, kind: str, c: _Collector) -> list[_Row]:
    reader = csv.reader(text.splitlines())
    try:
        header = [_clean(h) for h in next(reader)]
    except StopIteration:
        c.add(name, 1, None, Msg("rules.err.empty_file"))
        return []
    except csv.Error as e:
        c.add(name, 1, None, Msg("rules.err.header_unreadable", error=e))
        return []
    for i, h in enumerate(header, start=1):
        problem = _cell_problem(h)
        if problem:
            c.add(name, 1, Msg("rules.col_nth", n=i), problem)
            return []
    missing = [col for col in COLUMNS[kind] if col not in header]
    for col in missing:
        c.add(name, 1, col, Msg("rules.err.missing_column"))
    if missing:
        return []
    rows = []
    line = 1
    while True:
        line += 1
        try:
            raw = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            c.add(name, line, None, Msg("rules.err.row_unreadable", error=e))
            continue
        if not raw or all(v.strip() == "" for v in raw):
            continue
        if len(rows) >= MAX_ROWS:
            c.add(name, line, None, Msg("rules.err.too_many_rows", max=Num(MAX_ROWS)))
            return rows
        if len(raw) != len(header):
            c.add(name, line, None, Msg("rules.err.column_count", n=len(raw), expected=len(header)))
            continue
        bad = False
        for h, v in zip(header, raw):
            problem = _cell_problem(v)
            if problem:
                c.add(name, line, h or None, problem)
                bad = True
        if not bad:
            rows.append(_Row(name, line, {h: _clean(v) for h, v in zip(header, raw)}))
    return rows


# ----------------------------------------------------------------------------- typed objects


@dataclass(frozen=True)
class RulesetInfo:
    id: str
    name: str
    legal_source: str | None
    valid_from: date | None
    valid_to: date | None
    classes: tuple[str, ...]
    pass_mark: float | None
    confidence: str
    note: str | None
    transition_article: str | None = None
    transition_from: tuple[str, ...] = ()
    transition_class: str | None = None
    transition_confidence: str | None = None

    @property
    def confidence_label(self) -> str:
        return CONFIDENCE_LABELS[self.confidence]

    def valid_on(self, day: date) -> bool:
        return ((self.valid_from is None or self.valid_from <= day)
                and (self.valid_to is None or day <= self.valid_to))


@dataclass(frozen=True, eq=False)
class Ruleset:
    """One rule-set with its typed tables (only its own rows).

    ``standards`` has the file's columns plus ``min_value``/``high_value`` (the
    levels as numbers: the number itself, or the rank of a named level),
    ``min_named``/``high_named`` (True when the level is a name from levels.csv)
    and ``line`` (the line in standards.csv).
    """

    info: RulesetInfo
    groups: pd.DataFrame
    standards: pd.DataFrame
    levels: pd.DataFrame
    regional_factors: pd.DataFrame

    @property
    def id(self) -> str:
        return self.info.id

    @property
    def classes(self) -> tuple[str, ...]:
        return self.info.classes

    def _check_class(self, class_code: str) -> None:
        if class_code not in self.info.classes:
            raise UnknownClass(Msg("rules.err.no_class", id=self.id, cls=class_code,
                                   classes=", ".join(self.info.classes)))

    def standards_for(self, class_code: str) -> pd.DataFrame:
        self._check_class(class_code)
        return self.standards[self.standards["class_code"] == class_code].reset_index(drop=True)

    def groups_for(self, class_code: str) -> pd.DataFrame:
        """The groups of one class: rows for that class, then rows for every class (blank)."""
        self._check_class(class_code)
        g = self.groups
        own = g[g["class_code"] == class_code]
        shared = g[g["class_code"].isna() & ~g["code"].isin(own["code"])]
        return pd.concat([own, shared]).sort_values("line").reset_index(drop=True)

    def level_scale(self, standard_code: str) -> list[str]:
        """Named levels of a standard, lowest rank first (empty when it has none)."""
        lv = self.levels[self.levels["standard_code"] == standard_code].sort_values("rank")
        return list(lv["level"])

    def level_rank(self, standard_code: str, level: str) -> float | None:
        key = normalise_level(level)
        lv = self.levels[(self.levels["standard_code"] == standard_code)
                         & (self.levels["level_key"] == key)]
        return None if lv.empty else float(lv["rank"].iloc[0])

    def regions(self) -> pd.DataFrame:
        """Regions with a factor in this rule-set: region_code, region_name (not the special
        adjustments such as heritage, whose region_code is "*")."""
        rf = self.regional_factors
        return (rf.loc[rf["region_code"] != ALL, ["region_code", "region_name"]]
                .drop_duplicates().reset_index(drop=True))

    def find_region(self, region: str) -> str | None:
        """The region_code matching a code or a name (case-insensitive), or None."""
        key = normalise_level(region)
        for code, name in self.regions().itertuples(index=False):
            if key in (normalise_level(code), normalise_level(name)):
                return code
        return None

    def factors_for(self, region_code: str) -> pd.DataFrame:
        rf = self.regional_factors
        return rf[rf["region_code"] == region_code].reset_index(drop=True)

    def special(self, kind: str) -> pd.DataFrame:
        """The special adjustments of one kind (bien_gioi, di_san)."""
        rf = self.regional_factors
        return rf[(rf["region_code"] == ALL) & (rf["kind"] == kind)].reset_index(drop=True)

    def standard_codes_of(self, codes: tuple[str, ...], class_code: str) -> list[str]:
        """The standards a factor's ``standards`` cell names, ``*`` expanded for the class."""
        if ALL in codes:
            return list(self.standards_for(class_code)["code"])
        return list(codes)


@dataclass(frozen=True, eq=False)
class RulesetCatalog:
    """Every rule-set loaded from the files, by id (in file order)."""

    rulesets: dict[str, Ruleset] = field(default_factory=dict)

    def __getitem__(self, ruleset_id: str) -> Ruleset:
        try:
            return self.rulesets[ruleset_id]
        except KeyError:
            raise RulesetNotFound(Msg("rules.err.no_ruleset", id=ruleset_id)) from None

    def __contains__(self, ruleset_id: str) -> bool:
        return ruleset_id in self.rulesets

    def __iter__(self):
        return iter(self.rulesets.values())

    def __len__(self) -> int:
        return len(self.rulesets)

    @property
    def ids(self) -> list[str]:
        return list(self.rulesets)

    def valid_on(self, day: date, class_code: str | None = None) -> list[Ruleset]:
        """Rule-sets in force on a day (optionally: that have the class)."""
        return [rs for rs in self.rulesets.values()
                if rs.info.valid_on(day) and (class_code is None or class_code in rs.classes)]


# ----------------------------------------------------------------------------- loading


def load_rulesets(directory: Path | str | None = None) -> RulesetCatalog:
    """Read and validate the five files; raise :class:`RulesetError` listing every problem."""
    folder = Path(directory) if directory is not None else RULESETS_DIR
    c = _Collector()
    raw = {kind: read_csv_rows(folder / fname, kind, c) for kind, fname in FILES.items()}
    c.raise_if_any()
    return build_catalog(raw, c)


def load_rulesets_from_texts(texts: dict[str, str | bytes]) -> RulesetCatalog:
    """The same as load_rulesets, from the files' contents keyed by file name (an import,
    or the copies kept in the database). Bytes must be UTF-8."""
    c = _Collector()
    raw = {}
    decoded = {fname: decode(v) if isinstance(v, (bytes, bytearray)) else str(v).lstrip("\ufeff")
               for fname, v in texts.items() if fname in FILES.values()}
    total = sum(text_size(v) for v in decoded.values())
    if total > MAX_TOTAL_BYTES:
        c.add(", ".join(sorted(decoded)), None, None,
              Msg("rules.err.total_too_big", size=_mb(total), max=_mb(MAX_TOTAL_BYTES)))
        c.raise_if_any()
    for kind, fname in FILES.items():
        content = decoded.get(fname)
        if content is None:
            c.add(fname, None, None, Msg("rules.err.file_not_found"))
            raw[kind] = []
            continue
        raw[kind] = read_csv_text(content, fname, kind, c)
    c.raise_if_any()
    return build_catalog(raw, c)


def build_catalog(raw: dict[str, list[_Row]], c: _Collector | None = None) -> RulesetCatalog:
    c = c or _Collector()

    # -- rulesets.csv
    infos: dict[str, RulesetInfo] = {}
    for r in raw["rulesets"]:
        rid = _required(c, r, "id")
        name = _required(c, r, "name")
        vfrom, vto = _date(c, r, "valid_from"), _date(c, r, "valid_to")
        if vfrom and vto and vto < vfrom:
            c.add(r.file, r.line, "valid_to", Msg("rules.err.valid_to_before"))
        classes = tuple(x.strip() for x in r.get("classes").split(";") if x.strip())
        if not classes:
            c.add(r.file, r.line, "classes", Msg("rules.err.classes_missing"))
        elif len(set(classes)) != len(classes):
            c.add(r.file, r.line, "classes", Msg("rules.err.classes_repeated"))
        pass_mark = _number(c, r, "pass_mark", non_negative=True)
        conf = _confidence(c, r)
        if rid is None or name is None or conf is None:
            continue
        if rid in infos:
            c.add(r.file, r.line, "id", Msg("rules.err.id_repeated", id=rid))
            continue
        t_from = tuple(x.strip() for x in r.get("transition_from").split(";") if x.strip())
        t_cls, t_conf = r.get("transition_class") or None, r.get("transition_confidence") or None
        if t_cls and t_cls not in classes:
            c.add(r.file, r.line, "transition_class", Msg("rules.err.class_not_of_ruleset", cls=t_cls, id=rid,
                                                            classes=";".join(classes)))
        if bool(t_cls) != bool(t_from):
            c.add(r.file, r.line, "transition_class" if t_from else "transition_from",
                  Msg("rules.err.transition_both"))
        if t_conf and t_conf not in CONFIDENCE_MARKS:
            c.add(r.file, r.line, "transition_confidence",
                  Msg("rules.err.confidence_invalid", mark=t_conf))
        infos[rid] = RulesetInfo(rid, name, r.get("legal_source") or None, vfrom, vto, classes,
                                 pass_mark, conf, r.get("note") or None,
                                 r.get("transition_article") or None, t_from, t_cls, t_conf)

    def check_ruleset(r: _Row, col: str = "ruleset_id") -> RulesetInfo | None:
        rid = _required(c, r, col)
        if rid is None:
            return None
        if rid not in infos:
            c.add(r.file, r.line, col, Msg("rules.err.unknown_ruleset", id=rid))
            return None
        return infos[rid]

    def check_class(r: _Row, info: RulesetInfo | None, *, blank_ok: bool) -> tuple[bool, str | None]:
        cls = r.get("class_code")
        if cls == "":
            if not blank_ok:
                c.add(r.file, r.line, "class_code", Msg("rules.err.missing_value"))
                return False, None
            return True, None
        if info is not None and cls not in info.classes:
            c.add(r.file, r.line, "class_code",
                  Msg("rules.err.class_not_of_ruleset", cls=cls, id=info.id, classes=";".join(info.classes)))
            return False, cls
        return True, cls

    # -- groups.csv
    group_rows = []
    seen_groups: dict[tuple[str, str], set] = {}
    for r in raw["groups"]:
        info = check_ruleset(r)
        ok_cls, cls = check_class(r, info, blank_ok=True)
        code, name = _required(c, r, "code"), _required(c, r, "name")
        mx = _number(c, r, "max_points", non_negative=True)
        mn = _number(c, r, "min_points", non_negative=True)
        if mx is not None and mn is not None and mn > mx + _TOL:
            c.add(r.file, r.line, "min_points", Msg("rules.err.min_over_max", min=f"{mn:g}", max=f"{mx:g}"))
        conf = _confidence(c, r)
        if info is None or not ok_cls or code is None or name is None or conf is None:
            continue
        classes_seen = seen_groups.setdefault((info.id, code), set())
        if cls in classes_seen or (cls is None and classes_seen) or (None in classes_seen):
            c.add(r.file, r.line, "code", Msg("rules.err.group_repeated", code=code, id=info.id))
            continue
        classes_seen.add(cls)
        group_rows.append({"ruleset_id": info.id, "class_code": cls, "code": code, "name": name,
                           "max_points": mx, "min_points": mn, "confidence": conf,
                           "note": r.get("note") or None, "line": r.line})

    group_keys = {(g["ruleset_id"], g["class_code"], g["code"]) for g in group_rows}

    def group_exists(rid: str, cls: str, code: str) -> bool:
        return (rid, cls, code) in group_keys or (rid, None, code) in group_keys

    # -- standards.csv (first pass: everything but the named levels)
    std_rows = []
    seen_std: set[tuple[str, str, str]] = set()
    for r in raw["standards"]:
        info = check_ruleset(r)
        ok_cls, cls = check_class(r, info, blank_ok=False)
        code, name = _required(c, r, "code"), _required(c, r, "name")
        group = _required(c, r, "group_code")
        direction = r.get("direction")
        if direction and direction not in DIRECTIONS:
            c.add(r.file, r.line, "direction",
                  Msg("rules.err.direction_invalid", direction=direction))
            direction = None
        if not direction and (r.get("min_level") or r.get("high_level")):
            c.add(r.file, r.line, "direction", Msg("rules.err.direction_needed"))
        mn = _number(c, r, "min_points", non_negative=True)
        mx = _number(c, r, "max_points", non_negative=True)
        if mn is not None and mx is not None and mn > mx + _TOL:
            c.add(r.file, r.line, "min_points", Msg("rules.err.min_over_max", min=f"{mn:g}", max=f"{mx:g}"))
        is_count, is_density = _bool(c, r, "is_count"), _bool(c, r, "is_density")
        conf = _confidence(c, r)
        if info is None or not ok_cls or cls is None or code is None or name is None or group is None:
            continue
        if not group_exists(info.id, cls, group):
            c.add(r.file, r.line, "group_code",
                  Msg("rules.err.group_unknown", group=group, id=info.id, cls=cls))
            continue
        if (info.id, cls, code) in seen_std:
            c.add(r.file, r.line, "code", Msg("rules.err.standard_repeated", code=code, id=info.id, cls=cls))
            continue
        seen_std.add((info.id, cls, code))
        std_rows.append({"ruleset_id": info.id, "class_code": cls, "code": code, "group_code": group,
                         "name": name, "unit": r.get("unit") or None, "direction": direction or None,
                         "min_level": r.get("min_level") or None, "high_level": r.get("high_level") or None,
                         "min_points": mn, "max_points": mx, "is_count": is_count,
                         "is_density": is_density, "confidence": conf,
                         "legal_source": r.get("legal_source") or None, "note": r.get("note") or None,
                         "evidence": r.get("evidence") or None, "bundle": r.get("bundle") or None,
                         "caveat": r.get("caveat") or None,
                         "line": r.line, "_row": r})

    std_codes = {(s["ruleset_id"], s["code"]) for s in std_rows}

    # -- levels.csv
    level_rows = []
    seen_levels: set[tuple[str, str, str]] = set()
    seen_ranks: set[tuple[str, str, float]] = set()
    for r in raw["levels"]:
        info = check_ruleset(r)
        code = _required(c, r, "standard_code")
        level = _required(c, r, "level")
        rank = _number(c, r, "rank", required=True)
        conf = _confidence(c, r)
        if level is not None and _is_number(level):
            c.add(r.file, r.line, "level", Msg("rules.err.level_is_number", level=level))
            continue
        if info is None or code is None or level is None or rank is None or conf is None:
            continue
        if (info.id, code) not in std_codes:
            c.add(r.file, r.line, "standard_code", Msg("rules.err.standard_unknown", code=code, id=info.id))
            continue
        key = normalise_level(level)
        if (info.id, code, key) in seen_levels:
            c.add(r.file, r.line, "level", Msg("rules.err.level_repeated", level=level, code=code))
            continue
        if (info.id, code, rank) in seen_ranks:
            c.add(r.file, r.line, "rank", Msg("rules.err.rank_repeated", rank=f"{rank:g}", code=code))
            continue
        seen_levels.add((info.id, code, key))
        seen_ranks.add((info.id, code, rank))
        level_rows.append({"ruleset_id": info.id, "standard_code": code, "level": level,
                           "level_key": key, "rank": rank, "confidence": conf,
                           "note": r.get("note") or None, "line": r.line})

    level_index = {(lv["ruleset_id"], lv["standard_code"], lv["level_key"]): lv["rank"] for lv in level_rows}

    # -- standards: resolve the levels
    for s in std_rows:
        r: _Row = s.pop("_row")
        values = {}
        for col in ("min_level", "high_level"):
            text = s[col]
            values[col] = (None, False)
            if text is None or s["direction"] is None:
                continue
            rank = level_index.get((s["ruleset_id"], s["code"], normalise_level(text)))
            if rank is not None:
                values[col] = (rank, True)
            elif s["direction"] == "level":
                c.add(r.file, r.line, col,
                      Msg("rules.err.level_unknown", level=text, code=s["code"]))
            else:
                num = _number(c, r, col)
                if num is not None:
                    values[col] = (num, False)
        (lo, lo_named), (hi, hi_named) = values["min_level"], values["high_level"]
        if lo is not None and hi is not None:
            if s["direction"] == "lower" and hi > lo + _TOL:
                c.add(r.file, r.line, "high_level",
                      Msg("rules.err.lower_high_over_min", high=s["high_level"], min=s["min_level"]))
            elif s["direction"] in ("higher", "level") and hi < lo - _TOL:
                c.add(r.file, r.line, "high_level",
                      Msg("rules.err.high_below_min", high=s["high_level"], min=s["min_level"]))
        s.update(min_value=lo, high_value=hi, min_named=lo_named, high_named=hi_named)

    # -- regional_factors.csv
    factor_rows = []
    seen_factors: set[tuple[str, str, str]] = set()
    for r in raw["regional_factors"]:
        info = check_ruleset(r)
        region, rname = _required(c, r, "region_code"), _required(c, r, "region_name")
        kind = _required(c, r, "kind")
        if kind is not None and kind not in FACTOR_KINDS:
            c.add(r.file, r.line, "kind", Msg("rules.err.kind_invalid", kind=kind, kinds=", ".join(FACTOR_KINDS)))
            kind = None
        pct = _number(c, r, "factor_pct", non_negative=True)
        if pct is not None and not 0 < pct <= 100:
            c.add(r.file, r.line, "factor_pct", Msg("rules.err.pct_range", pct=f"{pct:g}"))
            pct = None
        codes = tuple(x.strip() for x in r.get("standards").split(";") if x.strip())
        if not codes:
            c.add(r.file, r.line, "standards", Msg("rules.err.factor_standards_missing"))
        conf = _confidence(c, r)
        if r.get("factor_pct") == "" and conf not in (None, "U"):
            c.add(r.file, r.line, "factor_pct", Msg("rules.err.blank_pct_needs_u"))
        if kind in SPECIAL_KINDS and region != ALL:
            c.add(r.file, r.line, "region_code", Msg("rules.err.special_not_region", kind=kind))
        elif kind is not None and kind not in SPECIAL_KINDS and region == ALL:
            c.add(r.file, r.line, "region_code", Msg("rules.err.region_needed", kind=kind))
        if info is None or region is None or rname is None or kind is None or conf is None:
            continue
        bad = [code for code in codes if code != ALL and (info.id, code) not in std_codes]
        if bad:
            c.add(r.file, r.line, "standards",
                  Msg("rules.err.standards_unknown", id=info.id, codes=", ".join(bad)))
            continue
        if (info.id, region, kind) in seen_factors:
            c.add(r.file, r.line, "kind", Msg("rules.err.factor_repeated", kind=kind, region=region))
            continue
        seen_factors.add((info.id, region, kind))
        factor_rows.append({"ruleset_id": info.id, "region_code": region, "region_name": rname,
                            "kind": kind, "factor_pct": pct, "standards": codes, "confidence": conf,
                            "legal_source": r.get("legal_source") or None,
                            "note": r.get("note") or None, "line": r.line})
    # a standard scaled by two factors of the same region would stack
    per_region: dict[tuple[str, str], dict[str, int]] = {}
    for f in factor_rows:
        used = per_region.setdefault((f["ruleset_id"], f["region_code"]), {})
        if f["region_code"] == ALL:
            continue
        for code in f["standards"]:
            if code in used:
                c.add(FILES["regional_factors"], f["line"], "standards",
                      Msg("rules.err.factor_stacked", code=code, line=used[code]))
            used[code] = f["line"]

    # -- cross-checks: the points of a group
    by_group: dict[tuple[str, str, str], list[dict]] = {}
    for s_row in std_rows:
        by_group.setdefault((s_row["ruleset_id"], s_row["class_code"], s_row["group_code"]), []).append(s_row)
    for g in group_rows:
        if g["max_points"] is None:
            continue
        classes = [g["class_code"]] if g["class_code"] else list(infos[g["ruleset_id"]].classes)
        for cls in classes:
            members = by_group.get((g["ruleset_id"], cls, g["code"]), [])
            known = [s["max_points"] for s in members if s["max_points"] is not None]
            total = sum(known)
            if total > g["max_points"] + _TOL or (
                    members and len(known) == len(members) and abs(total - g["max_points"]) > _TOL):
                c.add(FILES["groups"], g["line"], "max_points",
                      Msg("rules.err.group_total", cls=cls, total=f"{total:g}", code=g["code"],
                          max=f"{g['max_points']:g}"))
    groups_of: dict[str, list[dict]] = {}
    for g in group_rows:
        groups_of.setdefault(g["ruleset_id"], []).append(g)
    lines_of = {}
    for r in raw["rulesets"]:
        lines_of.setdefault(r.get("id"), r.line)
    for rid, info in infos.items():
        if info.pass_mark is None:
            continue
        for cls in info.classes:
            gmax = [g["max_points"] for g in groups_of.get(rid, []) if g["class_code"] in (None, cls)]
            if gmax and all(m is not None for m in gmax) and info.pass_mark > sum(gmax) + _TOL:
                line = lines_of[rid]
                c.add(FILES["rulesets"], line, "pass_mark",
                      Msg("rules.err.pass_mark_over", mark=f"{info.pass_mark:g}", cls=cls, total=f"{sum(gmax):g}"))

    c.raise_if_any()

    groups_df = _frame(group_rows, COLUMNS["groups"] + ["line"])
    std_df = _frame(std_rows, COLUMNS["standards"] + OPTIONAL_COLUMNS["standards"]
                    + ["min_value", "high_value", "min_named", "high_named", "line"])
    levels_df = _frame(level_rows, COLUMNS["levels"] + ["level_key", "line"])
    factors_df = _frame(factor_rows, COLUMNS["regional_factors"] + ["line"])
    parts = [_split(df) for df in (groups_df, std_df, levels_df, factors_df)]
    catalog = {}
    for rid, info in infos.items():
        groups, stds, levels, factors = (p.get(rid, df.iloc[0:0].reset_index(drop=True))
                                         for p, df in zip(parts, (groups_df, std_df, levels_df, factors_df)))
        catalog[rid] = Ruleset(info=info, groups=groups, standards=stds, levels=levels, regional_factors=factors)
    return RulesetCatalog(catalog)


def _split(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The rows of each rule-set, in file order (one pass, not one filter per rule-set)."""
    return {rid: part.reset_index(drop=True) for rid, part in df.groupby("ruleset_id", sort=False)}


_FLOAT_COLS = {"max_points", "min_points", "min_value", "high_value", "rank", "factor_pct"}
_BOOL_COLS = {"is_count", "is_density", "min_named", "high_named"}


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=columns)
    for col in columns:
        if col in _FLOAT_COLS:
            df[col] = pd.to_numeric(df[col], errors="raise").astype("float64")
        elif col in _BOOL_COLS:
            df[col] = df[col].astype(bool)
        elif col == "line":
            df[col] = df[col].astype("int64")
        else:
            df[col] = df[col].astype(object).where(df[col].notna(), None)
    return df


