"""Altair chart builders: pure functions returning charts, legible on a projector.

Every chart is titled with its takeaway, uses text of at least 16 px, and colours
stages with the one palette of the ``stage`` table (Okabe-Ito, colour-blind safe).
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from lib.fmt import is_missing, number

FONT_SIZE = 16
TITLE_SIZE = 20

# Number and date formats of Vega (d3-format / d3-time-format locales).
VI_LOCALE = {
    "number": {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["", " đ"]},
    "time": {"dateTime": "%A, %e %B %Y, %X", "date": "%d/%m/%Y", "time": "%H:%M:%S",
             "periods": ["SA", "CH"],
             "days": ["Chủ nhật", "Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy"],
             "shortDays": ["CN", "T2", "T3", "T4", "T5", "T6", "T7"],
             "months": [f"tháng {m}" for m in range(1, 13)],
             "shortMonths": [f"Th{m}" for m in range(1, 13)]},
}
EN_LOCALE = {
    "number": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["", " VND"]},
    "time": {"dateTime": "%a %b %e %X %Y", "date": "%m/%d/%Y", "time": "%H:%M:%S", "periods": ["AM", "PM"],
             "days": ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"],
             "shortDays": ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"],
             "months": ["January", "February", "March", "April", "May", "June", "July", "August",
                        "September", "October", "November", "December"],
             "shortMonths": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]},
}
THEME = "ct07"


@alt.theme.register(THEME, enable=True)
def _theme() -> alt.theme.ThemeConfig:
    """The one chart theme: large text for a room reading a 1280x720 projector, the
    Vietnamese number locale (1.036,5), no frame. Every chart of the app gets it."""
    size = {"labelFontSize": FONT_SIZE, "titleFontSize": FONT_SIZE}
    return alt.theme.ThemeConfig({"config": {
        "locale": VI_LOCALE,
        "numberFormat": ",~r",
        "axis": {**size, "labelLimit": 320},
        "legend": {**size, "labelLimit": 320, "orient": "bottom"},
        "header": size,
        "title": {"fontSize": TITLE_SIZE, "anchor": "start", "limit": 1100},
        "view": {"strokeWidth": 0},
        # marks are not announced one by one to a screen reader: the chart's title says its message
        "mark": {"aria": False}, "bar": {"aria": False}, "text": {"fontSize": FONT_SIZE, "aria": False},
        "rule": {"aria": False}, "point": {"aria": False}, "line": {"aria": False},
        "tick": {"aria": False}, "area": {"aria": False},
    }})


def projector(chart: alt.TopLevelMixin, height: int | None = None, step: int | None = None,
              lang: str = "vi") -> alt.TopLevelMixin:
    """Size a chart for the projector; text sizes and the number locale come from the theme.

    Bar charts over a discrete axis pass ``step`` (pixels a bar) rather than a height:
    a legend below a chart of fixed height would squeeze its bars. An English chart swaps
    the theme's Vietnamese number locale for the English one."""
    c = chart.configure(locale=EN_LOCALE) if lang == "en" else chart
    if step:
        return c.properties(height=alt.Step(step))
    return c.properties(height=height) if height else c


def stage_scale(stage_rows: pd.DataFrame) -> alt.Scale:
    """The one stage colour scale: domain = stage labels in order, range = their colours."""
    rows = stage_rows.sort_values("order")
    return alt.Scale(domain=list(rows["label"]), range=list(rows["color"]))


def number_axis(title: str, lang: str = "vi", integer: bool = False, **kw) -> alt.Axis:
    """A quantitative axis; an axis of counts shows whole numbers only (never 0,5 công trình)."""
    if integer or kw.get("tickMinStep") == 1:
        kw.setdefault("tickMinStep", 1)
        kw.setdefault("format", ",d")
    return alt.Axis(title=title, **kw)


