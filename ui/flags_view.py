"""Delay flags for the pages: the evaluation date (kept in the URL), the per-work lists, markers,
the overview strip and what changed since the previous period.

Every count and list goes through ``flags.by_work`` (one row per work, at its worst severity),
so the figures, the headings, the overview, the register's markers and the charts agree.
Data-bearing text is drawn by ui/table (escaped HTML) or escaped here, never as Markdown.
"""
from __future__ import annotations

import html
from datetime import date

import pandas as pd
import streamlit as st

from lib.i18n import text_of
from lib import changes, flags, fmt, queries
from ui import frame, table
from ui.frame import Ctx

EVAL_KEY = "eval_date"        # the date widget on the flags page
EVAL_SAVED = frame.EVAL_SAVED  # the chosen date, kept across pages (and in the URL by the frame)
RULES_KEY = "flags_rules"    # the rule filter (pills) on the flags page (widget key read by tests)


def default_eval_date(ctx: Ctx) -> date:
    """The date of the period being viewed (the newest by default)."""
    return ctx.as_of or date.today()


def eval_date(ctx: Ctx) -> date:
    """The evaluation date of this session: chosen on the flags page, else the period's date."""
    return st.session_state.get(EVAL_SAVED) or default_eval_date(ctx)


def eval_date_input(ctx: Ctx) -> date:
    """The evaluation date on one short row: a field typed day/month/year (no calendar, whose month
    names would follow the browser's language) and, when it moved, a button back.
    A date that cannot be read keeps the last good one and says why, in the user's language."""
    default = default_eval_date(ctx)
    if EVAL_KEY not in st.session_state:  # the widget's state is dropped when another page is shown
        st.session_state[EVAL_KEY] = fmt.day(eval_date(ctx), "vi")
    c1, c2 = st.columns([1, 1.15], vertical_alignment="bottom", gap="small")
    c1.text_input(ctx.tr("flags.eval_date"), key=EVAL_KEY, help=ctx.tr("flags.eval_help"),
                  placeholder=ctx.tr("common.placeholder_day"), max_chars=10)
    try:
        chosen = fmt.parse_day(st.session_state[EVAL_KEY], ctx.lang)
    except ValueError as e:
        chosen = eval_date(ctx)
        st.error(fmt.md_escape(text_of(e, ctx.lang)), icon=":material/error:")
    if chosen != default:
        c2.button(ctx.tr("flags.eval_reset", date=fmt.day(default, ctx.lang)), key="eval_reset",
                  help=ctx.tr("flags.eval_reset_help"), icon=":material/undo:",
                  on_click=lambda: st.session_state.update({EVAL_KEY: fmt.day(default, "vi")}))
    if chosen == default:
        st.session_state.pop(EVAL_SAVED, None)
        if "eval" in st.query_params:
            del st.query_params["eval"]
    else:
        st.session_state[EVAL_SAVED] = chosen
        st.query_params["eval"] = chosen.isoformat()
    return chosen


def evaluate(ctx: Ctx, when: date, then=()) -> pd.DataFrame:
    """The flags at ``when`` (``then``: a step of lib.flags over them, cached with them)."""
    return frame.read(flags.evaluate, when, ctx.towns, None, ctx.lang, programme=ctx.programme, then=then)


def works_flagged(ctx: Ctx, when: date | None = None) -> pd.DataFrame:
    """One row per flagged work at ``when`` (default: the session's evaluation date)."""
    return frame.read(flags.evaluate_by_work, when or eval_date(ctx), ctx.towns, ctx.lang,  # cached as a whole
                      programme=ctx.programme)


def causes_table(ctx: Ctx) -> pd.DataFrame:
    return frame.read(queries.delay_causes)


def cause_labels(ctx: Ctx) -> dict[str, str]:
    return flags.cause_labels(causes_table(ctx), ctx.lang)


def markers(ctx: Ctx) -> dict[str, str]:
    """Work id -> '● Đỏ' / '○ Vàng' for flagged works at the evaluation date (worst severity)."""
    w = works_flagged(ctx)
    return {r.work_id: ctx.tr(f"flags.marker_{r.severity}") for r in w.itertuples()}


def plain(text: str, cls: str = "ct07-stamp") -> None:
    """One line of text that may hold data: escaped, never Markdown."""
    st.html(f'<div class="{cls}">{html.escape(text)}</div>')


def counts_line(ctx: Ctx, key: str, **kw) -> None:
    """A translated line whose numbers are bold; every other part is escaped."""
    marks = {k: f"\x00{i}\x00" for i, k in enumerate(kw)}
    text = html.escape(ctx.tr(key, **{k: marks[k] for k in kw}))
    for k, v in kw.items():  # a count as ``t`` writes it (2.067), bold
        shown = fmt.number(v, lang=ctx.lang) if isinstance(v, int) and not isinstance(v, bool) else str(v)
        text = text.replace(marks[k], f"<b>{html.escape(shown)}</b>")
    st.html(f'<div class="ct07-stamp">{text}</div>')


# -- the overview ----------------------------------------------------------------------------------
def overview_strip(ctx: Ctx) -> None:
    """The counts (works at their worst severity) and the red works with their reasons."""
    when = eval_date(ctx)
    w = works_flagged(ctx, when)
    n = flags.severity_counts(w)
    counts_line(ctx, "flags.on_overview", date=fmt.day(when, ctx.lang), red=n["red"], amber=n["amber"])
    red = w[w["severity"] == "red"]
    if len(red):
        table.show(ctx, flags.SHORT_TABLE, flags.work_table_rows(red, cause_labels(ctx), ctx.lang))
    st.page_link(str(frame.ROOT / "pages" / "canh_bao.py"), label=ctx.tr("flags.see_all"), icon=":material/arrow_forward:")


