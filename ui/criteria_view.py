"""The town scorecard: pieces of the criteria page."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date

import pandas as pd
import streamlit as st

from lib.i18n import text_of
from lib import charts, criteria, fmt, queries, sources
from lib.rulesets import FILES, MAX_FILE_BYTES, RulesetError
from lib.tables import Col, Table
from lib.db import DatabaseError, ValidationError
from ui import auth_view, frame, table
from ui.frame import Ctx

DEMO_KEY = "crit_demo"
CLASS_FOR_KEY = "_crit_class_for"   # the (town, rule-set) the class selector was last set for
CLASS_CHOICES_KEY = "crit_class_by_town"   # {(town, rule-set): class chosen by hand}, for this session


def demo_toggle(ctx: Ctx) -> bool:
    if not frame.read(criteria.has_demo):
        return False
    return st.toggle(ctx.tr("crit.demo"), key=DEMO_KEY, help=ctx.tr("crit.demo_help"))


def demo_banner(ctx: Ctx) -> None:
    st.warning(ctx.tr("crit.demo_banner"), icon=":material/science:")


def catalog():
    """``criteria.catalog`` (the stored rule-sets) read through the frame's cache and kept by the
    session: reading its thousands of small objects back from the cache on every run was a fifth
    of a small page's server time. Raises ``RulesetError`` as the read does."""
    return frame.kept("rulesets", (), lambda: frame.read(criteria.catalog))


def load_catalog(ctx: Ctx):
    """The stored rule-sets, or None after saying in Vietnamese why there are none to use: no
    rule-set stored, or stored files that no longer pass the checks (written by an older
    version or by hand). The caller then shows the import box."""
    if frame.read(criteria.ruleset_file_info).empty:
        st.warning(ctx.tr("crit.rs_none"), icon=":material/rule:")
        return None
    try:
        catalog_ = catalog()
    except RulesetError as e:
        st.error(ctx.tr("crit.rs_invalid", n=len(e.issues)) + "\n\n"
                 + "\n".join(f"- {fmt.md_escape(i.text(ctx.lang), 300)}" for i in e.issues[:20]), icon=":material/error:")
        return None
    if not len(catalog_):
        st.warning(ctx.tr("crit.rs_none"), icon=":material/rule:")
        return None
    return catalog_


def default_ruleset(ctx: Ctx, catalog) -> str:
    """criteria.DEFAULT_RULESET when stored; else the first rule-set, with a notice."""
    chosen = criteria.default_ruleset_id(catalog)
    if chosen != criteria.DEFAULT_RULESET:
        st.warning(ctx.tr("crit.rs_default_missing", id=fmt.md_escape(criteria.DEFAULT_RULESET),
                          name=fmt.md_escape(catalog[chosen].info.name)), icon=":material/rule:")
    return chosen


@contextmanager
def guard(ctx: Ctx, ruleset):
    """Draw a part of the page; when the chosen rule-set's data do not allow it (a class with no
    standard, a standard without a group...), say so in Vietnamese instead of failing, so the
    rest of the page, and the import box, still draw."""
    try:
        yield
    except (KeyError, ValueError, IndexError, TypeError, ZeroDivisionError, AttributeError) as e:
        st.warning(ctx.tr("crit.rs_broken", name=fmt.md_escape(ruleset.info.name),
                          error=fmt.md_escape(text_of(e, ctx.lang).strip("'\""), 300)), icon=":material/warning:")


def programme_towns(ctx: Ctx) -> list[str]:
    """The programme's towns (those with a target) that the area filter keeps, in area order."""
    targeted = set(frame.read(queries.targets, ctx.programme)["area_id"])
    return [t for t in ctx.town_options["id"] if t in targeted and (ctx.towns is None or t in ctx.towns)]


def transition(catalog):
    """The rule-set whose note records that former class IV/V towns count as class III
    (NQ 111/2025, Điều 15), if the rule-set data hold it."""
    for r in catalog:
        note = r.info.note or ""
        if "Điều 15" in note and "loại III" in note and "III" in r.info.classes:
            return r.info
    return None