def stage_bars(by_stage: pd.DataFrame, value: str, value_title: str, title: str,
               decimals: int = 0, lang: str = "vi", missing_text: str = "",
               step: int = 36, integer: bool = False) -> alt.LayerChart:
    """Horizontal bars, one per stage, coloured by stage; a stage with no figure reads ``missing_text``."""
    data = by_stage.copy()
    data["value_text"] = [number(v, decimals, lang) if not is_missing(v) else missing_text
                          for v in data[value]]
    data["text_x"] = data[value].astype("Float64").fillna(0).astype(float)
    data[value] = data[value].astype("Float64").astype(float)
    order = list(data.sort_values("order")["label"])
    y = alt.Y("label:N", sort=order, title=None)
    bars = alt.Chart(data).mark_bar().encode(
        y=y, x=alt.X(f"{value}:Q", axis=number_axis(value_title, lang, **({"tickMinStep": 1} if integer else {}))),
        color=alt.Color("label:N", scale=stage_scale(by_stage), legend=None),
        tooltip=[alt.Tooltip("label:N", title=" "), alt.Tooltip("value_text:N", title=value_title)],
    )
    text = alt.Chart(data).mark_text(align="left", dx=6, fontSize=FONT_SIZE).encode(
        y=y, x=alt.X("text_x:Q"), text="value_text:N")
    return projector(alt.layer(bars, text, title=title), step=step, lang=lang)


# Paul Tol's "bright" scheme (colour-blind safe), for areas; stages keep their own colours.
TOWN_COLORS = ["#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377", "#BBBBBB"]
STAGE_PICK = "stage_pick"  # the selection a click on the pipeline chart makes


def town_scale(labels: list[str]) -> alt.Scale:
    return alt.Scale(domain=labels, range=TOWN_COLORS[:len(labels)])


def pipeline(rows: pd.DataFrame, stage_rows: pd.DataFrame, value: str, value_title: str, title: str,
             town_title: str, lang: str = "vi", decimals: int = 0, selectable: bool = False,
             step: int = 44) -> alt.Chart:
    """Works (or investment) per area, stacked by stage in stage order; a click can pick a stage."""
    data = rows.copy()
    data[value] = data[value].astype("Float64").astype(float)
    data["value_text"] = [number(v, decimals, lang) if not is_missing(v) else "" for v in data[value]]
    chart = alt.Chart(data, title=title).mark_bar().encode(
        y=alt.Y("town_label:N", title=None, sort=list(dict.fromkeys(data.sort_values("town_order")["town_label"]))
                if "town_order" in data else None),
        x=alt.X(f"{value}:Q", stack="zero",
                axis=number_axis(value_title, lang, **({"tickMinStep": 1} if decimals == 0 else {}))),
        color=alt.Color("stage_label:N", scale=stage_scale(stage_rows), title=None,
                        legend=alt.Legend(orient="bottom", columns=4)),
        order=alt.Order("stage_order:Q"),
        tooltip=[alt.Tooltip("town_label:N", title=town_title), alt.Tooltip("stage_label:N", title=" "),
                 alt.Tooltip("value_text:N", title=value_title)],
    )
    if selectable:
        pick = alt.selection_point(name=STAGE_PICK, fields=["stage_key"])
        chart = chart.add_params(pick).encode(
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.35)))
    return projector(chart, step=step, lang=lang)


def category_by_town(rows: pd.DataFrame, title: str, value_title: str, town_title: str,
                     lang: str = "vi", step: int = 36) -> alt.Chart:
    """Investment per category, split by area (rows: category_label, town_label, investment_ty)."""
    data = rows.copy()
    data["investment_ty"] = data["investment_ty"].astype("Float64").astype(float)
    data["value_text"] = [number(v, 3, lang) for v in data["investment_ty"]]
    order = list(data.groupby("category_label")["investment_ty"].sum().sort_values(ascending=False).index)
    towns = list(dict.fromkeys(data.sort_values("town_order")["town_label"]))
    chart = alt.Chart(data, title=title).mark_bar().encode(
        y=alt.Y("category_label:N", sort=order, title=None),
        x=alt.X("investment_ty:Q", stack="zero", axis=number_axis(value_title, lang)),
        color=alt.Color("town_label:N", scale=town_scale(towns), title=town_title,
                        legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("category_label:N", title=" "), alt.Tooltip("town_label:N", title=town_title),
                 alt.Tooltip("value_text:N", title=value_title)],
    )
    return projector(chart, step=step, lang=lang)


