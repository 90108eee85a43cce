"""The presentation mode, drawn: one slide of lib/slides.py at a time on the whole 1280x720
screen, the current slide kept in the URL (?slide=3), "Trước"/"Sau" buttons on the arrow
keys, an optional auto-advance, and a small "Thoát" link back to the overview.

Every data-bearing text is escaped here (html.escape, or lib/tables' escaped tables); the
style sheet is fixed text with no data in it.
"""
from __future__ import annotations

import html
import time

import altair as alt
import streamlit as st

from lib.i18n import text_of
from lib import charts, criteria, fmt, slides
from lib.rulesets import RulesetError
from lib.slides import Slide
from ui import criteria_view, frame
from ui.frame import Ctx

SLIDE_PARAM = "slide"
AUTO_KEY = "slides_auto"
SECONDS_KEY = "slides_seconds"
SHOWN_AT = "_slides_shown_at"
DEFAULT_SECONDS = 20
SECONDS = (5, 10, 15, 20, 30, 45, 60, 90, 120)
OVERVIEW = frame.ROOT / "pages" / "tong_quan.py"
SLIDE_FONT = 22          # px, content text
CHART_HEIGHT = 260       # px shared by the towns' bars of the pipeline chart (56 to 100 px a town)

# Fixed rules for this page only (the element goes away with the page): no Streamlit header or
# top navigation, tight margins, large slide text. No data value is ever written into it.
STYLE = """<style>
[data-testid='stHeader'], [data-testid='stToolbar'], [data-testid='stDecoration'],
[data-testid='stTopNav'], [data-testid='stSidebarCollapsedControl'], [data-testid='stSidebar'],
[data-testid='stStatusWidget'], header {display: none !important;}
[data-testid='stMain'] {padding-top: 0 !important;}
[data-testid='stMainBlockContainer'] {padding: 14px 30px 64px 30px !important; max-width: 100% !important;}
.st-key-ct07_slide_nav {position: fixed; left: 0; right: 0; bottom: 0; z-index: 5; background: #ffffff;
                        padding: 6px 30px 8px 30px; border-top: 1px solid #d5dbe1;}
.ct07-slide {font-size: 22px; line-height: 1.3; color: #1f2328;}
h1.ct07-slide-title {font-size: 34px !important; line-height: 1.22 !important; font-weight: 700;
                     margin: 0 0 14px 0 !important; padding: 0 !important; color: #10243e;}
.ct07-slide .ct07-table {font-size: 22px; line-height: 1.3; margin: 0;}
.ct07-slide .ct07-table th {padding: 6px 8px;}
.ct07-slide .ct07-table td {padding: 6px 8px;}
.ct07-figs {display: grid; grid-template-columns: repeat(var(--n, 4), 1fr); gap: 18px; margin: 4px 0 18px 0;}
.ct07-fig {border: 2px solid #c9d1d9; border-left-width: 10px; border-radius: 8px; padding: 12px 16px;
           background: #f6f8fa;}
.ct07-fig .lbl {font-size: 22px; color: #3b434b; font-weight: 600;}
.ct07-fig .val {font-size: 44px; font-weight: 700; line-height: 1.15; margin: 6px 0 4px 0; color: #10243e;}
.ct07-fig .note {font-size: 22px; color: #3b434b;}
.ct07-figs.big {gap: 24px;}
.ct07-figs.big .ct07-fig {padding: 20px 26px; min-height: 210px;}
.ct07-figs.big .lbl {font-size: 26px;}
.ct07-figs.big .val {font-size: 64px; margin: 10px 0 8px 0;}
.ct07-figs.big .val.long {font-size: 46px;}
.ct07-fig .val.long {font-size: 36px;}
.ct07-figs.big .note {font-size: 24px;}
.ct07-fig.tone-red {border-color: #CC3311;} .ct07-fig.tone-red .val {color: #a52a0e;}
.ct07-fig.tone-amber {border-color: #EE7733;} .ct07-fig.tone-amber .val {color: #8a4b00;}
.ct07-fig.tone-good {border-color: #009E73;} .ct07-fig.tone-good .val {color: #00684b;}
.ct07-slide-lines {margin: 12px 0 0 0 !important; padding: 0 !important; list-style: none;}
.ct07-slide-lines li {font-size: 22px; margin: 4px 0 !important; padding: 0 !important; color: #24292f;}
.ct07-slide[data-slide='changes'] .ct07-slide-lines li {font-size: 26px;}
.ct07-slide-foot {font-size: 19px; color: #333; line-height: 1.25;}
.ct07-slide-count {font-size: 24px; font-weight: 700; white-space: nowrap; text-align: center;}
[data-testid='stButton'] button {min-height: 44px;}
[data-testid='stButton'] kbd, [data-testid='stButton'] [data-testid*='hortcut'] {font-size: 18px !important;}
[data-testid='stPageLink'] a {padding: 0.35rem 0.5rem;}
.st-key-slides_seconds, .st-key-slides_seconds * {font-size: 18px !important;}
</style>"""