def class_choices() -> dict:
    """The classes chosen by hand in this session, by (town, rule-set)."""
    return st.session_state.setdefault(CLASS_CHOICES_KEY, {})


def chosen_class(town: str, ruleset, target: str | None) -> str:
    """The class a town is scored against on the pages: the one chosen by hand for this town and
    rule-set in this session, else the class that follows its target (criteria.default_class)."""
    picked = class_choices().get((town, ruleset.info.id))
    return picked if picked in ruleset.classes else criteria.default_class(ruleset, target)


def class_follows_town(town: str, ruleset, target: str | None) -> None:
    """Set the class selector whenever the town or the rule-set changes: to the class chosen by
    hand for that town earlier in the session, else to the class of the town's target."""
    classes = list(ruleset.classes)
    current = (town, ruleset.info.id)
    if st.session_state.get(CLASS_FOR_KEY) != current or st.session_state.get("crit_class") not in classes:
        st.session_state["crit_class"] = chosen_class(town, ruleset, target)
        st.session_state[CLASS_FOR_KEY] = current


def remember_class(town: str, ruleset, target: str | None, class_code: str) -> None:
    """Keep a class picked by hand for this town (forget it when it is the town's own class)."""
    key = (town, ruleset.info.id)
    if class_code == criteria.default_class(ruleset, target):
        class_choices().pop(key, None)
    else:
        class_choices()[key] = class_code


def class_selector(ctx: Ctx, col, town: str, ruleset, target: str | None, target_year=None) -> str:
    """The class selector of the detail: follows the town, a deliberate choice is kept per town;
    the target is marked in the options and said under the selector."""
    class_follows_town(town, ruleset, target)
    cls = col.selectbox(ctx.tr("crit.class"), list(ruleset.classes), key="crit_class",
                        format_func=lambda c: ctx.tr("crit.class_target_mark", c=c) if c == target
                        else ctx.tr("crit.class_label", c=c), placeholder=ctx.tr("crit.class_ph"),
                        on_change=lambda: remember_class(town, ruleset, target, st.session_state["crit_class"]))
    target_text = (ctx.tr("crit.target_cell", c=target, year=int(target_year))
                   if target and not fmt.is_missing(target_year)
                   else ctx.tr("crit.class_label", c=target) if target else ctx.tr("common.no_data"))
    target_text = target_text[:1].lower() + target_text[1:] if ctx.lang == "vi" else target_text
    if cls != criteria.default_class(ruleset, target):
        st.caption(ctx.tr("crit.class_chosen", c=fmt.md_escape(cls), target=fmt.md_escape(target_text)))
    else:
        st.caption(ctx.tr("crit.class_follows", target=fmt.md_escape(target_text)))
    return cls


TARGETS = Table("crit_targets", (
    Col("town", "crit.col_town", width=16),
    Col("target", "crit.col_target", width=14),
    Col("legal", "crit.col_legal", width=24),
    Col("verdict", "crit.col_verdict", width=20),
    Col("points", "crit.col_known_points", width=23),
    Col("unknown", "crit.col_unknown", width=12),
    Col("below", "crit.col_below", width=15),
))


def _points_known(ctx: Ctx, res) -> str:
    """'0 / 13' (points earned / points the scored standards can give), or 'chưa chấm được'.
    Never a total out of 100 while standards are unknown."""
    s = res.standards
    scored = s[s["status"].isin(["pass", "below_min"])]
    if scored.empty or fmt.is_missing(res.total):
        return ctx.tr("crit.points_none")
    if res.n_scored == res.n_total:
        return ctx.tr("crit.points_all", points=fmt.number(res.total, 2, ctx.lang),
                      max=fmt.number(res.max_total, 0, ctx.lang))
    return ctx.tr("crit.points_some", points=fmt.number(res.total, 2, ctx.lang),
                  max=fmt.number(scored["max_points"].sum(), 2, ctx.lang), n=res.n_scored)