def timeline(rows: pd.DataFrame, stage_rows: pd.DataFrame, as_of_year: float, title: str,
             labels: dict[str, str], step: int = 34) -> alt.LayerChart:
    """Each work's expected completion year (filled, coloured by stage) against its baseline
    (outlined), with a rule at the data's date. rows: label, stage_label, baseline_year, expected_year."""
    data = rows.copy()
    data["cur_start"] = data["expected_year"].astype(float)
    data["cur_end"] = data["cur_start"] + 1
    data["base_start"] = data["baseline_year"].astype("Float64").astype(float)
    data["base_end"] = data["base_start"] + 1
    order = list(data["label"])
    lo = int(min(data["cur_start"].min(), data["base_start"].min(), as_of_year)) - 1
    hi = int(max(data["cur_end"].max(), data["base_end"].max(), as_of_year)) + 1
    x_scale = alt.Scale(domain=[lo, hi])
    y = alt.Y("label:N", sort=order, title=None)
    year_axis = alt.Axis(title=labels["year"], format="d", tickMinStep=1)
    current = alt.Chart(data).mark_bar(height=18).encode(
        y=y, x=alt.X("cur_start:Q", scale=x_scale, axis=year_axis), x2="cur_end:Q",
        color=alt.Color("stage_label:N", scale=stage_scale(stage_rows), title=None,
                        legend=alt.Legend(orient="bottom", columns=4)),
        tooltip=[alt.Tooltip("label:N", title=" "), alt.Tooltip("expected_year:Q", title=labels["current"], format="d"),
                 alt.Tooltip("baseline_year:Q", title=labels["baseline"], format="d")])
    baseline = alt.Chart(data[data["base_start"].notna()]).mark_bar(
        height=26, filled=False, stroke="#000000", strokeWidth=2, strokeDash=[4, 3]).encode(
        y=y, x=alt.X("base_start:Q", scale=x_scale), x2="base_end:Q")
    rule_data = pd.DataFrame({"x": [as_of_year], "label": [labels["as_of"]]})
    rule = alt.Chart(rule_data).mark_rule(color="#000000", strokeWidth=2).encode(x=alt.X("x:Q", scale=x_scale))
    rule_text = alt.Chart(rule_data).mark_text(align="left", dx=4, dy=-6, fontSize=FONT_SIZE, baseline="bottom").encode(
        x=alt.X("x:Q", scale=x_scale), y=alt.value(0), text="label:N")
    return projector(alt.layer(current, baseline, rule, rule_text, title=title), step=step)


def progress_over_periods(rows: pd.DataFrame, title: str, labels: dict[str, str],
                          lang: str = "vi") -> alt.Chart:
    """One small panel per measure across reporting periods; with one period, points without lines
    (rows: period_label, period_order, measure, value)."""
    data = rows.dropna(subset=["value"]).copy()
    data["value_text"] = [number(v, 1, lang) for v in data["value"]]
    order = list(dict.fromkeys(data.sort_values("period_order")["period_label"]))
    single = len(order) == 1
    base = alt.Chart(data).encode(
        x=alt.X("period_label:N", sort=order, title=labels["period"], axis=alt.Axis(labelAngle=0)),
        y=alt.Y("value:Q", axis=number_axis(labels["value"], lang), scale=alt.Scale(zero=True)),
        tooltip=[alt.Tooltip("period_label:N", title=labels["period"]), alt.Tooltip("value_text:N", title=labels["value"])])
    marks = base.mark_point(size=160, filled=True, color="#0072B2")
    text = base.mark_text(dy=-16, fontSize=FONT_SIZE).encode(text="value_text:N")
    layers = [marks, text] if single else [base.mark_line(color="#0072B2"), marks, text]
    chart = alt.layer(*layers).properties(width=260, height=220).facet(
        column=alt.Column("measure:N", title=None, header=alt.Header(labelFontSize=FONT_SIZE, labelLimit=360)),
        title=title).resolve_scale(y="independent")
    return projector(chart, lang=lang)


