"""The works register: filters, sorting, totals, its table spec and field provenance.

Pure functions over the frame of ``queries.works``. Unknown values stay unknown:
a filter option "chưa có số liệu" selects them, and totals count them apart.
``REGISTER`` is the one column spec of the register: the table on the screen and the
Excel/CSV downloads both come from it (lib/tables).
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field, replace

import pandas as pd

from lib import fmt, sources
from lib.i18n import t
from lib.tables import Col, Table

MISSING = "__missing__"  # the filter option that selects works with no value


@dataclass(frozen=True)
class Filters:
    categories: tuple[str, ...] = ()       # empty: no filter
    stages: tuple[str, ...] = ()           # stage codes, MISSING for no stage
    funding: tuple[str, ...] = ()
    years: tuple[str, ...] = ()            # expected years as text, MISSING for none
    search: str = ""
    flagged_only: bool = False
    flagged_ids: frozenset[str] = field(default_factory=frozenset)


def _fold(text: str) -> str:
    """Case- and accent-insensitive form, so 'truong' finds 'trường' and 'Đ' finds 'd'."""
    text = str(text).replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn").casefold()


def _key(value) -> str:
    return MISSING if fmt.is_missing(value) else str(value)


def options(works: pd.DataFrame, column: str) -> list[str]:
    """Filter options of a column, sorted, with MISSING last when some rows lack a value."""
    values = sorted({_key(v) for v in works[column].dropna().unique().tolist()} - {MISSING})
    if works[column].isna().any():
        values.append(MISSING)
    return values


def apply(works: pd.DataFrame, f: Filters) -> pd.DataFrame:
    out = works
    for column, chosen in (("category", f.categories), ("stage", f.stages),
                           ("funding_source", f.funding), ("expected_year", f.years)):
        if chosen:
            out = out[out[column].map(_key).isin(set(chosen))]
    if f.search.strip():
        needle = _fold(f.search.strip())
        hay = (out["id"].astype(str) + " " + out["name"].astype(str) + " " +
               out["area_names"].fillna("").astype(str)).map(_fold)
        out = out[hay.str.contains(needle, regex=False)]
    if f.flagged_only:
        out = out[out["id"].isin(f.flagged_ids)]
    return out


SORTS = {
    "report": (["report_order", "id"], [True, True]),
    "investment": (["total_investment_vnd", "id"], [True, True]),
    "expected": (["expected_year", "id"], [True, True]),
    "stage": (["stage_order", "id"], [True, True]),
    "name": (["name"], [True]),
}


# What the list reads of ``queries.works`` (``sort``, ``totals``, ``register_rows``): a province's
# thousands of works are sorted with these columns only, not all forty.
LIST_COLUMNS = ["id", "name", "area_ids", "area_names", "area_inferred", "category_vi", "category_en",
                "total_investment_vnd", "stage_vi", "stage_en", "stage_order", "expected_year", "baseline_year",
                "is_handed_over", "report_order", "source_ref", "source_note"]


def sort(works: pd.DataFrame, by: str = "report", descending: bool = False) -> pd.DataFrame:
    """Sort; rows with no value go last whatever the direction."""
    columns, ascending = SORTS[by]
    if by == "name":
        return works.sort_values("name", key=lambda s: s.map(_fold), ascending=not descending)
    if descending:
        ascending = [False] + list(ascending[1:])
    extra = [c for c in ["report_order"] if c in works.columns and c not in columns]
    return works.sort_values(columns + extra, ascending=ascending + [True] * len(extra), na_position="last")


@dataclass(frozen=True)
class Totals:
    n: int
    investment_vnd: int | None
    n_missing_amount: int
    n_handed_over: int


def totals(works: pd.DataFrame) -> Totals:
    known = works["total_investment_vnd"].dropna()
    return Totals(n=len(works),
                  investment_vnd=int(known.sum()) if len(known) or not len(works) else None,
                  n_missing_amount=int(works["total_investment_vnd"].isna().sum()),
                  n_handed_over=int(works["is_handed_over"].sum()))


def expected_text(row, lang: str = "vi") -> str:
    """'2024 (ban đầu 2023)' when the expected year moved from its baseline."""
    return _expected_text(row["expected_year"], row["baseline_year"], lang)


def _expected_text(cur, base, lang: str) -> str:
    if fmt.is_missing(cur):
        return t("common.no_data", lang)
    if not fmt.is_missing(base) and int(base) != int(cur):
        return t("register.expected_moved", lang, year=int(cur), baseline=int(base))
    return str(int(cur))


def area_text(row, lang: str = "vi") -> str:
    return _area_text(bool(len(row["area_ids"])), row["area_names"], row["area_inferred"], lang)


def _area_text(has_area: bool, names, inferred, lang: str) -> str:
    if not has_area:
        return t("town.unknown", lang)
    text = "; ".join(p[:1].upper() + p[1:] for p in str(names).split("; "))
    return text + (" " + t("register.inferred_mark", lang) if inferred else "")


def _known_or_none(values: pd.Series) -> list:
    """The values as a list, each unknown one (None, NaN, NA) as None."""
    known = values.notna().tolist()
    return [v if k else None for v, k in zip(values.tolist(), known)]


# -- the register as a table: one spec for the screen and the files ---------------------

REGISTER = Table("register", (
    Col("id", "register.col_id", width=9, wrap=False, missing=""),  # "P1-GT-0001" whole at 1280 px
    Col("name", "register.col_name", width=32),
    Col("town", "register.col_town", width=15, missing=""),
    Col("category", "register.col_category", width=10, screen=False),
    Col("total_investment_vnd", "register.col_investment", "money", width=11, file=False),
    Col("total_investment_vnd", "register.col_investment_full", "money", screen=False),
    Col("stage", "register.col_stage", width=13),
    Col("expected_text", "register.col_expected", width=12, file=False, missing=""),
    Col("expected_year", "register.col_expected", "year", screen=False),
    Col("baseline_year", "register.col_baseline", "year", screen=False),
    Col("flag", "register.col_flag", "marker", width=8, missing=""),
    Col("source", "register.col_source", screen=False),
    Col("source_note", "register.col_note", screen=False),
))


def severity_by_work(worst: pd.DataFrame) -> dict[str, str]:
    """Work id -> severity (red, amber) from a ``flags.worst_per_work`` frame: the register's flag
    column, small enough to cache with the flags (a frame of lists is slow to read back)."""
    return dict(zip(worst["work_id"].tolist(), worst["severity"].tolist()))


def register_table(with_flags: bool = True) -> Table:
    """The register's spec; without the flag column when no work has a flag."""
    if with_flags:
        return REGISTER
    return replace(REGISTER, cols=tuple(c for c in REGISTER.cols if c.key != "flag"))


