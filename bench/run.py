"""The benchmark of issue 11, at district scale (the report's 18 works) and province scale (a
synthetic file: bench/synthetic.py), in one run, with the floor measured the same way:

    python -m bench.run [--works 5000] [--periods 20] [--seed 1] [--out bench/results.md]

Each measurement runs in its own process (bench/apptest_worker.py: server time of each page
through AppTest, cold and warm, and a funding slider step; bench/browser_worker.py: click to idle
in Chromium, the first page of a fresh server, peak resident memory; bench/functions_worker.py:
flags, funding recompute, a 5,000-row import). The floor is bench/floor_app.py, a two-page
Streamlit app that writes titles. Every figure is also a ratio to the floor of the same kind.
Nothing here is a test: the everyday suite never times anything (tests/test_bench.py checks
that the harness runs, on a small file)."""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

TARGETS = {  # issue 11
    "warm_district_ms": 100, "warm_district_floor_ratio": 20, "warm_province_ms": 300,
    "slider_step_district_ms": 150, "flags_5000_ms": 50, "first_page_s": 5, "rss_province_mb": 400,
}


def _worker(module: str, *args: str, timeout: int = 1800) -> dict:
    out = Path(tempfile.mkdtemp(prefix="ct07-bench-")) / "out.json"
    subprocess.run([sys.executable, "-m", module, *args, str(out)], cwd=ROOT, check=True, timeout=timeout,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return json.loads(out.read_text(encoding="utf-8"))


def _machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next((int(line.split()[1]) // 1024 // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), 0)
    import duckdb
    import streamlit
    return (f"{os.cpu_count()} lõi ({cpu}), {mem} GiB RAM, {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}, Streamlit {streamlit.__version__}, DuckDB {duckdb.__version__}")


def _copy(src: Path, tmp: Path, name: str) -> str:
    dst = tmp / name
    shutil.copy(src, dst)
    return str(dst)


def measure(works: int, periods: int, seed: int, log=print, programmes: int = 1) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="ct07-bench-"))
    sys.path.insert(0, str(ROOT))
    from lib.seed import open_database
    district = tmp / "district.duckdb"
    open_database(district).close()
    province = tmp / "province.duckdb"
    subprocess.run([sys.executable, "-m", "bench.synthetic", "--works", str(works), "--periods", str(periods),
                    "--seed", str(seed), "--programmes", str(programmes), "--out", str(province)],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    import duckdb
    with duckdb.connect(str(province), read_only=True) as con:  # the pages show the first programme
        shown = con.execute("SELECT count(*) FROM work WHERE programme_id = (SELECT min(id) FROM programme)").fetchone()[0]
    res: dict = {"machine": _machine(), "when": datetime.now().strftime("%d/%m/%Y %H:%M"),
                 "works": works, "periods": periods, "seed": seed, "programmes": programmes, "page_works": shown}
    for scale, src in (("district", district), ("province", province)):
        log(f"[{scale}] AppTest")
        res[f"apptest_{scale}"] = _worker("bench.apptest_worker", _copy(src, tmp, f"{scale}-a.duckdb"))
        log(f"[{scale}] Chromium")
        res[f"browser_{scale}"] = _worker("bench.browser_worker", "app", _copy(src, tmp, f"{scale}-b.duckdb"))
        log(f"[{scale}] functions")
        res[f"functions_{scale}"] = _worker("bench.functions_worker", _copy(src, tmp, f"{scale}-f.duckdb"))
    log("[floor] Chromium")
    res["browser_floor"] = _worker("bench.browser_worker", "floor", str(district))
    log("[fresh] first page of a fresh clone (the database is made on the first request)")
    res["browser_fresh"] = _worker("bench.browser_worker", "first", str(tmp / "fresh" / "ct07.duckdb"))
    shutil.rmtree(tmp, ignore_errors=True)
    return res


def _ms(v) -> str:
    return "–" if v is None else f"{v:,.0f}".replace(",", ".")


def _x(v, floor) -> str:
    return "–" if v is None or not floor else f"{v / floor:,.1f}×".replace(".", ",")


def _ok(flag: bool) -> str:
    return "đạt" if flag else "**chưa đạt**"


def report(res: dict) -> str:
    lines = ["# Kết quả đo hiệu năng (issue 11)", "",
             f"Máy: {res['machine']}. Đo lúc {res['when']}. Lệnh: `python -m bench.run --works {res['works']} "
             f"--periods {res['periods']} --seed {res['seed']} --programmes {res.get('programmes', 3)}`.", "",
             "Quy mô huyện: 18 công trình của báo cáo. Quy mô tỉnh: tệp mô phỏng "
             f"(`bench/synthetic.py`, {res['works']} công trình, {res['periods']} kỳ, "
             f"{res.get('programmes', 3)} chương trình; các trang hiện chương trình đầu tiên, "
             f"{res.get('page_works', res['works'])} công trình, trường hợp nặng nhất khi chỉ có một chương trình). "
             "Nền (floor): `bench/floor_app.py`, ứng dụng hai trang chỉ ghi tiêu đề, đo cùng cách, cùng lần chạy; "
             "mọi tỉ lệ là so với nền cùng loại.", ""]
    bf = res["browser_floor"]["pages"]
    floor_click = sorted(bf.values())[len(bf) // 2] if bf else None
    checks = []
    for scale, label in (("district", "huyện"), ("province", "tỉnh")):
        a, b = res[f"apptest_{scale}"], res[f"browser_{scale}"]
        fw, fc = a["floor"]["warm_ms"], a["floor"]["cold_ms"]
        lines += [f"## Quy mô {label}", "",
                  "| Trang | Máy chủ, lần đầu (ms) | × nền | Máy chủ, chạy lại (ms) | × nền | Bấm → xong, Chromium (ms) | × nền |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        for file, m in a["pages"].items():
            stem = Path(file).stem
            click = b["pages"].get(stem)
            lines.append(f"| {stem} | {_ms(m['cold_ms'])} | {_x(m['cold_ms'], fc)} | {_ms(m['warm_ms'])} | "
                         f"{_x(m['warm_ms'], fw)} | {_ms(click)} | {_x(click, floor_click)} |")
            limit = TARGETS["warm_district_ms"] if scale == "district" else TARGETS["warm_province_ms"]
            ok = m["warm_ms"] <= limit and (scale != "district" or m["warm_ms"] <= TARGETS["warm_district_floor_ratio"] * fw)
            checks.append((f"{label}: {stem} chạy lại ≤ {limit} ms"
                           + (f" và ≤ {TARGETS['warm_district_floor_ratio']}× nền" if scale == "district" else ""),
                           f"{_ms(m['warm_ms'])} ms ({_x(m['warm_ms'], fw)})", ok))
        lines += [f"| *nền* | {_ms(fc)} | 1,0× | {_ms(fw)} | 1,0× | {_ms(floor_click)} | 1,0× |", ""]
        f = res[f"functions_{scale}"]
        lines += [f"- Một bước thanh trượt vốn: máy chủ {_ms(a.get('slider_step_ms'))} ms "
                  f"({_x(a.get('slider_step_ms'), fw)}), bấm → xong trong Chromium {_ms(b.get('slider_step_ms'))} ms.",
                  f"- Tính cảnh báo ({f['works']} công trình): {_ms(f['flags_ms'])} ms; gộp theo công trình: "
                  f"{_ms(f.get('by_work_ms'))} ms; xu hướng qua mọi kỳ: {_ms(f.get('trend_ms'))} ms; tính lại vốn "
                  f"10 năm: {_ms(f['funding_ms'])} ms.",
                  f"- Nhập bảng tính {f['import_rows']} dòng ({f['import_written']} dòng ghi): xem trước "
                  f"{_ms(f['import_preview_ms'])} ms, ghi {_ms(f['import_write_ms'])} ms.",
                  f"- Bộ nhớ thường trú cao nhất của máy chủ sau khi mở mọi trang: {_ms(b['peak_rss_mb'])} MB.", ""]
        if scale == "district":
            checks.append(("huyện: một bước thanh trượt vốn ≤ 150 ms (máy chủ)", f"{_ms(a.get('slider_step_ms'))} ms",
                           (a.get("slider_step_ms") or 1e9) <= TARGETS["slider_step_district_ms"]))
        else:
            checks.append((f"tính cảnh báo {f['works']} công trình ≤ 50 ms", f"{_ms(f['flags_ms'])} ms",
                           f["flags_ms"] <= TARGETS["flags_5000_ms"]))
            checks.append(("bộ nhớ máy chủ quy mô tỉnh ≤ 400 MB", f"{_ms(b['peak_rss_mb'])} MB",
                           b["peak_rss_mb"] <= TARGETS["rss_province_mb"]))
    first = res["browser_fresh"]["first_page_s"]
    checks.append(("trang đầu của bản sao mới ≤ 5 s (khởi động máy chủ, tạo CSDL, trang xong)",
                   f"{first:.1f} s".replace(".", ","), first <= TARGETS["first_page_s"]))
    lines += ["## Mục tiêu", "", "| Mục tiêu | Đo được | Kết quả |", "|---|---:|---|"]
    lines += [f"| {name} | {got} | {_ok(ok)} |" for name, got, ok in checks]
    lines += ["", "Máy chủ, lần đầu: lần chạy đầu của một phiên mới với bộ nhớ đệm của Streamlit đã xoá (mô-đun "
              "đã nạp, như một máy chủ đang chạy). Chạy lại: trung vị 5 lần chạy lại không đổi gì. Bấm → xong: "
              "từ cú bấm trên thanh điều hướng đến lần thay đổi cuối cùng của trang (Streamlit báo hết chạy, không "
              "còn khung chờ, 250 ms không đổi gì), đồng hồ của trang, trung vị 3 vòng.", ""]
    return "\n".join(lines)


def readme(text: str, path: Path = ROOT / "README.md") -> None:
    """The report's machine line and targets table into README.md, between its bench markers."""
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    machine = next(line for line in text.splitlines() if line.startswith("Máy:"))
    table = text[text.index("| Mục tiêu"):].split("\n\n", 1)[0]
    body = machine + "\n\n" + table
    old = path.read_text(encoding="utf-8")
    a, b = old.index(start) + len(start), old.index(end)
    path.write_text(old[:a] + "\n" + body.strip() + "\n\nChi tiết từng trang: `bench/results.md`.\n" + old[b:],
                    encoding="utf-8")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--works", type=int, default=5000)
    ap.add_argument("--periods", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--programmes", type=int, default=1,
                    help="programmes in the province file (default 1: every work on the pages measured)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results.md"))
    ap.add_argument("--json", default=None, help="also write the raw figures here")
    ap.add_argument("--no-readme", action="store_true", help="leave README.md's table as it is")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    res = measure(args.works, args.periods, args.seed, programmes=args.programmes)
    text = report(res)
    Path(args.out).write_text(text, encoding="utf-8")
    if not args.no_readme:
        readme(text)
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1), encoding="utf-8")
    print(f"{args.out} ({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