# -- the flags page -----------------------------------------------------------------------------------
def chosen_rules() -> list[str]:
    """The rules kept by the filter (drawn below the lists; its state is read first)."""
    chosen = st.session_state.get(RULES_KEY)
    return list(flags.RULES) if chosen is None else [r for r in flags.RULES if r in chosen]


def rule_filter(ctx: Ctx) -> None:
    rule_codes = list(flags.RULES)  # a fixed list, so a choice survives a change of date
    st.pills(ctx.tr("flags.rules"), rule_codes, selection_mode="multi", default=rule_codes, key=RULES_KEY,
             format_func=lambda r: flags.rule_label(r, ctx.lang), help=ctx.tr("flags.rules_help"))


def work_lists(ctx: Ctx, w: pd.DataFrame, when: date) -> None:
    """'Đỏ: cần xử lý ngay (n)' then 'Vàng: cần theo dõi (n)': one row per work, n = its rows."""
    rows = flags.work_table_rows(w, cause_labels(ctx), ctx.lang)
    for sev in flags.SEVERITIES:
        mine = rows[rows["severity"] == sev]
        st.subheader(ctx.tr(f"flags.group_{sev}") + ctx.tr("flags.group_count", n=len(mine)))
        if len(mine):
            table.show_paged(ctx, flags.WORK_TABLE, mine, key=f"flags_page_{sev}")
        else:
            plain(ctx.tr(f"flags.group_none_{sev}", date=fmt.day(when, ctx.lang)))


def changes_section(ctx: Ctx) -> None:
    """What changed between the viewed period and the one before it (lib/changes.py)."""
    st.subheader(ctx.tr("flags.changes_title"))
    ch = frame.read(changes.compare, ctx.period_id, ctx.towns, ctx.lang, ctx.programme)
    if not ch.has_previous:
        st.info(changes.no_previous_text(ch, ctx.lang))
        return
    plain(ctx.tr("flags.changes_between", new=ch.period_label or ch.period_id,
                 new_date=fmt.day(ch.as_of, ctx.lang), old=ch.previous_label or ch.previous_id,
                 old_date=fmt.day(ch.previous_as_of, ctx.lang)))
    n = ch.counts()
    counts_line(ctx, "flags.changes_counts", late=n["newly_late"], slipped=n["slipped"],
                handed=n["handed_over"], stage=n["stage_changed"])
    table.show(ctx, changes.CHANGES_TABLE, changes.table_rows(ch.rows, ctx.lang),
               empty=ctx.tr("flags.changes_empty"))


# -- the charts' rows ----------------------------------------------------------------------------------
def cause_rows(ctx: Ctx, w: pd.DataFrame) -> pd.DataFrame:
    """Flagged works per cause, each work once (``by_work`` rows): the bars add up to the works."""
    counts = flags.counts_by_work_cause(w)
    causes = causes_table(ctx)
    labels = cause_labels(ctx)
    order = {c: i for i, c in enumerate(list(causes["code"]) + [flags.UNKNOWN_CAUSE])}
    counts = counts[(counts["n_works"] > 0) | counts["cause"].isin(causes["code"])]
    return pd.DataFrame({"label": [labels.get(c, c) for c in counts["cause"]],
                         "n_works": counts["n_works"].tolist(), "order": [order.get(c, 99) for c in counts["cause"]]})


def town_rows(ctx: Ctx, counts: pd.DataFrame) -> pd.DataFrame:
    """``flags.counts_by_town`` as the chart's rows (a label and order per town, one row per severity)."""
    from lib import overview
    order = {tid: i for i, tid in enumerate(ctx.town_options["id"])}
    rows = []
    for r in counts.itertuples():
        for sev, n in (("red", r.n_red), ("amber", r.n_amber)):
            rows.append({"town_label": overview.town_label(r.town, ctx.town_options, ctx.lang),
                         "town_order": order.get(r.town, 99), "severity": sev,
                         "severity_label": flags.severity_label(sev, ctx.lang), "n": int(n)})
    return pd.DataFrame(rows)


def trend_rows(ctx: Ctx, rules: list[str] | None = None) -> pd.DataFrame:
    t = frame.read(flags.trend, ctx.towns, None, None if rules is None else tuple(rules), ctx.programme)
    rows = []
    for i, r in enumerate(t.sort_values("as_of").itertuples()):
        for sev in ("red", "amber"):
            rows.append({"period_label": r.label_vi, "period_order": i, "severity": sev,
                         "severity_label": flags.severity_label(sev, ctx.lang), "n": int(getattr(r, f"n_{sev}"))})
    return pd.DataFrame(rows)


def report_causes(ctx: Ctx) -> None:
    """The report's general causes of delay (section IV.2), verbatim, as an escaped table."""
    causes = causes_table(ctx).dropna(subset=["report_text"])
    if causes.empty:
        return
    rows = pd.DataFrame({"label": causes["label_vi" if ctx.lang == "vi" else "label_en"].tolist(),
                         "report_text": causes["report_text"].tolist(), "source_ref": causes["source_ref"].tolist()})
    table.show(ctx, flags.CAUSES_TABLE, rows)
