"""Build the default database from the reviewable CSV files in data/seed/.

The files reproduce the December 2022 one-year review of Chương trình trọng tâm
số 07. An empty cell is an unknown value (NULL), never 0.

    python -m lib.seed            # build data/ct07.duckdb if it does not exist
    python -m lib.seed --reset    # back up (lib.backup), move the current file aside, rebuild;
                                  # refused while another process (the app) holds the file
"""
from __future__ import annotations

import argparse
import csv
import shutil
import sys
from datetime import date, datetime
from pathlib import Path

from lib.auth import system
from lib.db import ROOT, Database, database_target, db_path_from_env, is_postgres_url

SEED_DIR = ROOT / "data" / "seed"
SEED_ACTOR = "dữ liệu mặc định (báo cáo 12/2022)"

# file -> (table, {column: type}); the column order is the file's own.
TABLES: list[tuple[str, str, dict[str, str]]] = [
    ("programme.csv", "programme", {"decision_date": "date", "plan_date": "date",
                                    "period_start": "int", "period_end": "int"}),
    ("areas.csv", "area", {"valid_from": "date", "valid_to": "date",
                           "is_programme_town": "bool", "sort_order": "int"}),
    ("programme_targets.csv", "programme_target", {"target_year": "int"}),
    ("stages.csv", "stage", {"sort_order": "int", "is_handed_over": "bool", "is_started": "bool",
                             "is_early": "bool", "is_paused": "bool", "is_site_clearance": "bool",
                             "is_procedure": "bool", "default_done_share": "float",
                             "default_months_to_start": "float"}),
    ("categories.csv", "category", {"sort_order": "int"}),
    ("delay_causes.csv", "delay_cause", {"sort_order": "int"}),
    ("reporting_periods.csv", "reporting_period", {"as_of": "date"}),
    ("works.csv", "work", {"total_investment_vnd": "int", "length_m": "float",
                           "cross_section_m": "float", "baseline_year": "int"}),
    ("work_areas.csv", "work_area", {}),
    ("status_updates.csv", "status_update", {"physical_pct": "float", "disbursed_vnd": "int",
                                             "expected_year": "int"}),
    ("department_tasks.csv", "department_task", {"sort_order": "int"}),
    ("settings.csv", "setting", {}),
    ("work_standards.csv", "work_standard", {"effect_value": "float"}),
    ("indicator_values.csv", "indicator_value", {"value_num": "float", "as_of": "date"}),
]
DEMO_DIR = ROOT / "data" / "demo"
DEMO_ACTOR = "dữ liệu minh hoạ (data/demo)"


def _convert(value: str, kind: str | None, where: str):
    if value == "":
        return None
    try:
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
        if kind == "date":
            return date.fromisoformat(value)
        if kind == "bool":
            if value.lower() not in ("true", "false"):
                raise ValueError(value)
            return value.lower() == "true"
    except ValueError as e:
        raise ValueError(f"{where}: giá trị '{value}' không đúng kiểu {kind}") from e
    return value


def read_seed(seed_dir: Path = SEED_DIR) -> dict[str, tuple[list[str], list[list]]]:
    """Read every seed file into (columns, rows) with typed values."""
    out = {}
    for filename, table, types in TABLES:
        with open(seed_dir / filename, encoding="utf-8", newline="") as f:
            reader = csv.reader(f)
            header = next(reader)
            rows = []
            for n, raw in enumerate(reader, start=2):
                if len(raw) != len(header):
                    raise ValueError(f"{filename}, dòng {n}: có {len(raw)} cột, cần {len(header)}")
                rows.append([_convert(v, types.get(c), f"{filename}, dòng {n}, cột {c}")
                             for c, v in zip(header, raw)])
        out[table] = (header, rows)
    return out


def load_seed(db: Database, seed_dir: Path = SEED_DIR) -> None:
    """Fill an empty database with the default data, in one transaction."""
    data = read_seed(seed_dir)
    now = datetime.now()

    def insert_all(cur):
        for table, (cols, rows) in data.items():
            if not rows:
                continue
            extra: list[str] = []
            if table == "work":
                extra = ["programme_id", "baseline_set_at", "created_at", "created_by", "report_order"]
            elif table == "status_update":
                extra = ["as_of", "entered_by", "entered_at"]
            elif table == "indicator_value":
                extra = ["entered_by", "entered_at", "is_demo"]
            placeholders = ", ".join("?" for _ in cols + extra)
            sql = f"INSERT INTO {table} ({', '.join(cols + extra)}) VALUES ({placeholders})"
            for order, row in enumerate(rows, start=1):
                values = list(row)
                if table == "work":
                    # the baseline is the first expected year recorded: the report's
                    values += ["ct07", date(2022, 12, 31) if row[cols.index("baseline_year")] else None,
                               now, SEED_ACTOR, order]
                elif table == "status_update":
                    period = row[cols.index("period_id")]
                    as_of = next(p[2] for p in data["reporting_period"][1] if p[0] == period)
                    values += [as_of, SEED_ACTOR, now]
                elif table == "indicator_value":
                    values += [SEED_ACTOR, now, False]
                cur.execute(sql, values)

    db.write(system(SEED_ACTOR), "seed", insert_all, {"source": str(seed_dir.relative_to(ROOT))
                                             if seed_dir.is_relative_to(ROOT) else str(seed_dir)})


