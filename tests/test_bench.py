"""The benchmark harness runs (bench/run.py and its workers), on a small synthetic file: a broken
harness is found by CI (its own step: pytest -m bench), not on the day the table is needed. Nothing is
timed here."""
import json
import subprocess

import pytest
import sys
from pathlib import Path

from bench import run as bench_run
from ui.nav import PAGES

ROOT = Path(__file__).resolve().parent.parent


def _worker(module: str, *args) -> dict:
    out = Path(args[-1])
    subprocess.run([sys.executable, "-m", module, *map(str, args)], cwd=ROOT, check=True, timeout=600,
                   capture_output=True)
    return json.loads(out.read_text(encoding="utf-8"))


@pytest.mark.bench
def test_the_workers_measure_every_page_and_function(tmp_path):
    db = tmp_path / "small.duckdb"
    subprocess.run([sys.executable, "-m", "bench.synthetic", "--works", "60", "--periods", "4", "--seed", "2",
                    "--out", str(db)], cwd=ROOT, check=True, capture_output=True, timeout=120)
    pages = _worker("bench.apptest_worker", db, tmp_path / "a.json")
    assert set(pages["pages"]) == {file for file, _, _ in PAGES}
    assert all(m["cold_ms"] > 0 and m["warm_ms"] > 0 for m in pages["pages"].values())
    assert pages["floor"]["warm_ms"] > 0 and pages["slider_step_ms"] > 0
    functions = _worker("bench.functions_worker", db, tmp_path / "f.json")
    assert functions["works"] == 60 and functions["import_written"] == 60 and functions["import_problems"] == 0
    assert functions["flags_ms"] > 0 and functions["funding_ms"] > 0


def test_the_report_states_each_target_and_the_machine():
    page = {file: {"cold_ms": 300.0, "warm_ms": 50.0} for file, _, _ in PAGES}
    slow = dict(page, **{"pages/canh_bao.py": {"cold_ms": 900.0, "warm_ms": 400.0}})
    browser = {"pages": {"tong_quan": 250.0}, "slider_step_ms": 400.0, "peak_rss_mb": 300.0, "first_page_s": 3.0}
    functions = {"works": 5000, "flags_ms": 40.0, "funding_ms": 8.0, "import_preview_ms": 500.0,
                 "import_write_ms": 700.0, "import_rows": 5000, "import_written": 5000}
    res = {"machine": "2 lõi (thử)", "when": "30/11/2026 01:00", "works": 5000, "periods": 20, "seed": 1,
           "apptest_district": {"pages": page, "floor": {"cold_ms": 40.0, "warm_ms": 2.0}, "slider_step_ms": 120.0},
           "apptest_province": {"pages": slow, "floor": {"cold_ms": 40.0, "warm_ms": 2.0}, "slider_step_ms": 200.0},
           "browser_district": browser, "browser_province": browser, "browser_floor": {"pages": {"mot": 60.0}},
           "browser_fresh": {"first_page_s": 3.2}, "functions_district": dict(functions, works=18),
           "functions_province": functions}
    text = bench_run.report(res)
    assert "2 lõi (thử)" in text and "25,0×" in text  # 50 ms against a 2 ms floor
    assert "| tỉnh: canh_bao chạy lại ≤ 300 ms | 400 ms (200,0×) | **chưa đạt** |" in text
    assert "| huyện: tong_quan chạy lại ≤ 100 ms và ≤ 20× nền | 50 ms (25,0×) | **chưa đạt** |" in text
    assert "| tính cảnh báo 5000 công trình ≤ 50 ms | 40 ms | đạt |" in text
