"""The translation catalogue (lib/locales/*.json) against the code that uses it.

The scanner reads every .py file of app.py, pages/, ui/ and lib/ with ``ast`` and collects
* the keys written in full: the first argument of ``t(...)``/``ctx.tr(...)``/``Msg(...)``, the label and
  ``missing`` of a table column (``Col(key, "label.key", missing="common.no_data")``), and any
  other string that looks like a key of a known prefix (keys passed as data: ``NAV_LABEL``,
  ``SEVERITY_KEY``, ``counts_line(ctx, "flags.on_overview")``, ...);
* the key families built at runtime: every f-string that starts like a key
  (``ctx.tr(f"setting.{r.key}")`` gives the family ``setting.{}``).

Each family is declared in FAMILIES with the function that lists every value the data or the
code can put in it, read from the real source (the ``setting`` table of a freshly seeded
database, ``lib.importer.KINDS``, ...). The tests then check that
(a) every key used exists, (b) every key has Vietnamese and English, non-empty, with the same
{placeholders}, (c) every family is complete, (d) no key is unused, (e) a key defined twice
(in two files or in one) or in the wrong file fails at load.
"""
from __future__ import annotations

import ast
import json
import re
import string
from dataclasses import dataclass, field, fields
from pathlib import Path

import pytest

from lib import auth, changes, evidence, flags, funding, importer, register, rulesets, scoring, tasks
from lib.i18n import FILES, LOCALES_DIR, PREFIX_FILE, catalogue, load_file, merge, t

ROOT = Path(__file__).resolve().parent.parent
SCANNED = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "ui").glob("*.py")),
           *sorted((ROOT / "lib").rglob("*.py"))]
KEY_LIKE = re.compile(r"^[a-z][a-z0-9_]*(\.[A-Za-z0-9_]+)+$")
FAMILY_LIKE = re.compile(r"^[a-z][a-z0-9_]*\.[A-Za-z0-9_.{}]*\{\}[A-Za-z0-9_.{}]*$")

# A file name ("overview.json" in lib/i18n.py, "settings.csv" in lib/seed.py) is not a key.
FILE_NAME = re.compile(r"\.(json|csv|py|sql|xlsx|docx|duckdb|md|txt|css|png|svg)$")

# Keys whose languages use different placeholders on purpose, with the reason.
PLACEHOLDERS_DIFFER = {
    "fmt.month_year": ({"month", "year"}, {"month_name", "year"},
                       "Vietnamese writes the month as a number (tháng 12/2022), English by its name "
                       "(December 2022); lib/fmt.py passes both"),
}


@dataclass
class Scan:
    literal: dict[str, list[str]] = field(default_factory=dict)   # key -> where (every key-like string)
    called: dict[str, list[str]] = field(default_factory=dict)    # key -> where (t/tr first argument, Col)
    families: dict[str, list[str]] = field(default_factory=dict)  # "prefix.{}" -> where
    n_calls: int = 0
    n_cols: int = 0


def _is_translate_call(node: ast.Call) -> bool:
    f = node.func
    return (isinstance(f, ast.Name) and f.id in ("t", "Msg")) or (isinstance(f, ast.Attribute) and f.attr in ("tr", "Msg"))


def _is_col(node: ast.Call) -> bool:
    f = node.func
    return (isinstance(f, ast.Name) and f.id == "Col") or (isinstance(f, ast.Attribute) and f.attr == "Col")


def _family(node: ast.JoinedStr) -> str:
    return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)


def scan(paths=SCANNED, root: Path = ROOT) -> Scan:
    out = Scan()
    for path in paths:
        rel = str(path.relative_to(root))
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=rel)
        in_fstring = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
        for node in ast.walk(tree):
            where = f"{rel}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.JoinedStr):
                pattern = _family(node)
                if FAMILY_LIKE.match(pattern) and pattern.split(".", 1)[0] in PREFIX_FILE:
                    out.families.setdefault(pattern, []).append(where)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in in_fstring:
                if KEY_LIKE.match(node.value) and node.value.split(".", 1)[0] in PREFIX_FILE \
                        and not FILE_NAME.search(node.value):
                    out.literal.setdefault(node.value, []).append(where)
            elif isinstance(node, ast.Call):
                keys = []
                if _is_translate_call(node) and node.args:
                    out.n_calls += 1
                    keys.append(node.args[0])
                elif _is_col(node):
                    out.n_cols += 1
                    keys += node.args[1:2] + [k.value for k in node.keywords if k.arg in ("label", "missing")]
                for k in keys:
                    if isinstance(k, ast.Constant) and isinstance(k.value, str) and k.value:
                        out.called.setdefault(k.value, []).append(where)
    return out