def load_demo(db: Database, demo_dir: Path = DEMO_DIR) -> None:
    """The illustrative indicator values (is_demo = TRUE): shown only when a user turns them on."""
    header, rows = _read_plain(demo_dir / "indicator_values_demo.csv", {"value_num": "float", "as_of": "date"})
    now = datetime.now()
    cols = header + ["entered_by", "entered_at", "is_demo"]
    sql = f"INSERT INTO indicator_value ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})"

    def insert(cur):
        for row in rows:
            cur.execute(sql, list(row) + [DEMO_ACTOR, now, True])

    db.write(system(DEMO_ACTOR), "seed_demo", insert, {"rows": len(rows)})


def _read_plain(path: Path, types: dict[str, str]) -> tuple[list[str], list[list]]:
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        return header, [[_convert(v, types.get(c), f"{path.name}, dòng {n}, cột {c}") for c, v in zip(header, raw)]
                         for n, raw in enumerate(reader, start=2)]


def open_database(path: Path | None = None) -> Database:
    """Open (and migrate) the database; build the default data when it is new."""
    from lib import criteria

    db = Database(path or db_path_from_env())
    if db.is_empty():
        load_seed(db)
        load_demo(db)
    criteria.ensure_rulesets(db)
    return db


def open_configured(target: str | Path | None = None) -> Database:
    """Open whichever store is configured (``lib.db.database_target``): a PostgreSQL URL
    (``CT07_DATABASE_URL``, lib/pg.py) or a DuckDB file; migrated, with the default data when new."""
    target = database_target() if target is None else target
    if not is_postgres_url(target):
        return open_database(Path(target))
    from lib import criteria
    from lib.pg import PgDatabase

    db = PgDatabase(str(target))
    if db.is_empty():
        load_seed(db)
        load_demo(db)
    criteria.ensure_rulesets(db)
    return db


def _backup_before_reset(path: Path) -> None:
    """Refuse (exit 2) while another process holds the file; otherwise export a backup first."""
    from lib import backup as backups

    try:
        backups.ensure_not_locked(path)
    except backups.BackupError as e:
        print(f"Không đặt lại dữ liệu: {e}", file=sys.stderr)
        sys.exit(2)
    try:
        folder = backups.backup(path, reason="truoc-khi-dat-lai")
    except backups.BackupError as e:  # a damaged file cannot be exported; it is still kept below
        print(f"Cảnh báo: không sao lưu được trước khi đặt lại ({e}). Tệp cũ vẫn được giữ lại.",
              file=sys.stderr)
    else:
        print(f"Đã sao lưu dữ liệu hiện tại vào {folder}")


def main() -> None:
    ap = argparse.ArgumentParser(description="Tạo cơ sở dữ liệu mặc định từ data/seed/.")
    ap.add_argument("--reset", action="store_true",
                    help="sao lưu vào backups/, đổi tên tệp hiện có thành *.bak-<thời điểm> rồi tạo lại "
                         "từ dữ liệu mặc định (bị từ chối khi ứng dụng đang mở tệp)")
    args = ap.parse_args()
    path = db_path_from_env()
    if args.reset and path.exists():
        _backup_before_reset(path)
        backup = path.with_name(f"{path.name}.bak-{datetime.now():%Y%m%d-%H%M%S}")
        shutil.move(path, backup)
        wal = path.with_name(path.name + ".wal")
        if wal.exists():
            shutil.move(wal, backup.with_name(backup.name + ".wal"))
        print(f"Đã chuyển tệp cũ sang {backup}")
    db = open_database(path)
    n = db.scalar("SELECT count(*) FROM work")
    print(f"Cơ sở dữ liệu: {path} ({n} công trình, lược đồ phiên bản {db.schema_version()})")
    db.close()


if __name__ == "__main__":
    main()
