"""Shared fixtures: a fresh database per test, built from the default data files."""
import atexit
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from lib.db import Database  # noqa: E402
from lib.seed import open_database  # noqa: E402

# The project's own verbatim copy of the report (data/source/README.md); never ../shared.
REPORT = ROOT / "data" / "source" / "bao-cao-so-ket-chuong-trinh-07-2022.txt"


_TEMPLATE: list[Path] = []


def seeded(path: Path) -> Path:
    """``path``: a copy of a database with the default data, built once per test process (building
    one takes a quarter of a second, a copy a hundredth; the suite makes hundreds). Tests of the
    building itself (test_seed_data, a server's first request) build their own."""
    if not _TEMPLATE:
        folder = Path(tempfile.mkdtemp(prefix="ct07-seed-"))
        atexit.register(shutil.rmtree, folder, True)
        open_database(folder / "seed.duckdb").close()
        _TEMPLATE.append(folder / "seed.duckdb")
    shutil.copyfile(_TEMPLATE[0], path)
    return path


@pytest.fixture
def db(tmp_path) -> Database:
    """A new database with the default data (the 12/2022 report)."""
    database = open_database(seeded(tmp_path / "test.duckdb"))
    yield database
    database.close()


@pytest.fixture
def empty_db(tmp_path) -> Database:
    """A migrated database with no data."""
    database = Database(tmp_path / "empty.duckdb")
    yield database
    database.close()


@pytest.fixture
def report_text() -> str:
    if not REPORT.exists():
        pytest.fail(f"the seed report is missing: {REPORT} (see data/source/README.md)")
    return REPORT.read_text(encoding="utf-8")