def register_rows(works: pd.DataFrame, lang: str = "vi", flags: dict[str, str] | None = None) -> pd.DataFrame:
    """The typed rows of REGISTER: amounts in đồng, years as numbers, unknown as None.

    ``flags`` maps a work id to the severity of its worst delay flag (red, amber)."""
    flags = flags or {}
    stage_col = "stage_vi" if lang == "vi" else "stage_en"
    cat_col = "category_vi" if lang == "vi" else "category_en"
    return pd.DataFrame({
        "id": works["id"].astype(str).values,
        "name": works["name"].astype(str).values,
        "town": fmt.each_distinct(lambda has, names, inferred: _area_text(has, names, inferred, lang),
                                  [bool(len(a)) for a in works["area_ids"]], works["area_names"],
                                  works["area_inferred"]),
        "category": _known_or_none(works[cat_col]),
        "total_investment_vnd": works["total_investment_vnd"].values,
        "stage": _known_or_none(works[stage_col]),
        "expected_text": fmt.each_distinct(lambda cur, base: _expected_text(cur, base, lang),
                                           works["expected_year"], works["baseline_year"]),
        "expected_year": works["expected_year"].values,
        "baseline_year": works["baseline_year"].values,
        "flag": [flags.get(i) for i in works["id"].tolist()],
        "source": fmt.each_distinct(lambda v: sources.document(v) or None, works["source_ref"]),
        "source_note": _known_or_none(works["source_note"]),
    })


def register_total(works: pd.DataFrame, lang: str = "vi") -> dict:
    """The table's last row: the count, the known amount (unknown when none is known), handed over."""
    tot = totals(works)
    return {"id": t("register.total_label", lang),
            "name": t("register.total_name", lang, n=tot.n, missing=tot.n_missing_amount),
            "town": "", "total_investment_vnd": tot.investment_vnd,
            "stage": t("register.total_done", lang, done=tot.n_handed_over), "expected_text": "", "flag": ""}


# -- a work's detail: every field with where it came from -----------------------------

