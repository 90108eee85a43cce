"""The presentation mode: a deck of slides built from the data, one message per slide.

Pure (no Streamlit): ``build(db, towns, period_id, lang, eval_date)`` reads through the
other modules of lib/ and returns a list of frozen ``Slide``; ``ui/slides_view.py`` draws
one. Each slide carries its title (the message, a plain string: the view escapes it), big
figures, at most one table (a ``lib.tables.Table`` spec and its rows) or chart data, plain
lines of text, and ``facts``: the raw numbers behind the text, for tests and for anyone
checking a figure.

The deck, in order (``KINDS``):

1. ``headline``: works, handed over x/N, flagged works (red/amber, each work counted once,
   at the evaluation date), total investment of the works whose amount is known and how
   many have none (an unknown amount is never summed as 0);
2. ``pipeline``: works by stage in each area (chart data for ``charts.pipeline``);
3. ``flags``: one row per flagged work, worst severity first, with its reasons; split over
   several slides ("(tiếp)") when the rows would not fit one 1280x720 slide;
4. ``changes``: what changed since the previous reporting period, or a statement that the
   data hold no previous period;
5. ``criteria``: one slide per programme town: target class, the scorecard's verdict, the
   points known and from how many standards, the count of standards not scored. A total
   "out of 100" appears only when every standard is scored;
6. ``funding``: the most recently saved scenario against the baseline (or the baseline
   alone, "Chưa có kịch bản đã lưu"): the year every work with an amount is finished and
   the need left unfunded at the end of the horizon.
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd

from lib import changes as changes_mod
from lib import criteria, flags, fmt, funding, overview, queries, scenario, scenario_store, scenario_towns, whatif
from lib import stages as stages_
from lib.db import Database
from lib.i18n import t
from lib.tables import Col, Table
from lib.db import ValidationError

KINDS: tuple[str, ...] = ("headline", "pipeline", "flags", "changes", "criteria", "funding")
PROGRAMME_TOWNS: tuple[str, ...] = ("trung-khanh", "tra-linh")

# -- fitting a table on a 1280x720 slide ------------------------------------------------------
# Slide tables are drawn at 22 px with line height 1.3 (28.6 px a line) and 13 px of padding and
# border a row. Under a one-line title and the table header, about ROWS_PX of height is left above
# the navigation bar; a title on two lines takes TITLE_LINE_PX more. Text is wrapped at word
# boundaries with CHAR_PX a character (measured: about 9.5 px in the app's font at 22 px), so an
# estimate errs on the tall side; tests/e2e/test_slides_browser.py checks every slide fits.
ROWS_PX = 515
SYNTHETIC_PX = 80  # the two-line "DỮ LIỆU MÔ PHỎNG" banner above a generated file's slides (ui/frame.py)
PROGRAMME_CHARS = 40  # the programme's name in the slides' one-line footer
LINE_PX = 28.6
ROW_PAD_PX = 13
TITLE_LINE_PX = 42
TITLE_CHARS = 76
TABLE_WIDTH_PX = 1210
CHAR_PX = 9.9
CELL_PAD_PX = 16


@dataclass(frozen=True)
class Figure:
    """One big figure: a label, the value as text, an optional note under it, and a tone
    ('red', 'amber', 'good' or '') for its colour."""
    label: str
    value: str
    note: str = ""
    tone: str = ""


@dataclass(frozen=True, eq=False)
class Slide:
    """One slide. ``title`` states the message; ``figures`` are big numbers; ``table`` with
    ``rows`` is an HTML table (every value escaped when drawn); ``chart`` holds the data of a
    chart (kind ``pipeline``: rows and stage_rows); ``lines`` are short statements; ``part``
    is (k, n) when a table runs over n slides; ``facts`` are the raw numbers behind the text."""
    kind: str
    title: str
    figures: tuple[Figure, ...] = ()
    table: Table | None = None
    rows: pd.DataFrame | None = field(default=None, repr=False)
    chart: Mapping[str, object] | None = field(default=None, repr=False)
    lines: tuple[str, ...] = ()
    part: tuple[int, int] | None = None
    facts: Mapping[str, object] = field(default_factory=dict)


# -- table specs (one per slide table) ---------------------------------------------------------
FLAG_TABLE = Table("slides_flags", (
    Col("severity", "slides.col_severity", "marker", width=9, wrap=False),
    Col("work", "slides.col_work", width=30),
    Col("reasons", "slides.col_reasons", width=41),
    Col("cause", "slides.col_cause", width=20, missing="flags.cause.unknown"),
))
FLAG_TABLE_NO_CAUSE = Table("slides_flags", (  # when no flagged work has a cause, its column goes
    Col("severity", "slides.col_severity", "marker", width=9, wrap=False),
    Col("work", "slides.col_work", width=36),
    Col("reasons", "slides.col_reasons", width=55),
))
CHANGE_TABLE = changes_mod.CHANGES_TABLE
GROUP_TABLE = Table("slides_groups", (
    Col("group", "slides.col_group", width=57),
    Col("scored", "slides.col_scored", width=17),
    Col("points", "slides.col_points", width=14),
    Col("max_points", "slides.col_max_points", width=12),
))
FUNDING_TABLE = Table("slides_funding", (
    Col("item", "slides.col_item", width=40),
    Col("baseline", "slides.col_baseline", width=30),
    Col("scenario", "slides.col_scenario", width=30),
))


# -- the deck -----------------------------------------------------------------------------------

def build(db: Database, towns: list[str] | tuple[str, ...] | None = None, period_id: str | None = None,
          lang: str = "vi", eval_date: date | None = None, ruleset_id: str = criteria.DEFAULT_RULESET,
          programme: str | None = None) -> list[Slide]:
    """Every slide for the works of ``programme`` (None: every programme) in the areas ``towns``
    (None: all) as of the reporting period ``period_id`` (None: the newest); flags are evaluated
    at ``eval_date`` (None: that period's date)."""
    towns = list(towns) if towns is not None else None
    period = _period(db, period_id)
    period_id = period["id"] if period is not None else None
    when = eval_date or (period["as_of"] if period is not None else None) or flags.default_eval_date(db)
    works = queries.works(db, towns, period_id, programme)
    f = flags.evaluate(db, when, towns, None, lang, programme=programme)
    options = queries.town_options(db, programme)
    deck = [headline(works, f, when, lang), pipeline(works, queries.stages(db), options, towns, lang)]
    budget = ROWS_PX - (SYNTHETIC_PX if queries.synthetic(db) is not None else 0)
    deck += flag_slides(flag_rows(f, queries.delay_causes(db), lang), when, lang, budget)
    deck += changes(db, towns, period_id, lang, budget, programme=programme)
    for town in programme_towns(db, towns, programme):
        deck.append(criteria_slide(db, town, ruleset_id, lang, programme))
    deck.append(funding_slide(db, period, towns, lang, programme))
    return deck


def footer(db: Database, towns: list[str] | tuple[str, ...] | None, period_id: str | None, lang: str = "vi",
           programme: str | None = None) -> str:
    """'Số liệu tính đến <date> · kỳ <period> · <towns shown>' (plain text); in a file of several
    programmes the towns are preceded by the programme's name (the slides have no other chrome)."""
    period = _period(db, period_id)
    as_of = fmt.as_of(period["as_of"], period["as_of_precision"], lang) if period is not None else t("common.no_data", lang)
    label = period["label_vi"] if period is not None else t("common.no_data", lang)
    shown = towns_text(db, towns, lang, programme)
    if programme is not None and db.scalar("SELECT count(*) FROM programme") > 1:
        name = str(queries.programme(db, programme)["name"])
        name = name if len(name) <= PROGRAMME_CHARS else name[:PROGRAMME_CHARS - 1].rstrip() + "…"
        shown = f"{name} · {shown}"
    return t("slides.footer", lang, date=as_of, period=label, towns=shown)


def towns_text(db: Database, towns, lang: str = "vi", programme: str | None = None) -> str:
    if towns is None:
        return t("slides.all_towns", lang)
    options = queries.town_options(db, programme)
    return ", ".join(overview.town_label(x, options, lang) for x in towns) or "-"


def _period(db: Database, period_id: str | None) -> dict | None:
    periods = queries.periods(db)
    if periods.empty:
        return None
    chosen = periods[periods["id"] == period_id] if period_id is not None else periods.iloc[:0]
    row = (chosen if len(chosen) else periods).iloc[0]
    return {"id": row["id"], "label_vi": row["label_vi"], "as_of": pd.Timestamp(row["as_of"]).date(),
            "as_of_precision": row["as_of_precision"]}


# -- 1. headline -------------------------------------------------------------------------------

def headline(works: pd.DataFrame, f: pd.DataFrame, when: date, lang: str = "vi") -> Slide:
    k = overview.kpis(works)
    late = overview.late_works(flags.by_work(f))  # each work once, at its worst severity
    n_red, n_amber = late.n_red, late.n_amber
    investment = (t("slides.ty", lang, amount=fmt.ty(k.investment_vnd, lang, unit=False))
                  if k.investment_vnd is not None else t("common.no_data", lang))
    missing = t("slides.missing_amount", lang, n=k.n_missing_amount) if k.n_missing_amount else \
        t("slides.all_amounts_known", lang)
    figures = (
        Figure(t("slides.fig_works", lang), fmt.number(k.n_works, lang=lang)),
        Figure(t("slides.fig_handed_over", lang), t("slides.x_of_n", lang, x=k.n_handed_over, n=k.n_works),
               tone="good" if k.n_handed_over else ""),
        Figure(t("slides.fig_flagged", lang), t("slides.red_amber", lang, red=n_red, amber=n_amber),
               t("slides.flag_note", lang, date=fmt.day(when, lang)),
               tone="red" if n_red else ("amber" if n_amber else "good")),
        Figure(t("slides.fig_investment", lang), investment, missing),
    )
    title = t("slides.headline_title", lang, n=k.n_works, handed=k.n_handed_over, flagged=n_red + n_amber,
              red=n_red, amber=n_amber)
    return Slide("headline", title, figures=figures, facts={
        "n_works": k.n_works, "n_handed_over": k.n_handed_over, "n_red": n_red, "n_amber": n_amber,
        "investment_vnd": k.investment_vnd, "n_missing_amount": k.n_missing_amount, "eval_date": when})


# -- 2. pipeline -------------------------------------------------------------------------------

def pipeline(works: pd.DataFrame, stages: pd.DataFrame, options: pd.DataFrame, towns, lang: str = "vi") -> Slide:
    stage_rows = overview.by_stage(works, stages, lang)
    rows = overview.by_stage_and_town(works, options, stages, lang) if len(works) else pd.DataFrame(
        columns=["town", "stage_key", "n", "investment_vnd", "stage_label", "stage_order", "town_label"])
    if towns is not None:
        rows = rows[rows["town"].isin(towns)]
    order = {tid: i for i, tid in enumerate(options["id"])}
    rows = rows.assign(town_order=rows["town"].map(order).fillna(999)).reset_index(drop=True)
    present = stage_rows[stage_rows["n"] > 0]
    lines = []
    if any(len(a) > 1 for a in works["area_ids"]):
        lines.append(t("slides.pipeline_both", lang))
    if present.empty:
        title = t("slides.pipeline_none", lang)
    else:
        top = present.sort_values(["n", "order"], ascending=[False, True]).iloc[0]
        title = t("slides.pipeline_title", lang, stage=top["label"], k=int(top["n"]), n=len(works))
    by_town = rows.groupby("town")["n"].sum().to_dict() if len(rows) else {}
    return Slide("pipeline", title, chart={"rows": rows, "stage_rows": stage_rows}, lines=tuple(lines),
                 facts={"n_works": len(works), "by_town": by_town,
                        "by_stage": dict(zip(stage_rows["stage"], stage_rows["n"].astype(int)))})


# -- 3. flagged works ----------------------------------------------------------------------------

def flag_rows(f: pd.DataFrame, causes: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """One row per flagged work (``flags.by_work``: red first, each work once): severity, work
    ('GT-01 · name'), reasons (one line a flag, then the secretary's newest note), cause (with
    'suy ra từ giai đoạn' when inferred). Columns of ``FLAG_TABLE`` and work_id."""
    cause_label = dict(zip(causes["code"], causes["label_vi" if lang == "vi" else "label_en"]))
    out = []
    for r in flags.by_work(f).to_dict("records"):
        cause = r.get("cause")
        text = ""
        if not fmt.is_missing(cause):
            text = cause_label.get(cause, str(cause))
            if r.get("cause_inferred"):
                text = f"{text} ({flags.cause_note(True, lang)})"
        reasons = [str(m) for m in r["messages"]]
        note = r.get("note")
        if isinstance(note, str) and note.strip():
            reasons.append(t("slides.note", lang, note=" ".join(note.split())))
        name = r.get("work_name")
        out.append({"work_id": r["work_id"], "severity": r["severity"],
                    "work": t("flags.work_line", lang, id=r["work_id"], name=name if not fmt.is_missing(name) else ""),
                    "reasons": "\n".join(reasons), "cause": text})
    return pd.DataFrame(out, columns=["work_id", "severity", "work", "reasons", "cause"])


def _chars(col: Col, table: Table) -> int:
    weight = sum(c.width for c in table.cols if c.screen)
    px = TABLE_WIDTH_PX * col.width / weight - CELL_PAD_PX
    return max(int(px / CHAR_PX), 4)


def wrapped_lines(text: str, width: int) -> int:
    """Lines ``text`` takes when wrapped at word boundaries to ``width`` characters a line
    (a word longer than a line is cut across lines, as the tables' overflow-wrap does)."""
    total = 0
    for part in text.split("\n"):
        lines, used = 1, 0
        for word in part.split():
            n = len(word)
            if used and used + 1 + n <= width:
                used += 1 + n
            elif not used and n <= width:
                used = n
            else:
                lines += 1 if used else 0
                lines += (n - 1) // width
                used = n - (n - 1) // width * width
        total += lines
    return max(total, 1)


def row_lines(table: Table, row: Mapping[str, object]) -> int:
    """Lines a row takes on a slide: the tallest of its cells, each wrapped at its column's width
    (counted on the wide side)."""
    tallest = 1
    for c in table.cols:
        value = row.get(c.key)
        if isinstance(value, str) and value:
            tallest = max(tallest, wrapped_lines(value, _chars(c, table)))
    return tallest


def title_lines(title: str) -> int:
    return max(1, math.ceil(len(title) / TITLE_CHARS))


def row_px(table: Table, row: Mapping[str, object]) -> float:
    return row_lines(table, row) * LINE_PX + ROW_PAD_PX


def _greedy(heights: list[float], budget_px: float) -> list[list[int]]:
    pages, current, used = [], [], 0.0
    for i, need in enumerate(heights):
        if current and used + need > budget_px:
            pages.append(current)
            current, used = [], 0.0
        current.append(i)
        used += need
    if current:
        pages.append(current)
    return pages


def paginate(table: Table, rows: pd.DataFrame, budget_px: float = ROWS_PX) -> list[pd.DataFrame]:
    """Split rows, in order, into as few pages as fit ``budget_px`` each (a row is never split; a
    row taller than the budget gets a page of its own), and among those splits the most even one
    (least sum of squared page heights), so that no page is left nearly empty."""
    heights = [row_px(table, rec) for rec in rows.to_dict("records")]
    n = len(heights)
    if not n:
        return [rows.iloc[:0]]
    greedy = _greedy(heights, budget_px)
    n_pages = len(greedy)
    if n_pages * n * n > 2_000_000:  # thousands of rows: the even split is not worth its time
        return [rows.iloc[p].reset_index(drop=True) for p in greedy]
    prefix = [0.0]
    for h in heights:
        prefix.append(prefix[-1] + h)

    def cost(i: int, j: int) -> float:  # rows i..j-1 on one page
        h = prefix[j] - prefix[i]
        return math.inf if h > budget_px and j - i > 1 else h * h

    # best[p][j]: least cost of the first j rows on p pages; cut[p][j]: where the last page starts
    best = [[math.inf] * (n + 1) for _ in range(n_pages + 1)]
    cut = [[0] * (n + 1) for _ in range(n_pages + 1)]
    best[0][0] = 0.0
    for p in range(1, n_pages + 1):
        for j in range(1, n + 1):
            for i in range(p - 1, j):
                c = best[p - 1][i] + cost(i, j)
                if c < best[p][j]:
                    best[p][j], cut[p][j] = c, i
    bounds, j = [], n
    for p in range(n_pages, 0, -1):
        bounds.append((cut[p][j], j))
        j = cut[p][j]
    return [rows.iloc[i:j].reset_index(drop=True) for i, j in reversed(bounds)]


def flag_slides(rows: pd.DataFrame, when: date, lang: str = "vi", budget_px: float = ROWS_PX) -> list[Slide]:
    n_red = int((rows["severity"] == "red").sum())
    n_amber = int((rows["severity"] == "amber").sum())
    day = fmt.day(when, lang)
    facts = {"n_red": n_red, "n_amber": n_amber, "work_ids": tuple(rows["work_id"]), "eval_date": when}
    if rows.empty:
        return [Slide("flags", t("slides.flags_none", lang, date=day), lines=(t("slides.flags_none_note", lang),),
                      facts=facts)]
    title = t("slides.flags_title", lang, red=n_red, amber=n_amber, date=day)
    longest = t("slides.continued", lang, title=title, k=9, n=9)
    table = FLAG_TABLE if (rows["cause"].fillna("") != "").any() else FLAG_TABLE_NO_CAUSE
    pages = paginate(table, rows, budget_px - (title_lines(longest) - 1) * TITLE_LINE_PX)
    return _table_slides("flags", title, table, pages, facts, lang, "slides.more_flags")


MAX_TABLE_SLIDES = 8  # a section's table runs over at most this many slides; the rest is counted, not shown


def _table_slides(kind: str, title: str, table: Table, pages: list[pd.DataFrame], facts: dict, lang: str,
                  more_key: str) -> list[Slide]:
    """A section's table over its pages, at most ``MAX_TABLE_SLIDES`` of them (a province's
    thousands of flagged works are no meeting deck); then, when rows are left, one slide that says
    how many and where the whole list is (``more_key``). The district's lists fit in a few."""
    kept = pages[:MAX_TABLE_SLIDES]
    out = []
    for k, page in enumerate(kept, start=1):
        head = title if k == 1 else t("slides.continued", lang, title=title, k=k, n=len(kept))
        out.append(Slide(kind, head, table=table, rows=page, part=(k, len(kept)),
                         facts={**facts, "page_work_ids": tuple(page["work_id"])}))
    left = sum(len(p) for p in pages[MAX_TABLE_SLIDES:])
    if left:
        out.append(Slide(kind, title, lines=(t(more_key, lang, n=fmt.number(left, 0, lang), k=MAX_TABLE_SLIDES),),
                         facts={**facts, "n_not_shown": left}))
    return out


# -- 4. changes since the previous period -----------------------------------------------------------

def changes(db: Database, towns, period_id: str | None, lang: str = "vi",
            budget_px: float = ROWS_PX, programme: str | None = None) -> list[Slide]:
    """What changed since the previous reporting period (``lib.changes.compare``, the rows of
    ``flags.changes_since_previous``), one row per work and kind of change, split over several
    slides when needed; or one slide saying the data hold no previous period."""
    c = changes_mod.compare(db, period_id, list(towns) if towns is not None else None, lang, programme)
    label = c.period_label or t("common.no_data", lang)
    if not c.has_previous:
        return [Slide("changes", t("slides.changes_no_previous", lang, label=label),
                      lines=(t("slides.changes_no_previous_note", lang),),
                      facts={"previous": None, "n_changes": 0, "counts": c.counts()})]
    counts = c.counts()
    facts = {"previous": c.previous_id, "n_changes": len(c.rows), "counts": counts,
             "n_works": int(c.rows["work_id"].nunique()) if len(c.rows) else 0}
    if c.rows.empty:
        return [Slide("changes", t("slides.changes_none", lang, prev=c.previous_label, label=label), facts=facts)]
    rows = changes_mod.table_rows(c.rows, lang).assign(work_id=c.rows["work_id"].tolist())
    title = t("slides.changes_title", lang, prev=c.previous_label, late=counts["newly_late"],
              slipped=counts["slipped"], handed=counts["handed_over"], stage=counts["stage_changed"])
    longest = t("slides.continued", lang, title=title, k=9, n=9)
    pages = paginate(CHANGE_TABLE, rows, budget_px - (title_lines(longest) - 1) * TITLE_LINE_PX)
    return _table_slides("changes", title, CHANGE_TABLE, pages, facts, lang, "slides.more_changes")


# -- 5. criteria -------------------------------------------------------------------------------------

def programme_towns(db: Database, towns, programme: str | None = None) -> list[str]:
    ids = list(scenario_towns.programme_towns(db, programme)) or (list(PROGRAMME_TOWNS) if programme is None else [])
    return [x for x in ids if towns is None or x in towns]


def criteria_slide(db: Database, town: str, ruleset_id: str = criteria.DEFAULT_RULESET, lang: str = "vi",
                   programme: str | None = None) -> Slide:
    cat = criteria.catalog(db)
    ruleset = cat[ruleset_id]
    target = criteria.target_class(db, town, programme)
    class_code = criteria.default_class(ruleset, target)  # the one rule: the class follows the town
    res = criteria.scorecard(db, town, ruleset_id, class_code).result
    name = overview.town_label(town, queries.town_options(db, programme), lang)
    stds = res.standards
    n_missing = int((stds["status"] == "missing").sum())
    n_rule = int((stds["status"] == "rule_unknown").sum())
    n_unknown = res.n_total - res.n_scored
    known = not fmt.is_missing(res.total)
    points = fmt.number(res.total, 2, lang) if known else None
    pass_mark = fmt.number(res.pass_mark, 0, lang) if res.pass_mark is not None else t("common.no_data", lang)
    verdict = t(f"crit.verdict.{res.verdict}", lang)
    if res.verdict == "chua_du_so_lieu":
        title = t("slides.crit_title_unknown", lang, town=name, c=class_code, u=n_unknown, total=res.n_total)
    elif res.verdict == "dat":
        title = t("slides.crit_title_pass", lang, town=name, c=class_code, points=points, mark=pass_mark)
    else:
        title = t("slides.crit_title_fail", lang, town=name, c=class_code, points=points, mark=pass_mark)
    if n_unknown == 0 and known and not fmt.is_missing(res.max_total):
        points_value = t("slides.points_of", lang, points=points, max=fmt.number(res.max_total, 0, lang))
    else:
        points_value = t("slides.points", lang, points=points) if known else t("slides.points_none", lang)
    figures = (
        Figure(t("slides.fig_verdict", lang), verdict,
               t("slides.target_pass", lang, c=target or class_code, mark=pass_mark),
               tone={"dat": "good", "khong_dat": "red"}.get(res.verdict, "amber")),
        Figure(t("slides.fig_points", lang), points_value,
               t("slides.scored_of", lang, n=res.n_scored, total=res.n_total)),
        Figure(t("slides.fig_unknown", lang), fmt.number(n_unknown, lang=lang),
               t("slides.unknown_split", lang, missing=n_missing, rule=n_rule) if n_unknown else "",
               tone="amber" if n_unknown else "good"),
    )
    g = res.groups
    rows = pd.DataFrame({
        "group": [f"{c}. {n}" for c, n in zip(g["code"], g["name"])],
        "scored": [t("slides.x_of_n", lang, x=int(a), n=int(b)) for a, b in zip(g["n_scored"], g["n_total"])],
        "points": [fmt.number(p, 2, lang) if not fmt.is_missing(p) else t("slides.points_none_short", lang)
                   for p in g["points"]],
        "max_points": [fmt.number(p, 0, lang) if not fmt.is_missing(p) else t("common.no_data", lang)
                       for p in g["max_points"]],
    })
    lines = (t("slides.crit_ruleset", lang, name=ruleset.info.name),)
    return Slide("criteria", title, figures=figures, table=GROUP_TABLE, rows=rows, lines=lines, facts={
        "town": town, "class": class_code, "target": target, "verdict": res.verdict,
        "total": None if not known else float(res.total), "n_scored": res.n_scored, "n_total": res.n_total,
        "n_unknown": n_unknown, "n_missing": n_missing, "n_rule_unknown": n_rule, "pass_mark": res.pass_mark})


# -- 6. funding -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Run:
    """A scenario run, reduced to what the slide says."""
    scenario: scenario.Scenario
    outcomes: whatif.Outcomes
    all_done_year: int | None      # every simulated work complete by then; None: not within the horizon
    n_open: int                    # simulated works not complete by the end of the horizon


def run_scenario(db: Database, scenario: scenario.Scenario, period_id: str | None) -> Run:
    works = whatif.scenario_works(db, scenario, period_id)
    result = whatif.run(whatif.funding_frame(works), scenario)
    return summarise(result, scenario)


def summarise(result: funding.SimulationResult, scenario: scenario.Scenario) -> Run:
    years = result.per_work["completion_year"]
    n_open = int(years.isna().sum())
    done = None if n_open or not len(years) else int(years.max())
    return Run(scenario, whatif.outcomes_of(result, scenario), done, n_open)


def latest_saved(db: Database, towns=None, programme: str | None = None) -> tuple[dict, scenario.Scenario] | None:
    """The most recently saved scenario of ``programme`` that can be read, (its row, the scenario):
    the newest one saved for exactly the areas ``towns`` (None: every area) when there is one,
    else the newest."""
    readable, model = [], stages_.model(db)
    for r in scenario_store.list_scenarios(db, programme).to_dict("records"):
        try:
            readable.append((r, scenario_store.read_saved(r["params"], model, programme)))
        except ValidationError:
            continue
    wanted = None if towns is None else set(towns)
    same = [x for x in readable if (None if x[1].towns is None else set(x[1].towns)) == wanted]
    return (same or readable or [None])[0]


def funding_slide(db: Database, period: dict | None, towns=None, lang: str = "vi",
                  programme: str | None = None) -> Slide:
    """The most recently saved scenario (``latest_saved``) against the baseline over the same
    horizon and areas (the scenario's own, as the funding page runs a saved scenario), or the
    baseline of the areas ``towns`` alone when none is saved. Key figures: the year every work
    with an amount is finished, the need left unfunded at the end of the horizon."""
    as_of_year = period["as_of"].year if period is not None else None
    period_id = period["id"] if period is not None else None
    saved = latest_saved(db, towns, programme)
    options = queries.town_options(db, programme)
    names = {x: overview.town_label(x, options, lang) for x in options["id"]}
    if saved is None:
        row, cur = None, None
        base = run_scenario(db, scenario.default_scenario(as_of_year, towns, stages_.model(db), programme), period_id)
    else:
        row, sc = saved
        plain = scenario.default_scenario(as_of_year, sc.towns, sc.stages, sc.programme)
        base_sc = dataclasses.replace(plain, end_year=max(sc.end_year, plain.start_year))
        base, cur = run_scenario(db, base_sc, period_id), run_scenario(db, sc, period_id)
    shown = cur or base
    end = shown.scenario.end_year

    def done(r: Run) -> str:
        if not r.outcomes.n_simulated:
            return t("common.no_data", lang)
        return str(r.all_done_year) if r.all_done_year is not None else t("slides.after", lang, end=r.scenario.end_year)

    def unfunded(r: Run) -> str:
        if not r.outcomes.n_simulated:  # nothing could be simulated: the need is unknown, not 0
            return t("common.no_data", lang)
        return t("slides.ty", lang, amount=fmt.ty(r.outcomes.outstanding_vnd, lang, 1, unit=False))

    if not shown.outcomes.n_simulated:
        done_note, money_note = t("slides.none_simulated", lang), ""
    elif cur is None:
        done_note = t("slides.open_works", lang, n=base.n_open, end=end) if base.n_open else ""
        money_note = ""
    else:
        done_note = t("slides.vs_base", lang, value=done(base))
        money_note = t("slides.vs_base", lang, value=unfunded(base))
    figures = (
        Figure(t("slides.f_all_done", lang), done(shown), done_note,
               tone="good" if shown.all_done_year is not None and shown.outcomes.n_simulated else "amber"),
        Figure(t("slides.f_outstanding", lang, end=end), unfunded(shown), money_note,
               tone="good" if shown.outcomes.n_simulated and shown.outcomes.outstanding_vnd < 0.5e9 else "amber"),
    )

    def column(r: Run) -> list[str]:
        s, o = r.scenario, r.outcomes
        return [t("slides.ty_year", lang, amount=fmt.ty(s.total_vnd, lang, 1, unit=False)),
                f"{s.start_year}-{s.end_year}",
                t(f"funding.rule.{s.rule}", lang),
                ", ".join(names.get(x, x) for x in s.towns) if s.towns is not None else t("slides.all_towns", lang),
                t("slides.x_of_n", lang, x=o.n_done, n=o.n_simulated)]

    items = [t("slides.f_money", lang), t("slides.f_horizon", lang), t("slides.f_rule", lang),
             t("slides.f_towns", lang), t("slides.f_done_by", lang, end=end)]
    if cur is None:
        table = Table(FUNDING_TABLE.name, FUNDING_TABLE.cols[:2])
        rows = pd.DataFrame({"item": items, "baseline": column(base)})
        money = t("slides.ty_year", lang, amount=fmt.ty(base.scenario.total_vnd, lang, 1, unit=False))
        if not base.outcomes.n_simulated:
            title = t("slides.funding_none_nothing", lang)
        elif base.all_done_year is not None:
            title = t("slides.funding_none_done", lang, money=money, year=base.all_done_year)
        else:
            title = t("slides.funding_none_open", lang, money=money, n=base.n_open, end=end,
                      amount=fmt.ty(base.outcomes.outstanding_vnd, lang, 1))
        lines = (t("slides.funding_none_note", lang),)
    else:
        table = FUNDING_TABLE
        rows = pd.DataFrame({"item": items, "baseline": column(base), "scenario": column(cur)})
        title = _funding_title(row["name"], base, cur, lang)
        when = row["created_at"]
        when = fmt.day(when.date() if isinstance(when, datetime) else pd.Timestamp(when).date(), lang)
        lines = (t("slides.funding_saved", lang, name=row["name"], by=row["created_by"], when=when),)
    n_ns = shown.outcomes.n_not_simulated
    if n_ns:
        lines += (t("slides.funding_not_simulated", lang, n=n_ns),)
    facts = {"scenario": row["name"] if row else None, "end_year": end,
             "base_all_done_year": base.all_done_year, "base_outstanding_vnd": base.outcomes.outstanding_vnd,
             "all_done_year": cur.all_done_year if cur else None,
             "outstanding_vnd": cur.outcomes.outstanding_vnd if cur else None, "n_not_simulated": n_ns}
    return Slide("funding", title, figures=figures, table=table, rows=rows, lines=lines, facts=facts)


def _funding_title(name: str, base: Run, cur: Run, lang: str) -> str:
    if not cur.outcomes.n_simulated:
        return t("slides.funding_nothing", lang, name=name)
    b, c = base.all_done_year, cur.all_done_year
    if c is not None and b is not None:
        if c < b:
            return t("slides.funding_earlier", lang, name=name, year=c, n=b - c)
        if c > b:
            return t("slides.funding_later", lang, name=name, year=c, n=c - b)
        return t("slides.funding_same", lang, name=name, year=c)
    if c is not None:
        return t("slides.funding_done", lang, name=name, year=c, end=base.scenario.end_year)
    return t("slides.funding_open", lang, name=name, n=cur.n_open, end=cur.scenario.end_year,
             amount=fmt.ty(cur.outcomes.outstanding_vnd, lang, 1))