def style() -> None:
    st.html(STYLE)


def eval_date(ctx: Ctx):
    """The flags' evaluation date of this session (chosen on the flags page, kept in ?eval=),
    else the date of the period shown."""
    return st.session_state.get(frame.EVAL_SAVED) or ctx.as_of


def deck(ctx: Ctx) -> tuple[list[Slide], str]:
    """The slides and the footer line, read through the frame's cache. The criteria slides use
    the default rule-set, or the first stored one when it is missing (said on the slide); when
    the stored rule-sets cannot be used at all, the page says so instead of failing."""
    ruleset_id = _ruleset_for_slides(ctx)
    if ruleset_id is None:
        st.warning(ctx.tr("slides.no_ruleset"), icon=":material/rule:")
        st.stop()
    args = (tuple(ctx.towns) if ctx.towns is not None else None, ctx.period_id, ctx.lang, eval_date(ctx), ruleset_id,
            ctx.programme)
    try:  # a province's deck has a thousand slides: kept by the session, not read back on every run
        got = frame.kept("slides_deck", args, lambda: frame.read(slides.build, *args))
    except (RulesetError, KeyError, ValueError) as e:
        st.warning(ctx.tr("slides.build_failed", error=fmt.md_escape(text_of(e, ctx.lang).strip("'\""), 300)),
                   icon=":material/warning:")
        st.stop()
    return got, frame.read(slides.footer, ctx.towns, ctx.period_id, ctx.lang, ctx.programme)


def _ruleset_for_slides(ctx: Ctx) -> str | None:
    try:
        catalog = criteria_view.catalog()
    except RulesetError:
        return None
    if not len(catalog):
        return None
    if criteria.DEFAULT_RULESET in catalog:
        return criteria.DEFAULT_RULESET
    first = catalog.ids[0]
    st.warning(ctx.tr("slides.ruleset_fallback", id=fmt.md_escape(criteria.DEFAULT_RULESET),
                      name=fmt.md_escape(catalog[first].info.name)), icon=":material/rule:")
    return first


def parse_index(raw, n: int) -> int:
    """?slide=k as a slide number 1..n; anything else (missing, text, out of range) is 1."""
    try:
        k = int(str(raw).strip())
    except (TypeError, ValueError):
        return 1
    return k if 1 <= k <= n else 1


def current(n: int, ctx: Ctx | None = None) -> int:
    """The slide of ?slide=k. A value that is not a slide number of this deck (text, 0, 99, a
    long or marked-up string) opens slide 1 and says so, as text."""
    raw = st.query_params.get(SLIDE_PARAM)
    k = parse_index(raw, n)
    if raw is not None and ctx is not None and not _is_slide(raw, n):
        st.warning(ctx.tr("slides.bad_slide", value=fmt.md_escape(raw, 40), n=n), icon=":material/link_off:")
    if raw != str(k):
        st.query_params[SLIDE_PARAM] = str(k)
    return k


def _is_slide(raw, n: int) -> bool:
    try:
        return 1 <= int(str(raw).strip()) <= n
    except (TypeError, ValueError):
        return False


def _go(k: int) -> None:
    st.query_params[SLIDE_PARAM] = str(k)


# -- one slide -------------------------------------------------------------------------------

LONG_VALUE = 16  # characters: "101,538 tỷ đồng" keeps the big size, "710 đỏ · 2.067 vàng" does not


def _figures(figs, per_row: int, big: bool = False) -> str:
    cells = []
    for f in figs:
        tone = f" tone-{f.tone}" if f.tone else ""
        note = f'<div class="note">{html.escape(f.note)}</div>' if f.note else ""
        long = " long" if len(f.value) > LONG_VALUE else ""  # a province's figures: smaller, on one line
        cells.append(f'<div class="ct07-fig{tone}"><div class="lbl">{html.escape(f.label)}</div>'
                     f'<div class="val{long}">{html.escape(f.value)}</div>{note}</div>')
    return f'<div class="ct07-figs{" big" if big else ""}" style="--n:{int(per_row)}">{"".join(cells)}</div>'


def _lines(lines) -> str:
    if not lines:
        return ""
    return '<ul class="ct07-slide-lines">' + "".join(f"<li>{html.escape(x)}</li>" for x in lines) + "</ul>"