def target_rows(ctx: Ctx, catalog, ruleset_id: str, towns: list[str], demo: bool,
                today: date | None = None) -> pd.DataFrame:
    """One row per programme town: target, legal status today, the class scored, the rule-set's
    verdict, points known, standards unknown and below their minimum (built once per data version
    and choice, kept by the session: a rerun only draws it)."""
    today = today or date.today()
    ruleset = catalog[ruleset_id]
    targets = frame.read(queries.targets, ctx.programme).drop_duplicates("area_id").set_index("area_id")
    classes = tuple(chosen_class(t, ruleset, targets.loc[t, "target_class"] if t in targets.index else None)
                    for t in towns)
    key = (ctx.lang, ctx.programme, ruleset_id, tuple(towns), classes, demo, today)
    return frame.kept("crit_targets", key, lambda: _target_rows(ctx, catalog, ruleset_id, towns, demo, today)).copy()


def _target_rows(ctx: Ctx, catalog, ruleset_id: str, towns: list[str], demo: bool, today: date) -> pd.DataFrame:
    ruleset = catalog[ruleset_id]
    targets = frame.read(queries.targets, ctx.programme).drop_duplicates("area_id").set_index("area_id")
    law = transition(catalog)
    names = {r["id"]: frame.town_display(r, ctx.lang) for _, r in ctx.town_options.iterrows()}
    rows = []
    for town in towns:
        target = targets.loc[town, "target_class"] if town in targets.index else None
        year = targets.loc[town, "target_year"] if town in targets.index else None
        cls = chosen_class(town, ruleset, target)
        res = frame.read(criteria.scorecard, town, ruleset_id, cls, None, demo).result
        legal = frame.read(criteria.legal_status, town, today, programme=ctx.programme)
        s = res.standards
        n_unknown = int(s["status"].isin(["missing", "rule_unknown"]).sum())
        n_below = int((s["meets_min"].astype("boolean") == False).sum())  # noqa: E712
        verdict = ctx.tr(f"crit.verdict.{res.verdict}")
        if cls != criteria.default_class(ruleset, target):
            verdict = ctx.tr("crit.class_chosen_cell", verdict=verdict, c=cls)
        elif cls != target:
            verdict = ctx.tr("crit.verdict_as", verdict=verdict, c=cls) if law is None or target not in ("IV", "V") \
                else ctx.tr("crit.verdict_as_transition", verdict=verdict, c=cls, old=target)
        rows.append({
            "town": names.get(town, town),
            "target": (ctx.tr("crit.target_cell", c=target, year=int(year)) if target and not fmt.is_missing(year)
                       else ctx.tr("crit.class_label", c=target) if target else None),
            "legal": legal.short(ctx.lang),
            "verdict": verdict,
            "points": _points_known(ctx, res),
            "unknown": ctx.tr("crit.unknown_cell", n=n_unknown, total=res.n_total),
            "below": ctx.tr("crit.below_cell", n=n_below) if n_below else ctx.tr("crit.below_none"),
        })
    return pd.DataFrame(rows)


def targets_strip(ctx: Ctx, catalog, ruleset_id: str, towns: list[str], demo: bool,
                  today: date | None = None) -> None:
    """Each programme town against its target, first on the page; then the law's transition."""
    today = today or date.today()
    info = catalog[ruleset_id].info
    pass_mark = fmt.number(info.pass_mark, 0, ctx.lang) if info.pass_mark else ctx.tr("common.no_data")
    table.show(ctx, TARGETS, target_rows(ctx, catalog, ruleset_id, towns, demo, today),
               caption=ctx.tr("crit.targets_caption", ruleset=info.name, pass_mark=pass_mark) + ". "
               + ctx.tr("crit.targets_today", date=fmt.day(today, ctx.lang)))
    legal_note(ctx, info, transition(catalog), today)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _md(text) -> str:
    return fmt.md_escape(text, limit=2000)


def _value_text(ctx: Ctx, p) -> str:
    return _level_text(p.value, p.unit, ctx.lang) or ctx.tr("common.no_data")


