"""A scenario written out: parameter and outcome rows in the language's formats, the side-by-side
comparison (Excel keeps numbers as numbers, JSON), and the minutes. Never imports streamlit."""
from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pandas as pd

from lib import export, fmt
from lib.fmt import TY
from lib.i18n import t
from lib.scenario import MAX_COMPARE, Scenario
from lib.scenario_towns import TownProjection
from lib.whatif import Outcomes

def town_result_text(p: TownProjection, end_year: int, lang: str) -> str:
    if p.status == "dat":
        return t("funding.town_reached", lang, year=p.first_year)
    if p.status == "chua_du_so_lieu":
        return t("funding.town_no_data", lang, n=p.n_scored, total=p.n_total)
    return t("funding.town_not_reached", lang, end=end_year)


def _towns_text(scenario: Scenario, town_names: Mapping[str, str], lang: str) -> str:
    if scenario.towns is None:
        return t("funding.all_towns", lang)
    return ", ".join(town_names.get(x, x) for x in scenario.towns) or "-"


def _yes_no(v: bool, lang: str) -> str:
    return t("funding.yes", lang) if v else t("funding.no", lang)


def _stage_text(scenario: Scenario, stage_labels: Mapping[str, str], lang: str) -> str:
    months = scenario.months
    return "; ".join(t("funding.stage_pair", lang, stage=stage_labels.get(s, s), share=fmt.percent(v * 100, lang, 0),
                       months=fmt.number(months[s], 1, lang))
                     for s, v in scenario.done_share_by_stage)


def parameter_rows(scenario: Scenario, town_names: Mapping[str, str], stage_labels: Mapping[str, str],
                   lang: str, detail: bool = False) -> list[tuple[str, str]]:
    """(label, value) for every parameter, in Vietnamese (or English) formats."""
    s = scenario
    rows = [
        (t("funding.p_horizon", lang), f"{s.start_year}-{s.end_year}"),
        (t("funding.p_towns", lang), _towns_text(s, town_names, lang)),
        (t("funding.p_state", lang), fmt.ty(s.state_budget_vnd, lang)),
        (t("funding.p_nonstate", lang), fmt.ty(s.non_state_vnd, lang)),
        (t("funding.p_total", lang), fmt.ty(s.total_vnd, lang)),
        (t("funding.p_rule", lang), t(f"funding.rule.{s.rule}", lang)),
        (t("funding.p_overrun", lang), fmt.percent(s.cost_overrun_pct, lang, 1)),
        (t("funding.p_clearance", lang), t("funding.months_value", lang, n=fmt.number(s.clearance_extra_months, 1, lang))),
        (t("funding.p_build", lang), t("funding.years_value", lang, n=s.min_build_years)),
        (t("funding.p_carry", lang), _yes_no(s.carry_unspent, lang)),
    ]
    if detail:
        months = s.months
        for stage, share in s.done_share_by_stage:
            label = stage_labels.get(stage, stage)
            rows.append((t("funding.p_share_of", lang, stage=label), fmt.percent(share * 100, lang, 0)))
            rows.append((t("funding.p_months_of", lang, stage=label),
                         t("funding.months_value", lang, n=fmt.number(months[stage], 1, lang))))
    else:
        rows.append((t("funding.p_stages", lang), _stage_text(s, stage_labels, lang)))
    return rows


def outcome_rows(o: Outcomes, town_names: Mapping[str, str], lang: str) -> list[tuple[str, str]]:
    rows = [
        (t("funding.o_done", lang, end=o.end_year), t("funding.o_done_value", lang, n=o.n_done, total=o.n_simulated)),
        (t("funding.o_outstanding", lang, end=o.end_year), fmt.ty(o.outstanding_vnd, lang)),
        (t("funding.o_spent", lang, start=o.start_year, end=o.end_year), fmt.ty(o.spent_vnd, lang)),
        (t("funding.o_not_simulated", lang), ", ".join(o.not_simulated) or "-"),
    ]
    for p in o.towns:
        rows.append((t("funding.o_town", lang, town=town_names.get(p.town, p.town), c=p.class_code),
                     town_result_text(p, o.end_year, lang)))
    return rows


def comparison_frame(items: list[tuple[str, Scenario, Outcomes]], town_names: Mapping[str, str],
                     stage_labels: Mapping[str, str], lang: str = "vi", detail: bool = False) -> pd.DataFrame:
    """Scenarios side by side: one row per parameter and key outcome, one column per scenario.

    A town row reads per scenario; a town absent from a scenario's towns reads '-'."""
    if len(items) > MAX_COMPARE + 1:
        raise ValueError(f"at most {MAX_COMPARE + 1} scenarios side by side")
    label_col = t("funding.cmp_item", lang)
    columns: dict[str, dict[str, str]] = {}
    order: list[str] = []
    for name, scenario, outcome in items:
        col: dict[str, str] = {}
        for label, value in parameter_rows(scenario, town_names, stage_labels, lang, detail) + \
                outcome_rows(outcome, town_names, lang):
            col[label] = value
            if label not in order:
                order.append(label)
        columns[name] = col
    out = pd.DataFrame({label_col: order, **{n: [c.get(lbl, "-") for lbl in order] for n, c in columns.items()}})
    # The quantities as numbers, for the workbook (the frame itself holds the screen's text).
    out.attrs["numbers"] = {name: _number_cells(scenario, outcome, stage_labels, lang, detail)
                            for name, scenario, outcome in items}
    return out


