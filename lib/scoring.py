"""Scoring of urban classification (phân loại đô thị): pure functions, no I/O.

Method (NQ 111/2025 [C2]; used as well for the NQ 1210 rule-sets, whose own
wording of it is [U]):

- a standard earns its ``min_points`` at the minimum level, its ``max_points`` at
  the high level and at or past it, linear interpolation in between, and 0 below
  the minimum; ``lower`` standards are the mirror image; ``level`` standards use
  the ordinal scale of levels.csv (rank);
- a value that is missing is not scored (status ``missing``, never 0 points);
  a standard whose levels or points the rule-set does not give yet is not
  scored either (status ``rule_unknown``);
- a reduced minimum (regional factor, heritage) only lowers the threshold that
  earns the minimum points: between the reduced and the prescribed minimum a
  value earns ``min_points``; above the prescribed minimum the interpolation is
  unchanged, and the high level is never reduced (the public C2 code base works
  this way; for NQ 1210 whether the high level is reduced is [U]);
- regional factors (regional_factors.csv) multiply the minimum of the class being
  assessed: Cao Bằng (Trung du và miền núi phía Bắc) loại V: 60% × 4.000 = 2.400
  người, 50% × 1.000 = 500 người/km²; a factor whose percentage is unknown (U,
  e.g. NQ 111 Điều 8) is not dropped: its standards are scored at the unadjusted
  minimum and say so on their row ("chấm theo mức chưa điều chỉnh …"), and the
  notes of the result say, for every adjustment of the rule-set, what was applied;
- count standards (``is_count``) under a reduced minimum: a minimum of 1 (or
  less) stays as it is; from 2 upwards it is scaled and rounded half up, never
  below 1 (2 × 60% → 1, 5 × 60% → 3, 5 × 50% = 2,5 → 3);
- heritage (đô thị di sản): population-density standards (``is_density``) are not
  considered and earn their minimum points; the other numeric minimums of
  ``higher`` standards are 50%; named or ordinal levels are not reduced.
  Adjustments do not stack: with heritage, regional factors are not applied;
- verdict: ``dat`` when every standard is scored, the total reaches the pass
  mark and every group reaches its group minimum where that is known;
  ``chua_du_so_lieu`` as soon as one standard is ``missing`` or ``rule_unknown``
  (insufficient data is not a fail); otherwise ``khong_dat``.

Never imports streamlit.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from lib.fmt import is_blank
from lib.i18n import DEFAULT_LANG, Msg, Num, t, text_of
from lib.rulesets import CONFIDENCE_LABELS, Ruleset

STATUSES = ("pass", "below_min", "missing", "rule_unknown")
VERDICTS = ("dat", "khong_dat", "chua_du_so_lieu")   # labels: crit.verdict.<verdict>

HERITAGE_MIN_PCT = 50.0  # NQ 111/2025 [C2]: minimums of the other standards are 50% (default when
#                          the rule-set has no di_san row in regional_factors.csv)
UNADJUSTED = Msg("crit.adj.unadjusted")   # "chấm theo mức chưa điều chỉnh (tỷ lệ điều chỉnh chưa có số liệu)"
# the confidence of a rule as written inside a note (lower case, mid-sentence)
_CONF_IN_NOTE = {"C": "crit.note.conf_c", "C2": "crit.note.conf_c2", "U": "crit.note.conf_u"}

STANDARD_COLUMNS = [
    "code", "group", "name", "unit", "direction", "value", "min_level", "min_level_applied",
    "high_level", "min_points", "points", "max_points", "status", "meets_min", "gap",
    "points_if_min", "adjustment", "confidence", "confidence_label", "note",
]
GROUP_COLUMNS = ["code", "name", "points", "max_points", "min_points", "n_scored", "n_total", "status"]

_REL = 1e-12


class ScoringError(ValueError):
    """What cannot be scored (an unknown region, a direction the engine does not know): the message
    is a ``lib.i18n.Msg``, put into the user's language by ``.text(lang)``; ``str(e)`` is Vietnamese."""

    def __init__(self, message: Msg):
        self.message = message
        super().__init__(str(message))

    def text(self, lang: str = DEFAULT_LANG) -> str:
        return text_of(self.message, lang)