def town_answers(ctx: Ctx, catalog, ruleset_id: str, towns: list[str], demo: bool,
                 today: date | None = None) -> None:
    """Per town, the answer in sentences: legal status today, the assessment, the standards that
    decide it, the evidence that would settle each unknown, thresholds in doubt, adjustments."""
    today = today or date.today()
    ruleset = catalog[ruleset_id]
    cols = st.columns(max(len(towns), 1))
    for col, town in zip(cols, towns):
        target = frame.read(criteria.target_class, town, ctx.programme)
        ans = frame.read(criteria.town_answer, town, ruleset_id, chosen_class(town, ruleset, target), today, demo,
                         programme=ctx.programme)
        with col.container(border=True):
            st.markdown("**" + _md(_cap(ctx.tr("crit.ans.title", town=ans.legal.town_name,
                                                date=fmt.day(today, ctx.lang)))) + "**")
            st.markdown("\n".join("- " + _md(line) for line in ans.lines(ctx.lang)))
            if ans.uses_demo:
                st.caption(ctx.tr("crit.ans.demo"))
            st.markdown("**" + _md(ctx.tr("crit.ans.below_head")) + "**")
            if ans.below:
                st.markdown("\n".join("- " + _md(ctx.tr(
                    "crit.ans.below_item", code=p.label(), name=p.name, value=_value_text(ctx, p),
                    min=_level_text(p.minimum, p.unit, ctx.lang) or ctx.tr("common.no_data"),
                    conf=ctx.tr(f"crit.conf.{p.confidence}").lower())) for p in ans.below))
            else:
                st.caption(ctx.tr("crit.ans.below_none"))
            for p in ans.thresholds:
                st.markdown(_md(ctx.tr("crit.ans.threshold", code=p.code, name=p.name,
                                       min=_level_text(p.minimum, p.unit, ctx.lang) or ctx.tr("common.no_data"),
                                       conf=ctx.tr(f"crit.conf.{p.confidence}").lower(), caveat=p.caveat)))
            st.markdown(_md(ans.unknown_text(ctx.lang)))
            if ans.unknown:
                with st.expander(ctx.tr("crit.ans.unknown_head")):
                    st.markdown("\n".join("- " + _md(_unknown_item(ctx, p)) for p in ans.unknown))
            if ans.notes:
                with st.expander(ctx.tr("crit.ans.adjust_head")):
                    st.markdown("\n".join("- " + _md(text_of(n, ctx.lang)) for n in ans.notes))


def _unknown_item(ctx: Ctx, p) -> str:
    evidence = p.evidence or ctx.tr("crit.ans.evidence_generic")
    evidence = evidence[:1].lower() + evidence[1:]
    name = f"{p.name} ({p.bundle})" if p.bundle else p.name
    if p.status == "rule_unknown":
        return ctx.tr("crit.ans.unknown_rule", code=p.code, name=name, evidence=evidence,
                      legal=p.legal_source or ctx.tr("common.no_data"))
    return ctx.tr("crit.ans.unknown_missing", code=p.code, name=name, evidence=evidence)


def legal_note(ctx: Ctx, info, law, today: date | None = None) -> None:
    """One box: the chosen rule-set's validity, and the transition to NQ 111 when the data hold it."""
    today = today or date.today()
    lines = []
    if info.valid_to and info.valid_to < today:
        lines.append(ctx.tr("crit.expired", date=fmt.day(info.valid_to, ctx.lang)))
    elif info.valid_from and info.valid_from > today:
        lines.append(ctx.tr("crit.future", date=fmt.day(info.valid_from, ctx.lang)))
    if law is not None:
        lines.append(ctx.tr("crit.transition_note", date=fmt.day(law.valid_from, ctx.lang) if law.valid_from
                            else ctx.tr("common.no_data"), legal=law.legal_source or law.name))
    if lines:
        st.info(fmt.md_escape(" ".join(lines), 2000), icon=":material/gavel:")