def physical_financial(rows: pd.DataFrame, title: str, labels: dict[str, str], lang: str = "vi") -> alt.Chart:
    """% done and % disbursed per work, where known (rows: label, measure, value)."""
    data = rows.dropna(subset=["value"]).copy()
    data["value_text"] = [number(v, 1, lang) + " %" for v in data["value"]]
    chart = alt.Chart(data, title=title).mark_bar().encode(
        y=alt.Y("label:N", title=None), yOffset="measure:N",
        x=alt.X("value:Q", scale=alt.Scale(domain=[0, 100]), axis=number_axis("%", lang)),
        color=alt.Color("measure:N", scale=alt.Scale(range=["#0072B2", "#E69F00"]), title=labels["measure"],
                        legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("label:N", title=" "), alt.Tooltip("measure:N", title=labels["measure"]),
                 alt.Tooltip("value_text:N", title="%")])
    return projector(chart, step=22, lang=lang)


def status_history(rows: pd.DataFrame, stage_rows: pd.DataFrame, title: str, labels: dict[str, str],
                   height: int = 120) -> alt.LayerChart:
    """A work's updates along time: one dot per update, coloured by its stage
    (rows: as_of (datetime), stage_label, period_label, expected_text)."""
    data = rows.copy()
    points = alt.Chart(data).mark_point(size=400, filled=True, opacity=1).encode(
        x=alt.X("as_of:T", title=labels["date"], axis=alt.Axis(format="%m/%Y", tickCount="month")),
        color=alt.Color("stage_label:N", scale=stage_scale(stage_rows), title=None, legend=None),
        tooltip=[alt.Tooltip("period_label:N", title=labels["period"]), alt.Tooltip("stage_label:N", title=" "),
                 alt.Tooltip("expected_text:N", title=labels["expected"])])
    text = alt.Chart(data).mark_text(dy=-22, fontSize=FONT_SIZE).encode(x="as_of:T", text="stage_label:N")
    line = alt.Chart(data).mark_line(color="#999999").encode(x="as_of:T")
    return projector(alt.layer(line, points, text, title=title), height=height)


# Paul Tol's "vibrant" red and orange for flag severities (distinct from the stage colours).
SEVERITY_COLORS = {"red": "#CC3311", "amber": "#EE7733"}


def severity_scale(labels: dict[str, str]) -> alt.Scale:
    """labels: severity code -> label shown."""
    return alt.Scale(domain=[labels[s] for s in SEVERITY_COLORS], range=list(SEVERITY_COLORS.values()))


def cause_bars(rows: pd.DataFrame, title: str, value_title: str, lang: str = "vi") -> alt.LayerChart:
    """Works per cause of delay, in the report's order (rows: label, n_works, order)."""
    data = rows.copy()
    y = alt.Y("label:N", sort=list(data.sort_values("order")["label"]), title=None)
    bars = alt.Chart(data).mark_bar(color="#0077BB").encode(
        y=y, x=alt.X("n_works:Q", axis=number_axis(value_title, lang, tickMinStep=1)),
        tooltip=[alt.Tooltip("label:N", title=" "), alt.Tooltip("n_works:Q", title=value_title)])
    text = alt.Chart(data).mark_text(align="left", dx=6, fontSize=FONT_SIZE).encode(y=y, x="n_works:Q", text="n_works:Q")
    return projector(alt.layer(bars, text, title=title), step=40, lang=lang)


