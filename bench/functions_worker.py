"""The domain's heavy calls at one scale, in their own process (bench/run.py):
``python -m bench.functions_worker DB_PATH OUT_JSON``. Median of warm runs.

flags: ``lib.flags.evaluate`` of every work at the newest period's date; funding: one
``lib.funding.simulate`` of every work over 10 years; import: preview and write of a status
workbook with one changed row per work (made from the app's own template), on a copy."""
from __future__ import annotations

import io
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _median_ms(fn, n: int = 7) -> float:
    fn()  # warm: caches, imports
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def _changed_workbook(db, period_id: str) -> tuple[bytes, int]:
    from openpyxl import load_workbook

    from lib import importer
    wb = load_workbook(io.BytesIO(importer.template_xlsx(db, "status", period_id)))
    ws = wb.active
    header = None
    for row in ws.iter_rows():
        values = [c.value for c in row]
        if header is None and any(isinstance(v, str) and v.strip().lower().startswith("ghi chú") for v in values):
            header = [str(v or "").strip().lower() for v in values]
            note_col = next(i for i, v in enumerate(header) if v.startswith("ghi chú"))
            continue
        if header is not None and values and values[0]:
            row[note_col].value = f"Ghi chú đo thời gian {values[0]}"
    out = io.BytesIO()
    wb.save(out)
    rows = sum(1 for r in ws.iter_rows() if r[0].value) - 1
    return out.getvalue(), rows


def main(db_path: str, out: str) -> None:
    from lib import flags, funding, importer, queries, whatif
    from lib.auth import Identity
    from lib.seed import open_database

    res: dict = {}
    db = open_database(Path(db_path))
    periods = queries.periods(db)
    newest = periods.iloc[0]
    when = newest["as_of"].date()
    res["works"] = int(db.scalar("SELECT count(*) FROM work"))
    res["flags_ms"] = _median_ms(lambda: flags.evaluate(db, when))
    f = flags.evaluate(db, when)
    res["by_work_ms"] = _median_ms(lambda: flags.by_work(f))
    res["trend_ms"] = _median_ms(lambda: flags.trend(db), 3)
    frame = whatif.funding_frame(queries.works(db))
    a = funding.Assumptions(stages=__import__("lib.stages", fromlist=["model"]).model(db))
    env = funding.Envelope(when.year + 1, when.year + 10, 500e9, 100e9)
    res["funding_ms"] = _median_ms(lambda: funding.simulate(frame, a, env, "priority"))
    db.close()

    tmp = Path(tempfile.mkdtemp(prefix="ct07-bench-import-"))
    copy = tmp / "copy.duckdb"
    shutil.copy(db_path, copy)
    db = open_database(copy)
    data, rows = _changed_workbook(db, str(newest["id"]))
    from lib import auth
    auth.add_user(db, auth.CLI, "do-thoi-gian", "Đo thời gian", "editor", "mat-khau-do-thoi-gian-1")
    who = Identity("do-thoi-gian", "Đo thời gian", "editor")
    t0 = time.perf_counter()
    p = importer.preview(db, "status", data, str(newest["id"]))
    res["import_preview_ms"] = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    r = importer.apply(db, who, "status", data, str(newest["id"]))
    res["import_write_ms"] = (time.perf_counter() - t0) * 1000
    res["import_rows"] = rows
    res["import_written"] = int(r.written)
    res["import_problems"] = len(p.problems)
    db.close()
    shutil.rmtree(tmp, ignore_errors=True)
    Path(out).write_text(json.dumps(res), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
