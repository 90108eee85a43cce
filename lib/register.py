"""The works register: filters, sorting, totals, display rows and field provenance.

Pure functions over the frame of ``queries.works``. Unknown values stay unknown:
a filter option "chưa có số liệu" selects them, and totals count them apart.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

import pandas as pd

from lib import fmt
from lib.i18n import t

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
    values = sorted({_key(v) for v in works[column]} - {MISSING})
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
    cur, base = row["expected_year"], row["baseline_year"]
    if fmt.is_missing(cur):
        return t("common.no_data", lang)
    if not fmt.is_missing(base) and int(base) != int(cur):
        return t("register.expected_moved", lang, year=int(cur), baseline=int(base))
    return str(int(cur))


def area_text(row, lang: str = "vi") -> str:
    if not len(row["area_ids"]):
        return t("town.unknown", lang)
    text = str(row["area_names"])
    return text + (" " + t("register.inferred_mark", lang) if row["area_inferred"] else "")


def display_rows(works: pd.DataFrame, lang: str = "vi", flags: dict[str, str] | None = None) -> pd.DataFrame:
    """The register as the room reads it: one text column per field, Vietnamese headers."""
    flags = flags or {}
    stage_col = "stage_vi" if lang == "vi" else "stage_en"
    cat_col = "category_vi" if lang == "vi" else "category_en"
    rows = []
    for _, w in works.iterrows():
        rows.append({
            t("register.col_flag", lang): flags.get(w["id"], ""),
            t("register.col_id", lang): w["id"],
            t("register.col_name", lang): w["name"],
            t("register.col_town", lang): area_text(w, lang),
            t("register.col_investment", lang): fmt.ty(w["total_investment_vnd"], lang, unit=False),
            t("register.col_stage", lang): w[stage_col] if not fmt.is_missing(w[stage_col]) else t("common.no_data", lang),
            t("register.col_expected", lang): expected_text(w, lang),
            t("register.col_category", lang): w[cat_col] if not fmt.is_missing(w[cat_col]) else t("common.no_data", lang),
        })
    return pd.DataFrame(rows, columns=[t(k, lang) for k in (
        "register.col_flag", "register.col_id", "register.col_name", "register.col_town",
        "register.col_investment", "register.col_stage", "register.col_expected", "register.col_category")])


def export_rows(works: pd.DataFrame, lang: str = "vi", flags: dict[str, str] | None = None) -> pd.DataFrame:
    """The filtered register for download: numbers stay numbers (tỷ đồng), unknown stays empty."""
    flags = flags or {}
    stage_col = "stage_vi" if lang == "vi" else "stage_en"
    cat_col = "category_vi" if lang == "vi" else "category_en"
    out = pd.DataFrame({
        t("register.col_id", lang): works["id"],
        t("register.col_name", lang): works["name"],
        t("register.col_town", lang): [area_text(r, lang) for _, r in works.iterrows()],
        t("register.col_category", lang): works[cat_col],
        t("register.col_investment", lang): works["total_investment_vnd"].astype("Float64") / fmt.TY,
        t("register.col_stage", lang): works[stage_col],
        t("register.col_expected", lang): works["expected_year"],
        t("register.col_baseline", lang): works["baseline_year"],
        t("register.col_flag", lang): [flags.get(i, "") for i in works["id"]],
        t("register.col_source", lang): works["source_ref"],
        t("register.col_note", lang): works["source_note"],
    })
    return out


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


def detail_fields(work: pd.Series, lang: str = "vi") -> pd.DataFrame:
    """Every field of a work with its value and its source (report section, update, or person)."""
    work_source = f"{work['source_ref']}" + (f" · {work['created_by']}" if not fmt.is_missing(work["created_by"]) else "")
    status_source = t("detail.status_source", lang, date=fmt.day(work["status_as_of"].date(), lang),
                      period=work["period_id"]) if not fmt.is_missing(work["status_as_of"]) else t("common.no_data", lang)
    rows = []
    for column, key, kind in WORK_FIELDS:
        source = work_source
        if column == "area_names" and work["area_inferred"]:
            source = t("detail.inferred", lang, note=work["area_note"])
        rows.append({t("detail.field", lang): t(key, lang),
                     t("detail.value", lang): _value_text(work[column], kind, lang, work),
                     t("common.source", lang): source})
    for column, key, kind in STATUS_FIELDS:
        rows.append({t("detail.field", lang): t(key, lang),
                     t("detail.value", lang): _value_text(work[column], kind, lang, work),
                     t("common.source", lang): status_source})
    return pd.DataFrame(rows)