WORK_FIELDS = [  # (column, label key, kind)
    ("id", "register.col_id", "text"),
    ("name", "register.col_name", "text"),
    ("kind", "detail.kind", "kind"),
    ("report_group", "detail.report_group", "group"),
    ("category_vi", "register.col_category", "text"),
    ("oc4ids_sector", "detail.sector", "text"),
    ("area_names", "register.col_town", "town"),
    ("total_investment_vnd", "register.col_investment_full", "money"),
    ("scale_text", "detail.scale", "text"),
    ("planning_period", "detail.planning_period", "text"),
    ("funding_source", "detail.funding", "text"),
    ("investor", "detail.investor", "text"),
    ("baseline_year", "register.col_baseline", "year"),
]
STATUS_FIELDS = [
    ("stage_vi", "register.col_stage", "text"),
    ("expected_year", "register.col_expected", "year"),
    ("physical_pct", "detail.physical", "pct"),
    ("disbursed_vnd", "detail.disbursed", "money"),
    ("status_note", "detail.status_note", "text"),
    ("delay_cause", "detail.delay_cause", "text"),
]


def _value_text(value, kind: str, lang: str, row) -> str:
    if kind == "town":
        return area_text(row, lang)
    if fmt.is_missing(value) or value == "":
        return t("common.no_data", lang)
    if kind == "money":
        return fmt.ty(value, lang)
    if kind == "pct":
        return fmt.percent(value, lang)
    if kind == "year":
        return str(int(value))
    if kind == "kind":
        return t(f"kind.{value}", lang)
    if kind == "group":
        return t(f"group.{value}", lang)
    return str(value)


DETAIL = Table("work_detail", (
    Col("field", "detail.field", width=22),
    Col("value", "detail.value", width=38),
    Col("source", "common.source", width=40),
))


def work_source(work: pd.Series) -> str:
    """The document a work's fields come from, and who entered it unless it is the default data."""
    text = sources.document(work["source_ref"])
    who = work.get("created_by")
    if not fmt.is_missing(who) and str(who).strip() and not str(who).startswith("dữ liệu mặc định"):
        text = f"{text} · {who}" if text else str(who)
    return text


def detail_fields(work: pd.Series, lang: str = "vi") -> pd.DataFrame:
    """Every field of a work with its value and its source (report section, update, or person);
    the rows of DETAIL."""
    source = work_source(work) or t("common.no_data", lang)
    status_source = t("detail.status_source", lang,
                      date=fmt.as_of(work["status_as_of"].date(), work.get("status_precision", "day"), lang),
                      period=work["period_id"]) if not fmt.is_missing(work["status_as_of"]) else t("common.no_data", lang)
    rows = []
    for column, key, kind in WORK_FIELDS:
        src = source
        if column == "area_names" and work["area_inferred"]:
            note = str(work["area_note"])
            src = note if note.lower().startswith("suy luận") else t("detail.inferred", lang, note=note)
        elif column == "area_names" and work.get("area_by_committee", False):
            src = str(work["area_note"])  # the committee's decision: reference and date
        rows.append({"field": t(key, lang), "value": _value_text(work[column], kind, lang, work), "source": src})
    for column, key, kind in STATUS_FIELDS:
        rows.append({"field": t(key, lang), "value": _value_text(work[column], kind, lang, work),
                     "source": status_source})
    return pd.DataFrame(rows, columns=["field", "value", "source"])


HISTORY = Table("work_history", (
    Col("as_of", "detail.h_date", width=12),
    Col("period", "detail.h_period", width=14),
    Col("stage", "register.col_stage", width=13),
    Col("expected", "register.col_expected", width=10),
    Col("physical_pct", "detail.physical", "pct", width=9),
    Col("disbursed_vnd", "detail.disbursed", "money", width=9),
    Col("note", "detail.status_note", width=21, missing=""),
    Col("entered_by", "detail.h_by", width=12, missing=""),
))


def history_rows(hist: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """The rows of HISTORY from ``queries.status_history``."""
    stage_col = "stage_vi" if lang == "vi" else "stage_en"
    return pd.DataFrame({
        "as_of": [fmt.as_of(d.date(), p, lang) for d, p in zip(hist["as_of"], hist["as_of_precision"])],
        "period": [None if fmt.is_missing(v) else v for v in hist["period_label"]],
        "stage": [None if fmt.is_missing(v) else v for v in hist[stage_col]],
        "expected": [str(int(y)) if not fmt.is_missing(y) else None for y in hist["expected_year"]],
        "physical_pct": hist["physical_pct"].values,
        "disbursed_vnd": hist["disbursed_vnd"].values,
        "note": [None if fmt.is_missing(v) else v for v in hist["note"]],
        "entered_by": [None if fmt.is_missing(v) else v for v in hist["entered_by"]],
    })


def find_work(works: pd.DataFrame, wanted) -> str | None:
    """The id of the work a link asks for (``?work=GT-01``), matched without regard to case
    or surrounding spaces; None when there is no such work."""
    if wanted is None or not isinstance(wanted, str):
        return None
    key = wanted.strip().upper()
    for i in works["id"].tolist():
        if str(i).upper() == key:
            return str(i)
    return None