def _title(s: Slide) -> str:
    return f'<h1 class="ct07-slide-title">{html.escape(s.title)}</h1>'


def draw(ctx: Ctx, s: Slide) -> None:
    """One slide: its title, then figures, a chart or a table, then its short lines."""
    if s.kind == "pipeline":
        st.html(f'<div class="ct07-slide" data-slide="{html.escape(s.kind)}">{_title(s)}</div>')
        rows = s.chart["rows"]
        if len(rows):
            st.altair_chart(pipeline_chart(ctx, s), width="stretch")
        if s.lines:
            st.html(f'<div class="ct07-slide">{_lines(s.lines)}</div>')
        return
    body = [_title(s)]
    if s.figures:
        headline = s.kind == "headline"
        body.append(_figures(s.figures, 2 if headline else len(s.figures), big=headline))
    if s.table is not None and s.rows is not None:
        body.append(s.table.html(s.rows, ctx.lang))
    body.append(_lines(s.lines))
    st.html(f'<div class="ct07-slide" data-slide="{html.escape(s.kind)}">{"".join(body)}</div>')


def pipeline_chart(ctx: Ctx, s: Slide) -> alt.TopLevelMixin:
    """charts.pipeline, its text enlarged to slide size (22 px)."""
    n_towns = max(s.chart["rows"]["town"].nunique(), 1)
    step = min(max(CHART_HEIGHT // n_towns, 56), 100)
    chart = charts.pipeline(s.chart["rows"], s.chart["stage_rows"], "n", ctx.tr("slides.pipeline_axis"), "",
                            ctx.tr("slides.pipeline_town"), ctx.lang, step=step)
    size = {"labelFontSize": SLIDE_FONT, "titleFontSize": SLIDE_FONT}
    ink = {"labelColor": "#1f2328", "titleColor": "#1f2328"}
    return (chart.configure_axis(**size, **ink, labelLimit=420)
            .configure_legend(**size, **ink, symbolSize=400, labelLimit=360, columnPadding=24, rowPadding=8))


# -- navigation ------------------------------------------------------------------------------

def controls(ctx: Ctx, k: int, n: int, footer: str) -> None:
    """A bar pinned to the bottom: the footer line, the slide counter, Trước / Sau (arrow keys),
    auto-advance, Thoát."""
    auto = bool(st.session_state.get(AUTO_KEY))
    with st.container(key="ct07_slide_nav"):
        widths = ([4.6, 0.9] if auto else [6.0, 0.95]) + [1.3, 1.15, 1.75] + ([1.4] if auto else []) + [1.05]
        cols = st.columns(widths, vertical_alignment="center", gap="small")
        cols[0].html(f'<div class="ct07-slide-foot">{html.escape(footer)}</div>')
        cols[1].html(f'<div class="ct07-slide-count" data-testid="ct07-slide-count">'
                     f'{html.escape(ctx.tr("slides.counter", k=k, n=n))}</div>')
        cols[2].button(ctx.tr("slides.prev"), key="slides_prev", shortcut="left", on_click=_go,
                       args=(max(k - 1, 1),), disabled=k <= 1,
                       help=ctx.tr("slides.prev_help"), width="stretch")
        cols[3].button(ctx.tr("slides.next"), key="slides_next", shortcut="right", on_click=_go,
                       args=(min(k + 1, n),), disabled=k >= n,
                       help=ctx.tr("slides.next_help"), width="stretch")
        cols[4].toggle(ctx.tr("slides.auto"), key=AUTO_KEY, help=ctx.tr("slides.auto_help"))
        if auto:
            if st.session_state.get(SECONDS_KEY) not in SECONDS:
                st.session_state[SECONDS_KEY] = DEFAULT_SECONDS
            cols[5].selectbox(ctx.tr("slides.seconds"), SECONDS, key=SECONDS_KEY, label_visibility="collapsed",
                              format_func=lambda v: ctx.tr("slides.seconds_value", n=v))
        cols[-1].page_link(str(OVERVIEW), label=ctx.tr("slides.exit"), icon=":material/close:")
    st.session_state[SHOWN_AT] = time.time()
    if auto:
        _auto_advance(k, n, int(st.session_state[SECONDS_KEY]))


def _auto_advance(k: int, n: int, seconds: int) -> None:
    """Rerun a small fragment every ``seconds``; once the slide has been shown that long, move
    to the next one (after the last, back to the first) with a full rerun."""
    @st.fragment(run_every=seconds)
    def tick() -> None:
        if time.time() - st.session_state.get(SHOWN_AT, 0.0) >= seconds - 0.5:
            _go(k % n + 1)
            st.rerun()

    tick()