class ScoringInputError(ScoringError):
    """A value that cannot be read for its standard."""


# ----------------------------------------------------------------------------- small pure pieces


def _ge(a: float, b: float) -> bool:
    """a >= b, forgiving float noise (2400.0000000001 vs 2400)."""
    return a >= b or math.isclose(a, b, rel_tol=_REL, abs_tol=_REL)


_missing = is_blank


def reduce_minimum(minimum: float, pct: float, is_count: bool = False) -> float:
    """A minimum level scaled to ``pct`` percent.

    Count standards: a minimum of 1 (or less) stays; from 2 upwards the scaled
    value is rounded half up and never falls below 1. Other standards are scaled
    exactly (decimal arithmetic: 4000 × 60% = 2400, not 2399.9999…).
    """
    scaled = Decimal(repr(float(minimum))) * Decimal(repr(float(pct))) / Decimal(100)
    if not is_count:
        return float(scaled)
    if minimum <= 1:
        return float(minimum)
    return float(max(scaled.quantize(Decimal(1), rounding=ROUND_HALF_UP), Decimal(1)))


def standard_points(value: float, min_level: float, high_level: float, min_points: float,
                    max_points: float, direction: str = "higher",
                    min_applied: float | None = None) -> float:
    """Points of one numeric value (ranks for ``level`` standards).

    ``min_applied`` is a reduced minimum (regional factor, heritage): from it up
    to ``min_level`` the value earns ``min_points``. Without it the prescribed
    minimum applies.
    """
    if direction == "lower":
        return standard_points(-value, -min_level, -high_level, min_points, max_points, "higher",
                               None if min_applied is None else -min_applied)
    if direction not in ("higher", "level"):
        raise ScoringError(Msg("crit.err.direction", direction=direction))
    threshold = min_level if min_applied is None else min(min_applied, min_level)
    if _ge(value, high_level):
        return float(max_points)
    if _ge(value, min_level):
        if high_level <= min_level:
            return float(max_points)
        share = min(max((value - min_level) / (high_level - min_level), 0.0), 1.0)
        return float(min_points + (max_points - min_points) * share)
    if _ge(value, threshold):
        return float(min_points)
    return 0.0


def _meets(value: float, minimum: float, direction: str) -> bool:
    return _ge(minimum, value) if direction == "lower" else _ge(value, minimum)