def kpis(ctx: Ctx, res) -> None:
    c1, c2, c3, c4 = st.columns(4)
    all_scored = res.n_scored == res.n_total and not fmt.is_missing(res.total)
    scored = res.standards[res.standards["status"].isin(["pass", "below_min"])]
    if scored.empty or fmt.is_missing(res.total):
        known = ctx.tr("crit.kpi_none")
    else:  # out of what the scored standards can give, never out of 100 while some are unknown
        known = ctx.tr("crit.kpi_total_value", points=fmt.number(res.total, 2, ctx.lang),
                       max=fmt.number(res.max_total if all_scored else scored["max_points"].sum(), 2, ctx.lang))
    c1.metric(ctx.tr("crit.kpi_total") if all_scored else ctx.tr("crit.kpi_known"), known)
    c2.metric(ctx.tr("crit.kpi_pass"), fmt.number(res.pass_mark, 0, ctx.lang) if res.pass_mark else ctx.tr("common.no_data"))
    c3.metric(ctx.tr("crit.kpi_scored"), ctx.tr("crit.kpi_scored_value", n=res.n_scored, total=res.n_total))
    c4.metric(ctx.tr("crit.kpi_verdict"), ctx.tr(f"crit.verdict.{res.verdict}"))


def groups_chart(ctx: Ctx, res):
    g = res.groups
    at_min = int((g["status"] == "dat").sum())
    best = ctx.tr("crit.groups_none") if g["points"].isna().all() else \
        ctx.tr("crit.groups_some", n=at_min, total=len(g))
    rows = pd.DataFrame({"group_label": [f"{c}. {n}" for c, n in zip(g["code"], g["name"])],
                         "points": g["points"], "max_points": g["max_points"], "min_points": g["min_points"]})
    labels = {"points": ctx.tr("crit.groups_points"), "earned": ctx.tr("crit.groups_kind_points"),
              "max": ctx.tr("crit.groups_kind_max"), "min": ctx.tr("crit.groups_min"),
              "no_data": ctx.tr("common.no_data")}
    return charts.group_points(rows, ctx.tr("crit.groups_title", best=best), labels, ctx.lang)


def _level_text(value, unit, lang):
    if value is None or fmt.is_missing(value) or value == "":
        return ""
    try:
        return fmt.number(float(value), 2, lang) + (f" {unit}" if isinstance(unit, str) and unit not in ("", "level") else "")
    except (TypeError, ValueError):
        return str(value)


def standards_table(ctx: Ctx, res, values: pd.DataFrame, links: pd.DataFrame, key: tuple | None = None) -> pd.DataFrame:
    """The scorecard's standards as the table shows them. ``key``: what the scorecard was made of
    (town, rule-set, class, demo): then built once per data version and kept by the session."""
    if key is not None:
        return frame.kept("crit_standards", (ctx.lang, *key),
                          lambda: standards_table(ctx, res, values, links)).copy()
    vals = values.set_index("standard_code") if len(values) else pd.DataFrame()
    nd = ctx.tr("common.no_data")
    rows = []
    for s in res.standards.itertuples():
        v = vals.loc[s.code] if s.code in vals.index else None
        linked = links[links["standard_code"] == s.code]
        rows.append({
            ctx.tr("crit.col_code"): s.code,
            ctx.tr("crit.col_name"): s.name,
            ctx.tr("crit.col_value"): _level_text(s.value, s.unit, ctx.lang) or nd,
            ctx.tr("crit.col_date"): fmt.day(v["as_of"].date(), ctx.lang) if v is not None and not fmt.is_missing(v["as_of"]) else "",
            ctx.tr("crit.col_source"): (sources.document(v["source"]) + (" " + ctx.tr("crit.demo_mark") if v["is_demo"] else "")) if v is not None else "",
            ctx.tr("crit.col_min"): _level_text(s.min_level_applied, s.unit, ctx.lang) or nd,
            ctx.tr("crit.col_high"): _level_text(s.high_level, s.unit, ctx.lang) or nd,
            ctx.tr("crit.col_points"): fmt.number(s.points, 2, ctx.lang) if not fmt.is_missing(s.points) else "",
            ctx.tr("crit.col_max"): fmt.number(s.max_points, 2, ctx.lang) if not fmt.is_missing(s.max_points) else nd,
            ctx.tr("crit.col_status"): ctx.tr(f"crit.status.{s.status}"),
            ctx.tr("crit.col_gap"): _level_text(s.gap, s.unit, ctx.lang),
            ctx.tr("crit.col_gain"): fmt.number(s.points_if_min, 2, ctx.lang) if not fmt.is_missing(s.points_if_min) else "",
            ctx.tr("crit.col_conf"): ctx.tr(f"crit.conf.{s.confidence}"),
            ctx.tr("crit.col_adjust"): text_of(s.adjustment, ctx.lang) if s.adjustment else "",
            ctx.tr("crit.col_works"): ", ".join(linked["work_id"]),
        })
    return pd.DataFrame(rows)