SCAN = scan()


# -- the runtime families: every value each can take, from its real source -------------------------
def _module_constant(path: Path, name: str):
    """A literal assigned at the top of a module we do not import (ui/ imports streamlit)."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(isinstance(x, ast.Name) and x.id == name for x in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{name} not found in {path}")


def _format_func_options(path: Path, family: str) -> list[str]:
    """The literal options of the widget whose format_func builds the key family ``family``."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            ff = [k.value for k in node.keywords if k.arg == "format_func"]
            if ff and any(isinstance(n, ast.JoinedStr) and _family(n) == family for n in ast.walk(ff[0])):
                return list(ast.literal_eval(node.args[1]))
    raise AssertionError(f"no widget with format_func building {family} in {path}")


def _setting_keys(db) -> set[str]:
    from lib import queries
    seed = (ROOT / "data" / "seed" / "settings.csv").read_text(encoding="utf-8").splitlines()[1:]
    return (set(queries.settings(db)) | {line.split(",", 1)[0] for line in seed if line}
            | {"flag_" + f.name for f in fields(flags.Thresholds)} | set(flags.Thresholds.OTHER_SETTINGS))


def _distinct(db, sql: str) -> set[str]:
    return {v for v in db.query(sql).iloc[:, 0] if isinstance(v, str)}


def _schema_values(table: str, column: str) -> set[str]:
    """The values a column may hold, as its migration lists them in the column's comment
    (``status VARCHAR NOT NULL, -- da_giao, dang_thuc_hien, hoan_thanh, chua_ro``)."""
    for path in sorted((ROOT / "lib" / "migrations").glob("*.sql")):
        m = re.search(rf"CREATE TABLE {table} \((.*?)\n\);", path.read_text(encoding="utf-8"), re.S)
        if m:
            line = re.search(rf"^\s*{column}\s+VARCHAR[^\n]*--([^\n]*)$", m.group(1), re.M)
            values = [v.strip() for v in line.group(1).split(":")[-1].split(",")] if line else []
            assert values and all(re.fullmatch(r"[a-z_]+", v) for v in values), \
                f"{table}.{column}: the migration's comment no longer lists its values"
            return set(values)
    raise AssertionError(f"table {table} not found in lib/migrations")


def _import_changes(db) -> set[str]:
    src = (ROOT / "lib" / "importer.py").read_text(encoding="utf-8")
    assert '"change": "new" if old is None else "changed"' in src, \
        "lib/importer.py no longer marks preview rows new/changed: update imp.ui.change_{} here"
    return {"new", "changed"}