def _number_cells(s: Scenario, o: Outcomes, stage_labels: Mapping[str, str], lang: str,
                  detail: bool) -> dict[str, tuple[float, str]]:
    """The rows of ``comparison_frame`` that are quantities: label -> (number, Excel format).
    Money in tỷ đồng to 0,001 (one precision for the sheet), shares as percentages."""
    money = f'#,##0.000" {t("unit.ty_dong", lang)}"'
    months = f'#,##0.0" {t("funding.months_value", lang, n="").strip()}"'
    years = f'0" {t("funding.years_value", lang, n="").strip()}"'
    pct = "0.0%"
    cells = {
        t("funding.p_state", lang): (s.state_budget_vnd / TY, money),
        t("funding.p_nonstate", lang): (s.non_state_vnd / TY, money),
        t("funding.p_total", lang): (s.total_vnd / TY, money),
        t("funding.p_overrun", lang): (s.cost_overrun_pct / 100, pct),
        t("funding.p_clearance", lang): (float(s.clearance_extra_months), months),
        t("funding.p_build", lang): (int(s.min_build_years), years),
        t("funding.o_outstanding", lang, end=o.end_year): (o.outstanding_vnd / TY, money),
        t("funding.o_spent", lang, start=o.start_year, end=o.end_year): (o.spent_vnd / TY, money),
    }
    if detail:
        stage_months = s.months
        for stage, share in s.done_share_by_stage:
            label = stage_labels.get(stage, stage)
            cells[t("funding.p_share_of", lang, stage=label)] = (float(share), pct)
            cells[t("funding.p_months_of", lang, stage=label)] = (float(stage_months[stage]), months)
    return cells


def comparison_xlsx(table: pd.DataFrame, meta_lines: list[str], lang: str = "vi") -> bytes:
    """The comparison as a workbook: amounts, shares, months and years are numeric cells with
    a number format (from ``table.attrs["numbers"]``, set by ``comparison_frame``); the rest text."""
    numbers = table.attrs.get("numbers") or {}
    out = table.astype(object)
    formats: list[str | None] = [None] * len(out)
    labels = list(out.iloc[:, 0]) if len(out.columns) else []
    for col, cells in numbers.items():
        if col not in out.columns or col == out.columns[0]:
            continue
        j = out.columns.get_loc(col)
        for i, label in enumerate(labels):
            if label in cells and out.iat[i, j] != "-":
                out.iat[i, j], formats[i] = cells[label]
    return export.to_xlsx_bytes(out, t("funding.cmp_sheet", lang), meta_lines, row_formats=formats)


def _outcomes_dict(o: Outcomes) -> dict[str, Any]:
    return {
        "start_year": o.start_year, "end_year": o.end_year,
        "works_simulated": o.n_simulated, "works_complete_by_end": o.n_done,
        "works_not_simulated": list(o.not_simulated),
        "unfunded_need_at_end_vnd": round(o.outstanding_vnd), "spent_vnd": round(o.spent_vnd),
        "towns": [{"town": p.town, "ruleset": p.ruleset_id, "class": p.class_code, "status": p.status,
                   "first_year_reaching_class": p.first_year, "standards_scored": p.n_scored,
                   "standards_total": p.n_total, "uses_illustrative_data": p.uses_demo} for p in o.towns],
    }


def comparison_json(items: list[dict[str, Any]], meta: dict[str, Any]) -> bytes:
    """items: dicts with name, scenario (Scenario), outcomes (Outcomes) and, for saved ones,
    created_by, created_at, note. Returns UTF-8 JSON."""
    out = []
    for item in items:
        entry = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in item.items()
                 if k not in ("scenario", "outcomes")}
        entry["params"] = item["scenario"].to_dict()
        entry["outcomes"] = _outcomes_dict(item["outcomes"])
        out.append(entry)
    return json.dumps({**meta, "scenarios": out}, ensure_ascii=False, indent=2, default=str).encode("utf-8")


def minutes_markdown(name: str, scenario: Scenario, o: Outcomes, *, as_of_text: str, period_label: str,
                     town_names: Mapping[str, str], stage_labels: Mapping[str, str],
                     not_simulated_names: Mapping[str, str], ruleset_name: str, uses_demo: bool,
                     lang: str = "vi", now: datetime | None = None) -> str:
    """The scenario written out for the minutes: every parameter, the data's date, the key
    results and what was left out, in the language's number formats."""
    now = now or datetime.now()
    # Markdown: every name typed by a user (scenario, works, towns, rule-set) is escaped, never rendered
    md = lambda v: fmt.md_escape(v, 500)  # noqa: E731
    name, ruleset_name, period_label = md(name), md(ruleset_name), md(period_label)
    town_names = {k: md(v) for k, v in town_names.items()}
    # only the names written below (the page passes every work's: a province has thousands)
    not_simulated_names = {k: md(not_simulated_names[k]) for k in o.not_simulated if k in not_simulated_names}
    lines = [f"### {t('funding.min_title', lang, name=name)}", "",
             t("funding.min_as_of", lang, date=as_of_text, period=period_label), "",
             t("funding.min_made", lang, when=now.strftime("%d/%m/%Y %H:%M")), ""]
    if uses_demo:
        lines += [f"**{t('funding.demo_banner', lang)}**", ""]
    lines.append(f"**{t('funding.min_params', lang)}**")
    lines.append("")
    for label, value in parameter_rows(scenario, town_names, stage_labels, lang):
        lines.append(f"- {label}: {value}")
    lines.append(f"- {t('funding.min_model', lang)}")
    lines += ["", f"**{t('funding.min_results', lang)}**", ""]
    for label, value in outcome_rows(o, town_names, lang):
        lines.append(f"- {label}: {value}")
    lines.append(f"- {t('funding.min_ruleset', lang, name=ruleset_name)}")
    if o.not_simulated:
        lines += ["", t("funding.min_not_simulated", lang) + " " + "; ".join(
            f"{w} ({not_simulated_names.get(w, w)})" for w in o.not_simulated)]
    return "\n".join(lines) + "\n"