def read_value(ruleset: Ruleset, standard: Mapping, value) -> tuple[float | None, bool]:
    """(number or rank, True when the value was a named level); (None, False) when missing."""
    code, direction = standard["code"], standard["direction"]
    if _missing(value):
        return None, False
    if isinstance(value, bool):
        raise ScoringInputError(Msg("crit.err.bool_value", code=code))
    if isinstance(value, str):
        rank = ruleset.level_rank(code, value)
        if rank is not None:
            return rank, True
        if direction != "level":
            try:
                number = float(value.strip())
            except ValueError:
                number = None
            if number is not None and math.isfinite(number):
                return number, False
        return None, _bad_value(ruleset, standard, value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None, _bad_value(ruleset, standard, value)
    if not math.isfinite(number):
        return None, _bad_value(ruleset, standard, value)
    if direction == "level":
        return None, _bad_value(ruleset, standard, value)
    return number, False


def _bad_value(ruleset: Ruleset, standard: Mapping, value) -> bool:
    code = standard["code"]
    scale = ruleset.level_scale(code)
    levels = ", ".join(scale)
    if standard["direction"] == "level":
        need = Msg("crit.need.level_of", levels=levels) if scale else Msg("crit.need.level")
    else:
        need = Msg("crit.need.number_or_level", levels=levels) if scale else Msg("crit.need.number")
    raise ScoringInputError(Msg("crit.err.bad_value", code=code, value=str(value), need=need))


# ----------------------------------------------------------------------------- result


@dataclass(frozen=True, eq=False)
class ScoreResult:
    """The score of one area against one rule-set and class.

    ``standards``: one row per standard (columns STANDARD_COLUMNS);
    ``groups``: one row per group (GROUP_COLUMNS). ``total`` and group points
    are sums over scored standards only (NaN when none is scored);
    ``max_attainable`` adds the maximum points of the unscored standards (NaN
    when one of them has no known maximum).
    """

    ruleset_id: str
    class_code: str
    region: str | None
    heritage: bool
    standards: pd.DataFrame
    groups: pd.DataFrame
    total: float
    max_total: float
    max_attainable: float
    pass_mark: float | None
    verdict: str
    n_scored: int
    n_total: int
    notes: tuple[Msg, ...] = ()     # what was adjusted and why: text_of(note, lang)

    def verdict_text(self, lang: str = DEFAULT_LANG) -> str:
        return t(f"crit.verdict.{self.verdict}", lang)

    @property
    def verdict_label(self) -> str:
        """The verdict in Vietnamese ('Đạt'); verdict_text(lang) in another language."""
        return self.verdict_text()

    def coverage(self, lang: str = DEFAULT_LANG) -> str:
        """'đã chấm 12/23 tiêu chuẩn' / '12 of 23 standards scored'."""
        return t("crit.coverage", lang, n=self.n_scored, total=self.n_total)

    @property
    def coverage_text(self) -> str:
        return self.coverage()

    @property
    def failing(self) -> pd.DataFrame:
        """Standards below their minimum, the most points to gain first."""
        f = self.standards[self.standards["status"] == "below_min"]
        return f.sort_values("points_if_min", ascending=False, kind="stable").reset_index(drop=True)


# ----------------------------------------------------------------------------- scoring


def _conf(mark) -> Msg | str:
    """The confidence of a rule, lower case, for a note."""
    key = _CONF_IN_NOTE.get(mark)
    return Msg(key) if key else CONFIDENCE_LABELS.get(mark, str(mark))


def _where(legal_source, mark) -> Msg | str:
    """'NQ 111/2025, Điều 8; chưa đối chiếu văn bản gốc', or the confidence alone."""
    return Msg("crit.note.where", legal=legal_source, conf=_conf(mark)) if legal_source else _conf(mark)


def _factor_note(f, pct: float | None) -> Msg:
    """What one regional factor did, for the result notes."""
    where = _where(f.legal_source, f.confidence)
    if pct is None:
        return Msg("crit.note.factor_unknown", region=f.region_name, where=where)
    return Msg("crit.note.factor_applied", region=f.region_name, where=where, pct=Num(pct, 6),
               codes=", ".join(f.standards))


def score(ruleset: Ruleset, class_code: str, values: Mapping[str, object] | None,
          region: str | None = None, heritage: bool = False) -> ScoreResult:
    """Score ``values`` (standard code -> number, level name, or None) for one class.

    Codes that are not standards of this class are ignored (an area's values may
    hold other rule-sets' codes). ``region`` is a region code or name from
    regional_factors.csv. Raises ScoringInputError for a value that cannot be
    read, ValueError for an unknown class or region.
    """
    values = dict(values or {})
    stds = ruleset.standards_for(class_code)
    groups = ruleset.groups_for(class_code)
    notes: list[Msg] = []

    factors: dict[str, tuple[float | None, str]] = {}
    region_code: str | None = None
    heritage_rows = ruleset.special("di_san") if not ruleset.regional_factors.empty else pd.DataFrame()
    heritage_pct = HERITAGE_MIN_PCT
    if heritage and len(heritage_rows) and not pd.isna(heritage_rows["factor_pct"].iloc[0]):
        heritage_pct = float(heritage_rows["factor_pct"].iloc[0])
    if region is not None and str(region).strip():
        if ruleset.regions().empty:
            notes.append(Msg("crit.note.no_factors", ruleset=ruleset.id))
        else:
            region_code = ruleset.find_region(str(region))
            if region_code is None:
                known = ", ".join(ruleset.regions()["region_name"])
                raise ScoringError(Msg("crit.err.region", region=str(region), ruleset=ruleset.id, known=known))
            if heritage:
                region_name = ruleset.regions().set_index("region_code").loc[region_code, "region_name"]
                notes.append(Msg("crit.note.no_stacking", region=region_name))
            else:
                for f in ruleset.factors_for(region_code).itertuples(index=False):
                    pct = None if pd.isna(f.factor_pct) else float(f.factor_pct)
                    label = Msg("crit.adj.region", region=f.region_name)
                    for code in ruleset.standard_codes_of(tuple(f.standards), class_code):
                        factors[code] = (pct, label)
                    notes.append(_factor_note(f, pct))
    for f in (ruleset.special("bien_gioi").itertuples(index=False) if not ruleset.regional_factors.empty else ()):
        notes.append(Msg("crit.note.special_not_applied", name=f.region_name,
                         where=_where(f.legal_source or ruleset.id, f.confidence)))
    if heritage:
        notes.append(Msg("crit.note.heritage"))

    rows = []
    for s in stds.to_dict("records"):
        code, direction = s["code"], s["direction"]
        raw = values.get(code)
        number, named_value = read_value(ruleset, s, raw) if direction else (None, False)
        lo, hi = s["min_value"], s["high_value"]
        lo_known, hi_known = not pd.isna(lo), not pd.isna(hi)
        mn_pts, mx_pts = s["min_points"], s["max_points"]
        rule_known = (direction is not None and lo_known and hi_known
                      and not pd.isna(mn_pts) and not pd.isna(mx_pts))

        considered = True
        adjustment = None
        applied: float | None = float(lo) if lo_known else None
        pct: float | None = 100.0
        if heritage and s["is_density"]:
            considered = False
            adjustment = Msg("crit.adj.heritage_density")
        elif heritage:
            pct, label = heritage_pct, Msg("crit.adj.heritage")
        elif code in factors:
            pct, label = factors[code]
        if considered and (heritage or code in factors):
            if pct is None:
                adjustment = Msg("crit.adj.line", label=label, text=UNADJUSTED)
            elif lo_known and (direction != "higher" or s["min_named"]):
                adjustment = Msg("crit.adj.line", label=label, text=Msg("crit.adj.not_reduced"))
            elif lo_known:
                applied = reduce_minimum(lo, pct, bool(s["is_count"]))
                rounded = s["is_count"] and applied != reduce_minimum(lo, pct, False)
                adjustment = Msg("crit.adj.line", label=label,
                                 text=Msg("crit.adj.pct_count" if rounded else "crit.adj.pct", pct=Num(pct, 6)))

        if not considered:
            shown_min = None
        elif applied is None:
            shown_min = None
        elif s["min_named"] and applied == lo:
            shown_min = s["min_level"]
        else:
            shown_min = applied
        shown_high = s["high_level"] if s["high_named"] else (float(hi) if hi_known else None)

        points = math.nan
        meets = None
        gap = math.nan
        points_if_min = math.nan
        if considered and applied is not None and number is not None:
            meets = _meets(number, applied, direction)
            if not meets and not named_value and not (s["min_named"] and applied == lo) \
                    and direction != "level":
                gap = abs(applied - number)
        if not considered:
            if pd.isna(mn_pts):
                status = "rule_unknown"
            else:
                status, points = "pass", float(mn_pts)
        elif not rule_known or applied is None:
            status = "rule_unknown"
        elif number is None:
            status = "missing"
        else:
            points = standard_points(number, float(lo), float(hi), float(mn_pts), float(mx_pts),
                                     direction, None if applied == lo else applied)
            status = "pass" if meets else "below_min"
            if not meets:
                points_if_min = float(mn_pts) - points

        rows.append({
            "code": code, "group": s["group_code"], "name": s["name"], "unit": s["unit"],
            "direction": direction, "value": None if _missing(raw) else raw,
            "min_level": s["min_level"], "min_level_applied": shown_min, "high_level": shown_high,
            "min_points": mn_pts, "points": points, "max_points": mx_pts, "status": status,
            "meets_min": meets, "gap": gap, "points_if_min": points_if_min,
            "adjustment": adjustment, "confidence": s["confidence"],
            "confidence_label": CONFIDENCE_LABELS[s["confidence"]], "note": s["note"],
        })

    std_df = pd.DataFrame(rows, columns=STANDARD_COLUMNS)
    for col in ("min_points", "points", "max_points", "gap", "points_if_min"):
        std_df[col] = std_df[col].astype("float64")
    for col in ("value", "min_level_applied", "high_level", "meets_min", "unit", "adjustment", "note"):
        std_df[col] = std_df[col].astype(object)
        std_df[col] = std_df[col].where(std_df[col].map(lambda x: not _missing(x)), None)
    scored = std_df["status"].isin(("pass", "below_min"))

    group_rows = []
    unknown_min = []
    for g in groups.to_dict("records"):
        member = std_df["group"] == g["code"]
        n_total = int(member.sum())
        n_scored = int((member & scored).sum())
        pts = float(std_df.loc[member & scored, "points"].sum()) if n_scored else math.nan
        if pd.isna(g["min_points"]):
            unknown_min.append(g["code"])
        if n_total == 0 or n_scored < n_total:
            status = "chua_du_so_lieu"
        elif not pd.isna(g["min_points"]) and not _ge(pts, g["min_points"]):
            status = "khong_dat"
        else:
            status = "dat"
        group_rows.append({"code": g["code"], "name": g["name"], "points": pts,
                           "max_points": g["max_points"], "min_points": g["min_points"],
                           "n_scored": n_scored, "n_total": n_total, "status": status})
    groups_df = pd.DataFrame(group_rows, columns=GROUP_COLUMNS)
    for col in ("points", "max_points", "min_points"):
        groups_df[col] = groups_df[col].astype("float64")
    if unknown_min:
        notes.append(Msg("crit.note.group_min_unknown", groups=", ".join(unknown_min)))

    n_total, n_scored = len(std_df), int(scored.sum())
    total = float(std_df.loc[scored, "points"].sum()) if n_scored else math.nan
    unscored_max = std_df.loc[~scored, "max_points"]
    max_attainable = (math.nan if unscored_max.isna().any()
                      else (0.0 if math.isnan(total) else total) + float(unscored_max.sum()))
    max_total = (math.nan if groups_df.empty or groups_df["max_points"].isna().any()
                 else float(groups_df["max_points"].sum()))
    pass_mark = ruleset.info.pass_mark

    if pass_mark is None or n_total == 0 or n_scored < n_total:
        verdict = "chua_du_so_lieu"
        if pass_mark is None:
            notes.append(Msg("crit.note.no_pass_mark", ruleset=ruleset.id))
    elif _ge(total, pass_mark) and (groups_df["status"] == "dat").all():
        verdict = "dat"
    else:
        verdict = "khong_dat"

    return ScoreResult(
        ruleset_id=ruleset.id, class_code=class_code, region=region_code, heritage=bool(heritage),
        standards=std_df, groups=groups_df, total=total, max_total=max_total,
        max_attainable=max_attainable, pass_mark=pass_mark, verdict=verdict,
        n_scored=n_scored, n_total=n_total, notes=tuple(notes),
    )