# family -> (where its values come from, fn(db) -> the values)
FAMILIES = {
    "setting.{}": ("the setting table (data/seed/settings.csv, migrations) and flags.Thresholds", _setting_keys),
    "update.period_{}": ("the radio's options in pages/cap_nhat.py",
                         lambda db: _format_func_options(ROOT / "pages" / "cap_nhat.py", "update.period_{}")),
    "tasks.shared_{}": ("lib.tasks.SHARED", lambda db: tasks.SHARED),
    "tasks.status.{}": ("department_task.status: the seed's values and the four the schema lists",
                        lambda db: _distinct(db, "SELECT DISTINCT status FROM department_task")
                        | _schema_values("department_task", "status")),
    "flags.marker_{}": ("lib.flags.SEVERITIES", lambda db: flags.SEVERITIES),
    "flags.group_{}": ("lib.flags.SEVERITIES", lambda db: flags.SEVERITIES),
    "flags.group_none_{}": ("lib.flags.SEVERITIES", lambda db: flags.SEVERITIES),
    "flags.severity.{}": ("lib.flags.SEVERITIES", lambda db: flags.SEVERITIES),
    "flags.change.{}": ("lib.changes.KINDS", lambda db: changes.KINDS),
    "auth.role.{}": ("lib.auth.ROLES", lambda db: auth.ROLES),
    "crit.verdict.{}": ("lib.scoring.VERDICTS", lambda db: scoring.VERDICTS),
    "crit.ans.verdict.{}": ("lib.scoring.VERDICTS", lambda db: scoring.VERDICTS),
    "crit.status.{}": ("lib.scoring.STATUSES", lambda db: scoring.STATUSES),
    "crit.conf.{}": ("lib.rulesets.CONFIDENCE_MARKS", lambda db: rulesets.CONFIDENCE_MARKS),
    "funding.rule.{}": ("lib.funding.RULES", lambda db: funding.RULES),
    "imp.ui.kind_{}": ("ui/import_view.py KINDS", lambda db: _module_constant(ROOT / "ui" / "import_view.py", "KINDS")),
    "imp.ui.help_{}": ("ui/import_view.py KINDS", lambda db: _module_constant(ROOT / "ui" / "import_view.py", "KINDS")),
    "imp.ui.change_{}": ("lib/importer.py preview rows", _import_changes),
    "imp.title.{}": ("lib.importer.KINDS", lambda db: importer.KINDS),
    "imp.help.{}": ("lib.importer.KINDS", lambda db: importer.KINDS),
    "register.sort_{}": ("lib.register.SORTS", lambda db: register.SORTS),
    "ev.basis.{}": ("lib.evidence.BASIS", lambda db: evidence.BASIS),
    "kind.{}": ("work.kind: the seed's values and the schema's",
                lambda db: _distinct(db, "SELECT DISTINCT kind FROM work") | _schema_values("work", "kind")),
    "group.{}": ("work.report_group: the seed's values and the schema's",
                 lambda db: _distinct(db, "SELECT DISTINCT report_group FROM work")
                 | _schema_values("work", "report_group")),
    "flags.stage.{}": ("the stage table (data/seed/stages.csv)", lambda db: _distinct(db, "SELECT code FROM stage")),
}
# Families where a missing key is expected: the code falls back to other text. Their keys must
# still be members (a key for no stage is unused), but not every member needs one.
PARTIAL = {"flags.stage.{}": "lib/flags.py _stage_text: a stage with no key is written with its name "
                             "(stage.label_vi/label_en); building stages are worded by other keys"}


@pytest.fixture(scope="module")
def family_keys(tmp_path_factory) -> dict[str, set[str]]:
    from lib.seed import open_database
    db = open_database(tmp_path_factory.mktemp("locales") / "seeded.duckdb")
    try:
        out = {}
        for pattern, (source, members) in FAMILIES.items():
            values = set(members(db))
            assert values, f"{pattern}: {source} gave no value"
            out[pattern] = {pattern.replace("{}", v) for v in values}
        return out
    finally:
        db.close()


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


# -- the scanner itself --------------------------------------------------------------------------------
def test_the_scanner_sees_every_kind_of_use():
    assert len(SCANNED) > 40 and ROOT / "app.py" in SCANNED and ROOT / "ui" / "flags_view.py" in SCANNED
    assert SCAN.n_calls > 500 and SCAN.n_cols > 50, (SCAN.n_calls, SCAN.n_cols)
    assert "nav.flags_short" in SCAN.literal, "keys passed as data (ui/nav.py NAV_LABEL)"
    assert "register.col_id" in SCAN.called, "column labels (lib/register.py)"
    assert "flags.cause.unknown" in SCAN.called, "a column's missing= key (lib/slides.py)"
    assert "setting.{}" in SCAN.families and "imp.ui.kind_{}" in SCAN.families


def test_the_scanner_finds_calls_columns_data_and_families(tmp_path):
    src = tmp_path / "x.py"
    src.write_text('t("a.b")\nctx.tr("crit.none", n=1)\nCol("id", "c.d", missing="e.f")\n'
                   'X = {"r": "pack.sev_red"}\nctx.tr(f"crit.conf.{c}")\nname = "settings.csv"\n', encoding="utf-8")
    s = scan([src], tmp_path)
    assert set(s.called) == {"a.b", "crit.none", "c.d", "e.f"}
    assert set(s.literal) == {"crit.none", "pack.sev_red"}    # known prefixes only; a file name is not a key
    assert set(s.families) == {"crit.conf.{}"}


# -- (a) every key used exists ----------------------------------------------------------------------------
def test_every_key_used_in_code_exists():
    cat = catalogue()
    missing = {k: w for k, w in {**SCAN.literal, **SCAN.called}.items() if k not in cat}
    assert not missing, missing