def flags_by_town(rows: pd.DataFrame, labels: dict[str, str], title: str, value_title: str,
                  lang: str = "vi") -> alt.Chart:
    """Flagged works per area, stacked red then amber (rows: town_label, town_order, severity_label, n)."""
    data = rows.copy()
    data["sev_order"] = data["severity"].map({s: i for i, s in enumerate(SEVERITY_COLORS)})
    chart = alt.Chart(data, title=title).mark_bar().encode(
        y=alt.Y("town_label:N", sort=list(dict.fromkeys(data.sort_values("town_order")["town_label"])), title=None),
        x=alt.X("n:Q", stack="zero", axis=number_axis(value_title, lang, tickMinStep=1)),
        color=alt.Color("severity_label:N", scale=severity_scale(labels), title=None, legend=alt.Legend(orient="bottom")),
        order=alt.Order("sev_order:Q"),
        tooltip=[alt.Tooltip("town_label:N", title=" "), alt.Tooltip("severity_label:N", title=" "),
                 alt.Tooltip("n:Q", title=value_title)])
    return projector(chart, step=40, lang=lang)


def flag_trend(rows: pd.DataFrame, labels: dict[str, str], title: str, value_title: str, period_title: str,
               lang: str = "vi") -> alt.LayerChart:
    """Flagged works per reporting period by severity; points only when there is one period
    (rows: period_label, period_order, severity, severity_label, n)."""
    data = rows.copy()
    order = list(dict.fromkeys(data.sort_values("period_order")["period_label"]))
    base = alt.Chart(data).encode(
        x=alt.X("period_label:N", sort=order, title=period_title, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("n:Q", axis=number_axis(value_title, lang, tickMinStep=1), scale=alt.Scale(zero=True)),
        color=alt.Color("severity_label:N", scale=severity_scale(labels), title=None, legend=alt.Legend(orient="right")),
        tooltip=[alt.Tooltip("period_label:N", title=period_title), alt.Tooltip("severity_label:N", title=" "),
                 alt.Tooltip("n:Q", title=value_title)])
    layers = [base.mark_point(size=160, filled=True), base.mark_text(dx=14, align="left", fontSize=FONT_SIZE).encode(text="n:Q")]
    if len(order) > 1:
        layers.insert(0, base.mark_line())
    return projector(alt.layer(*layers, title=title), height=240, lang=lang)


def group_points(rows: pd.DataFrame, title: str, labels: dict[str, str], lang: str = "vi") -> alt.LayerChart:
    """Points per criterion group: earned (filled) against the maximum (outline), with the group
    minimum as a tick (rows: group_label, points, max_points, min_points)."""
    data = rows.copy()
    for c in ("points", "max_points", "min_points"):
        data[c] = data[c].astype("Float64").astype(float)
    data["points_text"] = [number(v, 2, lang) if not is_missing(v) else labels["no_data"] for v in data["points"]]
    data["text_x"] = data["points"].fillna(0)
    y = alt.Y("group_label:N", sort=list(data["group_label"]), title=None, axis=alt.Axis(labelLimit=420))
    x_title = labels["points"]
    maxb = alt.Chart(data).mark_bar(filled=False, stroke="#555555", strokeWidth=1.5).encode(
        y=y, x=alt.X("max_points:Q", axis=number_axis(x_title, lang)),
        tooltip=[alt.Tooltip("group_label:N", title=" "), alt.Tooltip("max_points:Q", title=labels["max"])])
    earned = alt.Chart(data).mark_bar(color="#0072B2").encode(
        y=y, x="points:Q", tooltip=[alt.Tooltip("group_label:N", title=" "),
                                    alt.Tooltip("points_text:N", title=labels["earned"])])
    minimum = alt.Chart(data[data["min_points"].notna()]).mark_tick(color="#CC3311", thickness=3, size=34).encode(
        y=y, x="min_points:Q", tooltip=[alt.Tooltip("min_points:Q", title=labels["min"])])
    text = alt.Chart(data).mark_text(align="left", dx=6, fontSize=FONT_SIZE).encode(y=y, x="text_x:Q", text="points_text:N")
    return projector(alt.layer(maxb, earned, minimum, text, title=title), step=44, lang=lang)