def _value_origin(ctx: Ctx, values: pd.DataFrame, code: str) -> str:
    """' (31/12/2019; nguồn …)' or ' [minh hoạ]' after a value, so a figure never stands alone."""
    rows = values[values["standard_code"] == code]
    if rows.empty:
        return ""
    v = rows.iloc[0]
    if v["is_demo"]:
        return " " + ctx.tr("crit.demo_mark")
    when = fmt.day(v["as_of"].date(), ctx.lang) if not fmt.is_missing(v["as_of"]) else ctx.tr("common.no_data")
    return f" ({when}; {sources.document(v['source'])})"


def failing_list(ctx: Ctx, res, links: pd.DataFrame, values: pd.DataFrame, key: tuple | None = None) -> None:
    """The standards below their minimum, one line each (``key`` as for ``standards_table``)."""
    st.subheader(ctx.tr("crit.failing"))
    lines = (frame.kept("crit_failing", (ctx.lang, *key), lambda: _failing_lines(ctx, res, links, values))
             if key is not None else _failing_lines(ctx, res, links, values))
    if not lines:
        st.caption(ctx.tr("crit.failing_none"))
    for line in lines:
        st.markdown(line)


def _failing_lines(ctx: Ctx, res, links: pd.DataFrame, values: pd.DataFrame) -> tuple[str, ...]:
    # below the minimum, whether or not the rule's points are known
    stds = res.standards
    failing = stds[stds["meets_min"].astype("boolean").fillna(True) == False]  # noqa: E712
    failing = failing.sort_values("points_if_min", ascending=False, na_position="last")
    lines = []
    for s in failing.itertuples():
        linked = links[links["standard_code"] == s.code]
        works = ", ".join(f"{r.work_id} ({r.effect})" for r in linked.itertuples()) or ctx.tr("crit.none")
        key = "crit.failing_row_nogain" if fmt.is_missing(s.points_if_min) else "crit.failing_row"
        lines.append("- " + _md(ctx.tr(key, code=s.code, name=s.name,
                                       value=_level_text(s.value, s.unit, ctx.lang) + _value_origin(ctx, values, s.code),
                                       min=_level_text(s.min_level_applied, s.unit, ctx.lang),
                                       gap=_level_text(s.gap, s.unit, ctx.lang),
                                       gain=fmt.number(s.points_if_min, 2, ctx.lang), works=works)))
    return tuple(lines)


def entry_form(ctx: Ctx, town: str, standards: pd.DataFrame) -> None:
    if not auth_view.may("indicator_value"):  # the form for the secretary; the write path checks again
        return
    with st.expander(ctx.tr("crit.enter")):
        with st.form("crit_enter"):
            code = st.selectbox(ctx.tr("crit.enter_standard"), list(standards["code"]),
                                format_func=lambda c: f"{c} · {standards.set_index('code').loc[c, 'name']}",
                                placeholder=ctx.tr("crit.standard_ph"))
            c3, c4 = st.columns([1, 1])
            value = c3.text_input(ctx.tr("crit.enter_value"))
            as_of = c4.date_input(ctx.tr("crit.enter_date"), value=date.today(), format="DD/MM/YYYY")
            source = st.text_input(ctx.tr("crit.enter_source"))
            c5, c6 = st.columns([2, 1])
            note = c5.text_input(ctx.tr("crit.enter_note"))
            confidence = c6.radio(ctx.tr("crit.enter_conf"), ["C2", "C"], horizontal=True,
                                  format_func=lambda c: ctx.tr(f"crit.conf.{c}"))
            if st.form_submit_button(ctx.tr("crit.enter_save"), type="primary"):
                try:
                    criteria.add_indicator_value(frame.get_db(), auth_view.who(), town, code, value, as_of, source, note or None,
                                                 confidence)
                    names = dict(zip(ctx.town_options["id"], ctx.town_options["name"]))
                    st.session_state["crit_flash"] = ctx.tr("crit.enter_saved", code=fmt.md_escape(code),
                                                                 town=fmt.md_escape(names.get(town, town)))
                    st.rerun()  # redraw the scorecard with the new value
                except ValidationError as e:
                    st.error("\n".join(f"- {fmt.md_escape(text_of(p, ctx.lang), 400)}" for p in e.problems))
                except DatabaseError as e:  # refused by the write path
                    st.error(fmt.md_escape(text_of(e, ctx.lang), 400))