# -- (b) both languages, same placeholders ------------------------------------------------------------------
def test_every_key_has_both_languages_with_the_same_placeholders():
    bad = []
    for key, texts in catalogue().items():
        if set(texts) != {"vi", "en"} or not all(isinstance(v, str) and v.strip() for v in texts.values()):
            bad.append((key, "needs exactly vi and en, non-empty"))
            continue
        vi, en = _placeholders(texts["vi"]), _placeholders(texts["en"])
        expected = PLACEHOLDERS_DIFFER.get(key, (vi, vi))[:2]
        if (vi, en) != expected:
            bad.append((key, vi, en))
    assert not bad, bad


def test_every_text_formats_with_its_placeholders():
    for key, texts in catalogue().items():
        for lang in ("vi", "en"):
            names = _placeholders(texts["vi"]) | _placeholders(texts["en"])
            t(key, lang, **{n: "x" for n in names})   # a stray brace or a positional {} raises here


# -- (c) every runtime family is complete -------------------------------------------------------------------
def test_every_runtime_family_is_declared():
    undeclared = {p: w for p, w in SCAN.families.items() if p not in FAMILIES}
    assert not undeclared, f"keys built at runtime with no declared source of values (add to FAMILIES): {undeclared}"
    stale = set(FAMILIES) - set(SCAN.families)
    assert not stale, f"FAMILIES lists families the code no longer builds: {stale}"


@pytest.mark.parametrize("pattern", sorted(FAMILIES))
def test_runtime_family_is_complete(pattern, family_keys):
    if pattern in PARTIAL:
        assert family_keys[pattern] & set(catalogue()), f"{pattern}: no key left, drop it from PARTIAL"
        return
    missing = sorted(family_keys[pattern] - set(catalogue()))
    assert not missing, f"{pattern} ({FAMILIES[pattern][0]}; built at {SCAN.families.get(pattern)}): {missing}"


# -- (d) no key is unused ------------------------------------------------------------------------------------
def test_no_key_is_unused(family_keys):
    used = set(SCAN.literal) | set(SCAN.called) | set().union(*family_keys.values())
    unused = sorted(set(catalogue()) - used)
    assert not unused, f"keys no code uses (delete them): {unused}"


# -- (e) one definition per key, in the file its prefix names --------------------------------------------------
def test_the_files_are_the_declared_ones():
    assert sorted(p.name for p in LOCALES_DIR.glob("*.json")) == sorted(FILES)
    for name in FILES:
        assert load_file(LOCALES_DIR / name), f"{name} is empty"


def test_a_key_twice_in_one_file_fails(tmp_path):
    path = tmp_path / "flags.json"
    path.write_text('{"flags.a": {"vi": "x", "en": "x"}, "flags.a": {"vi": "y", "en": "y"}}', encoding="utf-8")
    with pytest.raises(ValueError, match="flags.a"):
        load_file(path)


def test_a_key_in_two_files_fails():
    entry = {"vi": "x", "en": "x"}
    with pytest.raises(ValueError, match="defined twice"):
        merge({"flags.json": {"flags.a": entry}, "core.json": {"flags.a": entry}})


def test_a_key_in_the_wrong_file_or_an_unknown_file_fails():
    entry = {"vi": "x", "en": "x"}
    with pytest.raises(ValueError, match="belongs to flags.json"):
        merge({"core.json": {"flags.a": entry}})
    with pytest.raises(ValueError, match="not a catalogue file"):
        merge({"alerts.json": {"flags.a": entry}})


def test_the_real_files_load_without_any_repeated_key():
    seen = {}
    for path in sorted(LOCALES_DIR.glob("*.json")):
        for key in load_file(path):     # raises on a key repeated inside the file
            assert key not in seen, f"{key} in {path.name} and {seen[key]}"
            seen[key] = path.name
    assert seen.keys() == catalogue().keys()
    assert json.loads((LOCALES_DIR / "flags.json").read_text(encoding="utf-8"))


def test_missing_key_shows_itself_and_english_falls_back():
    assert t("no.such.key") == "no.such.key"
    assert t("nav.overview", "en") == "Overview"
    assert t("nav.overview", "xx") == "Tổng quan"
