"""The house rules, checked over every module (README "Kiến trúc"): lib/ is the domain and never
imports Streamlit, ui/ or pages/; pages and ui/ run no SQL of their own; one write path."""
import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LIB = sorted((ROOT / "lib").glob("*.py"))
DRAWING = sorted((ROOT / "ui").glob("*.py")) + sorted((ROOT / "pages").glob("*.py")) + [ROOT / "app.py"]


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module" and node.args \
                and isinstance(node.args[0], ast.Constant):
            names.add(node.args[0].value)
    return names


@pytest.mark.parametrize("path", LIB, ids=lambda p: p.name)
def test_lib_never_imports_streamlit_ui_or_pages(path):
    bad = {n for n in imported(path) if n.split(".")[0] in ("streamlit", "ui", "pages")}
    assert not bad, f"{path.name} imports {sorted(bad)}"


SQL = re.compile(r"""["'](?:\s*)(SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP)\s""", re.IGNORECASE)


@pytest.mark.parametrize("path", DRAWING, ids=lambda p: str(p.relative_to(ROOT)))
def test_pages_and_ui_run_no_sql_of_their_own(path):
    """A number on screen is traced to one function of lib/: the pages only draw what lib/ returns."""
    text = path.read_text(encoding="utf-8")
    assert not SQL.search(text), f"{path.relative_to(ROOT)} has SQL: {SQL.search(text).group(0)}"


def test_only_the_write_path_commits():
    """Every write goes through Database.write (lock, one transaction, permission, audit row, data
    version); no other module begins or commits a transaction on the app's connection."""
    allowed = {"db.py", "backup.py", "pg.py"}  # backup: a read snapshot for EXPORT DATABASE, and restored files
    # pg.py: the PostgreSQL driver of Database (its cursor's begin/commit, the functions it installs)
    for path in LIB:
        if path.name in allowed:
            continue
        text = path.read_text(encoding="utf-8")
        assert ".commit()" not in text and ".begin()" not in text, path.name