def ruleset_file_bytes(content: str) -> bytes:
    """A stored rule-set file as a download: the same CSV, with every text cell that a
    spreadsheet would read as a formula (= + - @, tab, CR) prefixed with an apostrophe
    (lib.export.neutralise); numbers such as -5 stay numbers."""
    import csv
    import io

    from lib import export
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in csv.reader(io.StringIO(content, newline="")):
        writer.writerow([cell if _is_number(cell) else export.neutralise(cell) for cell in row])
    return out.getvalue().encode("utf-8-sig")


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def import_box(ctx: Ctx, expanded: bool = False) -> None:
    with st.expander(ctx.tr("crit.import"), expanded=expanded):
        stored = frame.read(criteria.ruleset_file_info)
        for r in stored.itertuples():
            at = fmt.day(r.imported_at.date(), ctx.lang) if not fmt.is_missing(r.imported_at) else ctx.tr("common.no_data")
            st.caption(ctx.tr("crit.import_stored", name=fmt.md_escape(r.name), at=at,
                              by=fmt.md_escape(sources.document(r.imported_by))))
        contents = frame.read(criteria.ruleset_files)
        cols = st.columns(len(contents) or 1)
        for col, r in zip(cols, contents.itertuples()):
            col.download_button(ctx.tr("crit.download_file", name=fmt.md_escape(r.name, 60)),
                                lambda content=r.content: ruleset_file_bytes(content),  # made on the click
                                file_name=r.name, mime="text/csv", key=f"crit_dl_{r.name}", on_click="ignore")
        if not auth_view.may("import_rulesets"):  # rule-sets: admins only; the write path checks again
            return
        st.caption(ctx.tr("crit.import_help"))
        files = st.file_uploader(ctx.tr("crit.import_files"), type=["csv"], accept_multiple_files=True,
                                 key="crit_import_files",
                                 help=ctx.tr("common.upload_help", mb=fmt.number(MAX_FILE_BYTES / 1e6, 0, ctx.lang)))
        if st.button(ctx.tr("crit.import_save"), key="crit_import_go"):
            texts = {f.name: f.getvalue() for f in files or []}
            try:
                cat = criteria.import_rulesets(frame.get_db(), auth_view.who(), texts)
                st.success(ctx.tr("crit.import_done", ids=fmt.md_escape(", ".join(cat.ids), 400)))
            except RulesetError as e:
                st.error(ctx.tr("crit.import_errors", n=len(e.issues)) + "\n\n" +
                         "\n".join(f"- {fmt.md_escape(i.text(ctx.lang), 400)}" for i in e.issues))
            except ValidationError as e:
                st.error("\n".join(f"- {fmt.md_escape(text_of(p, ctx.lang), 400)}" for p in e.problems))
            except DatabaseError as e:
                st.error(fmt.md_escape(text_of(e, ctx.lang), 400))
        st.caption(", ".join(FILES.values()))


def unit_note(ctx: Ctx, town: str) -> None:
    areas = frame.read(queries.areas).set_index("id")
    a = areas.loc[town]
    if not fmt.is_missing(a["valid_to"]) and a["valid_to"].date() < date.today():
        st.caption(ctx.tr("crit.unit_note", successor=a["successor_name"],
                          date=fmt.day(a["valid_to"].date() + pd.Timedelta(days=1), ctx.lang)))


def notes(ctx: Ctx, res) -> None:
    """The result notes (what was adjusted and why), escaped."""
    if res.notes:
        with st.expander(ctx.tr("crit.notes")):
            st.markdown("\n".join("- " + _md(text_of(n, ctx.lang)) for n in res.notes))
