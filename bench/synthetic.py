"""Synthetic programmes for load tests and demos: a NEW DuckDB file with the app's real schema.

    python -m bench.synthetic --works 5000 --periods 20 --seed 1 --out /tmp/mp.duckdb [--programmes 3]
                              [--cadence quarterly|monthly]

What it writes (deterministic from the arguments: the same arguments give the same rows):

* the app's schema (``lib.db.Database`` runs the same migrations as the app) and the real reference
  data of ``lib.seed.read_seed`` (stages, categories, delay causes, settings) and of data/rulesets
  (stored as the app's default rule-sets, so ``lib.criteria.ensure_rulesets`` leaves them alone);
  none of the 18 real works, areas or periods;
* ``meta`` row ``synthetic``: JSON naming the generator and its arguments, so a page can say
  "dữ liệu mô phỏng"; every name says so too ("Chương trình mô phỏng số 1 …", "[Mô phỏng] …",
  "… (mô phỏng)");
* N programmes (``P1``…) with two target towns each; about 60 areas: districts (huyện) with towns
  (thị trấn) and communes (xã), the districts ended and most towns and communes merged into new
  communes on 01/07/2025 (``valid_to``, ``successor_id``), as in the seed's areas.csv;
* works ``P1-GT-0001``… with the seed's mix of kinds, groups and categories, lognormal amounts
  around the seed's (about 20 % unknown: NULL), baseline years 2022-2027, area links (about 10 %
  none: unknown town) and links to standards like the seed's;
* reporting periods (quarter or month ends up to 09/2026, none in the future), and a status history per work: stages
  along the stage table's order (planning tasks skip the site), some paused, some slipping
  (expected year moved later), some periods missing (stale), physical % and disbursement sometimes
  unknown, delay causes from the delay_cause table;
* indicator values of the programme towns against the real standards (some missing), yearly
  capital plans for part of the works, a few departments' tasks per programme.

Everything is inserted set-based (one ``INSERT … SELECT`` per table from a DataFrame) in one
transaction; nothing reads the clock, so two runs with the same arguments store the same rows.
A file that exists (or its .wal), the app's own database (``lib.db.DEFAULT_DB_PATH``,
``CT07_DB_PATH``) and anything under data/ are refused: message in Vietnamese, exit code 2.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
import unicodedata
from calendar import monthrange
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # python bench/synthetic.py as well as python -m bench.synthetic
    sys.path.insert(0, str(ROOT))

from lib import criteria, rulesets as rs  # noqa: E402
from lib.db import DEFAULT_DB_PATH, Database, db_path_from_env  # noqa: E402
from lib.seed import read_seed  # noqa: E402
from lib.stages import StageModel  # noqa: E402

ACTOR = "dữ liệu mô phỏng (bench.synthetic)"
META_KEY = "synthetic"
LABEL_VI = "dữ liệu mô phỏng"
NAME_PREFIX = "[Mô phỏng] "
AREA_SUFFIX = " (mô phỏng)"
SOURCE = "Dữ liệu mô phỏng (bench.synthetic), không phải số liệu thật"
# the newest period: a quarter that had ended when this generator was written, so that no period
# lies in the future (counted back from here; fixed, so the same arguments give the same rows)
LAST_PERIOD_MONTH = (2026, 9)
MERGE_DATE = date(2025, 7, 1)
REGION = "trung_du_mien_nui_phia_bac"
CADENCES = {"quarterly": 3, "monthly": 1}

# place-name syllables: pairs make unique, Vietnamese-looking, invented names
_SYL_A = ["Nà", "Bản", "Pác", "Khuổi", "Lũng", "Phja", "Cốc", "Nặm", "Thôm", "Pò", "Slam", "Kéo",
          "Đông", "Tổng", "Co", "Lạc", "Hoằng", "Vân"]
_SYL_B = ["Lừa", "Mỏ", "Ngần", "Sâu", "Rẳng", "Khao", "Tiên", "Nưa", "Pằng", "Luông", "Quang", "Vài",
          "Thin", "Đoỏng", "Cải", "Lạn", "Mười", "Sinh", "Bó", "Hẩu"]

_NAME_TEMPLATES = {
    "giao_thong": ["Cải tạo, nâng cấp đường {p} – {q}, {a}", "Đường giao thông tổ {n} – tổ {m}, {a}",
                   "Sửa chữa đường GT {p}, {a}", "Mở rộng đường trục chính {p}, {a}"],
    "van_hoa": ["Nhà văn hoá xóm {p}, {a}", "Nhà văn hoá trung tâm {a}", "Nhà văn hoá tổ {n}, {a}"],
    "tai_dinh_cu": ["Khu tái định cư {p}, {a}", "Hạ tầng khu tái định cư tổ {n}, {a}"],
    "moi_truong": ["Xử lý, cải tạo bãi rác {p}, {a}", "Điểm tập kết chất thải rắn {p}, {a}"],
    "chieu_sang": ["Hệ thống đèn chiếu sáng đường {p}, {a}", "Lắp đặt đèn LED năng lượng mặt trời tại {p}, {a}"],
    "tru_so": ["Sửa chữa trụ sở làm việc UBND {a}", "Cải tạo, nâng cấp trụ sở {d}",
               "Sửa chữa sân, hàng rào trụ sở {d}"],
    "thoat_nuoc": ["Cải tạo mương thoát nước thải tổ {n}, {a}", "Cải tạo, nâng cấp mương thoát lũ {p}, {a}"],
    "the_thao": ["Cải tạo, nâng cấp sân thể thao {a}", "Sân thể thao xóm {p}, {a}"],
    "quy_hoach": ["Điều chỉnh quy hoạch chung {a}, giai đoạn {y} – {z}, tỷ lệ 1/2000",
                  "Quy hoạch chi tiết khu {p}, {a}, tỷ lệ 1/500"],
}
_OFFICES = ["Phòng Kinh tế và Hạ tầng", "Phòng Nông nghiệp", "Trung tâm Y tế", "Trung tâm Văn hoá",
            "Phòng Giáo dục", "Kho bạc Nhà nước"]
_NOTES = {
    "early": ["Đang trình thẩm định hồ sơ (mô phỏng).", "Chờ phê duyệt chủ trương đầu tư (mô phỏng).",
              "Đang lập hồ sơ thu hồi đất (mô phỏng)."],
    "build": ["Đang thi công nền, mặt (mô phỏng).", "Nhà thầu tăng ca bù tiến độ (mô phỏng).",
              "Thi công chậm do mưa kéo dài (mô phỏng)."],
    "paused": ["Tạm dừng chờ bố trí vốn (mô phỏng).", "Tạm dừng do vướng mặt bằng (mô phỏng)."],
    "done": ["Đã nghiệm thu, bàn giao (mô phỏng)."],
}
_TASKS = [
    "Tổng hợp báo cáo tình hình thực hiện kế hoạch phát triển đô thị {t}.",
    "Rà soát, đánh giá hiệu quả sử dụng đất tại khu vực đô thị {t}.",
    "Tham mưu lập danh mục đầu tư hạ tầng đô thị {t} từ ngân sách và nguồn vốn hợp pháp khác.",
    "Tuyên truyền kế hoạch phát triển đô thị {t} đến người dân và doanh nghiệp.",
    "Kiểm tra, rà soát quá trình đầu tư theo quy hoạch được phê duyệt tại {t}.",
    "Hoàn thiện hồ sơ đề nghị công nhận tiêu chí đô thị {t}.",
    "Theo dõi giải ngân vốn đầu tư công các công trình tại {t}.",
]
_TASK_STATUS = ["da_giao", "dang_thuc_hien", "hoan_thanh", "chua_ro"]
_FUNDING = ["Ngân sách tỉnh", "Ngân sách huyện", "Ngân sách trung ương", "Vốn ngoài ngân sách"]


class SyntheticError(Exception):
    """A refusal, in Vietnamese, for the user (exit code 2)."""


# -- small helpers ---------------------------------------------------------------------------------

def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch)).lower()
    return "-".join("".join(ch if ch.isalnum() else " " for ch in plain).split())


def _month_end(year: int, month: int) -> date:
    return date(year, month, monthrange(year, month)[1])


def _period_dates(n: int, cadence: str) -> list[date]:
    """``n`` period ends, oldest first, the newest at ``LAST_PERIOD_MONTH``."""
    step = CADENCES[cadence]
    y1, m1 = LAST_PERIOD_MONTH
    last = y1 * 12 + (m1 - 1)
    months = [last - (n - 1 - k) * step for k in range(n)]
    return [_month_end(m // 12, m % 12 + 1) for m in months]


def _vn_number(x: float, decimals: int = 2) -> str:
    """1234.5 -> '1.234,5' (Vietnamese separators), trailing zeros dropped."""
    text = f"{x:,.{decimals}f}".replace(",", "_").replace(".", ",").replace("_", ".")
    return text.rstrip("0").rstrip(",") if "," in text else text


def _round_million(x: np.ndarray) -> np.ndarray:
    return (np.round(x / 1e6) * 1e6).astype("int64")


def _ints(values, known=None) -> pd.arrays.IntegerArray:
    """A nullable BIGINT column: NaN (or ``known`` False) is NULL, never 0."""
    a = np.asarray(values, dtype=float)
    missing = np.isnan(a) if known is None else ~np.asarray(known, dtype=bool) | np.isnan(a)
    return pd.arrays.IntegerArray(np.nan_to_num(a).astype("int64"), missing)


# -- the target file -------------------------------------------------------------------------------

def check_target(out: Path) -> Path:
    """The path to write, or SyntheticError: never over a file, never the app's database or data/."""
    path = Path(out).expanduser()
    resolved = path.resolve()
    data_dir = (ROOT / "data").resolve()
    real = {DEFAULT_DB_PATH.resolve(), db_path_from_env().expanduser().resolve()}
    if resolved in real:
        raise SyntheticError(f"Không ghi dữ liệu mô phỏng vào cơ sở dữ liệu của ứng dụng ({path}). "
                             "Hãy chọn một tệp mới ở ngoài thư mục data/, ví dụ /tmp/mo-phong.duckdb.")
    if resolved == data_dir or data_dir in resolved.parents:
        raise SyntheticError(f"Không ghi dữ liệu mô phỏng vào thư mục data/ của ứng dụng ({path}). "
                             "Hãy chọn một tệp ở ngoài thư mục data/, ví dụ /tmp/mo-phong.duckdb.")
    for p in (path, path.with_name(path.name + ".wal")):
        if p.exists() or p.is_symlink():
            raise SyntheticError(f"Tệp {p} đã có: không ghi đè. Hãy chọn tên tệp khác hoặc tự xoá tệp cũ.")
    return path


# -- the tables ------------------------------------------------------------------------------------

def build_tables(works: int, periods: int, seed: int, programmes: int = 3,
                 cadence: str = "quarterly") -> dict[str, pd.DataFrame]:
    """Every row to insert, table -> frame (columns named as in the schema), in insert order.
    Pure: reads the seed and rule-set files, never the clock."""
    if works < 1 or periods < 1 or programmes < 1:
        raise SyntheticError("Số công trình, số kỳ và số chương trình phải từ 1 trở lên.")
    if cadence not in CADENCES:
        raise SyntheticError(f"Chu kỳ báo cáo không hợp lệ: {cadence} (quarterly hoặc monthly).")
    rng = np.random.default_rng(seed)
    seed_data = read_seed()
    frames = {t: pd.DataFrame(rows, columns=cols) for t, (cols, rows) in seed_data.items()}
    out: dict[str, pd.DataFrame] = {}

    # reference data, as the seed loader stores it
    for table in ("stage", "category", "delay_cause", "setting"):
        out[table] = frames[table]
    stage_model = StageModel.from_frame(frames["stage"])

    # periods
    dates = _period_dates(periods, cadence)
    if dates[-1].year > 2100:
        raise SyntheticError("Quá nhiều kỳ báo cáo: kỳ cuối vượt năm 2100.")
    pid = [f"{d.year}-{d.month:02d}" for d in dates]
    label = [(f"Quý {(d.month - 1) // 3 + 1}/{d.year}" if cadence == "quarterly" else f"Tháng {d.month}/{d.year}")
             + AREA_SUFFIX for d in dates]
    out["reporting_period"] = pd.DataFrame({
        "id": pid, "label_vi": label, "as_of": dates, "as_of_precision": "day",
        "source_ref": [f"Báo cáo kỳ {p} (mô phỏng)" for p in pid], "source_note": SOURCE})
    gen_at = datetime.combine(dates[0], datetime.min.time()).replace(hour=8)
    done_at = datetime.combine(dates[-1], datetime.min.time()) + timedelta(days=15, hours=8)

    areas, towns_of, xa_of, huyen_of = _areas(rng, programmes)
    out["programme"], out["programme_target"] = _programmes(rng, programmes, areas, towns_of, huyen_of)
    out["area"] = areas
    out["ruleset_file"], ruleset_tables = _rulesets(gen_at)
    out.update(ruleset_tables)

    w = _works(rng, works, programmes, frames, areas, towns_of, xa_of, huyen_of, dates, gen_at)
    out["work"], out["work_area"] = w["work"], w["work_area"]
    out["status_update"], final = _history(rng, w, dates, pid, stage_model, frames["delay_cause"])
    out["work_standard"] = _work_standards(rng, w["work"], frames)
    out["indicator_value"] = _indicators(rng, out["programme_target"], areas, ruleset_tables, dates, gen_at)
    out["capital_plan"] = _capital_plans(rng, w, final, dates)
    out["department_task"] = _tasks(rng, programmes, areas, towns_of)
    marker = {"generator": "bench.synthetic", "label_vi": LABEL_VI, "works": works, "periods": periods,
              "seed": seed, "programmes": programmes, "cadence": cadence,
              "command": f"python -m bench.synthetic --works {works} --periods {periods} --seed {seed} "
                         f"--programmes {programmes} --cadence {cadence}"}
    out["meta"] = pd.DataFrame({"key": [META_KEY], "value": [json.dumps(marker, ensure_ascii=False)]})
    out["audit_log"] = pd.DataFrame({
        "id": [1], "logged_at": [done_at], "actor": [ACTOR], "action": ["seed_synthetic"],
        "detail": [json.dumps({**marker, "rows": {t: len(f) for t, f in out.items() if t != "meta"}},
                              ensure_ascii=False)], "old": [None], "new": [None]})
    return out


def _areas(rng, programmes: int):
    """Districts with 2 towns and 9 communes each; on MERGE_DATE the districts end, each town
    merges with 2 communes into a new commune named after it, 3 more communes into a third."""
    n_huyen = max(4, programmes)
    pairs = [a + " " + b for a in _SYL_A for b in _SYL_B]
    order = rng.permutation(len(pairs))
    names = [pairs[i] for i in order]
    need = n_huyen * 12
    names = (names * (need // len(names) + 1))[:need]
    names = [n if i < len(pairs) else f"{n} {i // len(pairs) + 1}" for i, n in enumerate(names)]
    rows, towns_of, xa_of, huyen_of = [], {}, {}, {}
    sort = 0

    def add(**r):
        nonlocal sort
        sort += 1
        rows.append({"parent_id": None, "valid_from": None, "valid_to": None, "successor_id": None,
                     "change_note": None, "legal_source": None, "confidence": "C",
                     "is_programme_town": False, "sort_order": sort, "region_code": REGION, **r})

    legal = "Nghị quyết sắp xếp đơn vị hành chính cấp xã (mô phỏng)"
    ended = MERGE_DATE - timedelta(days=1)
    for h in range(n_huyen):
        block = names[h * 12:(h + 1) * 12]
        hname, tnames, xnames = block[0], block[1:3], block[3:12]
        hid = f"mp-huyen-{_slug(hname)}"
        huyen_of[h] = hid
        tids = [f"mp-{_slug(t)}" for t in tnames]
        xids = [f"mp-xa-{_slug(x)}" for x in xnames]
        new_ids = [f"mp-xa-{_slug(t)}" for t in tnames] + [f"mp-xa-{_slug(xnames[4])}-moi"]
        towns_of[h], xa_of[h] = tids, xids
        confs = rng.choice(["C", "C", "C2", "U"], size=12)
        add(id=hid, name=f"huyện {hname}{AREA_SUFFIX}", kind="huyen", valid_to=ended,
            change_note="Cấp huyện kết thúc từ 01/07/2025 (mô phỏng).", legal_source=legal, confidence=confs[0])
        for j, (tid, tname) in enumerate(zip(tids, tnames)):
            merged = ", ".join(xnames[2 * j:2 * j + 2])
            add(id=tid, name=f"thị trấn {tname}{AREA_SUFFIX}", kind="thi_tran", parent_id=hid, valid_to=ended,
                successor_id=new_ids[j], legal_source=legal, confidence=confs[1 + j],
                change_note=f"Từ 01/07/2025 thị trấn {tname} cùng các xã {merged} hợp thành xã {tname} (mô phỏng).",
                is_programme_town=h < programmes)
        for k, (xid, xname) in enumerate(zip(xids, xnames)):
            successor = new_ids[k // 2] if k < 4 else new_ids[2] if k < 7 else None
            add(id=xid, name=f"xã {xname}{AREA_SUFFIX}", kind="xa", parent_id=hid,
                valid_to=ended if successor else None, successor_id=successor, confidence=confs[3 + k],
                legal_source=legal if successor else None,
                change_note=f"Từ 01/07/2025 nhập vào {successor} (mô phỏng)." if successor else None)
        for j, (nid, base) in enumerate(zip(new_ids, [*tnames, xnames[4]])):
            src = (f"thị trấn {tnames[j]} và các xã {', '.join(xnames[2 * j:2 * j + 2])}" if j < 2
                   else f"các xã {', '.join(xnames[4:7])}")
            add(id=nid, name=f"xã {base}{AREA_SUFFIX}", kind="xa", valid_from=MERGE_DATE,
                change_note=f"Thành lập từ {src} (mô phỏng).", legal_source=legal)
    return pd.DataFrame(rows), towns_of, xa_of, huyen_of


def _plain(area_name: str) -> str:
    return area_name.removesuffix(AREA_SUFFIX)


def _programmes(rng, programmes: int, areas: pd.DataFrame, towns_of, huyen_of):
    name = dict(zip(areas["id"], areas["name"]))
    progs, targets = [], []
    for p in range(programmes):
        start = 2021 + p % 3
        end = start + 4
        t1, t2 = towns_of[p]
        huyen = _plain(name[huyen_of[p]])
        progs.append({
            "id": f"P{p + 1}",
            "name": f"Chương trình mô phỏng số {p + 1} xây dựng đô thị {_plain(name[t1])} và "
                    f"{_plain(name[t2])}, giai đoạn {start}-{end}",
            "decision_no": f"{p + 1:02d}/CTr-MP", "decision_date": date(start, 3, 1),
            "issuer": f"Huyện ủy {huyen.removeprefix('huyện ')} (mô phỏng)", "period_start": start,
            "period_end": end, "plan_no": f"{100 + p}/KH-BCĐ-MP", "plan_date": date(start, 9, 20),
            "source_ref": SOURCE, "source_note": "Chương trình mô phỏng: mọi số liệu đều do máy tạo ra."})
        for town, cls in ((t1, "IV"), (t2, "V")):
            year = int(end + rng.integers(0, 2))
            targets.append({
                "programme_id": f"P{p + 1}", "area_id": town, "target_class": cls, "target_year": year,
                "target_text": f"Phấn đấu đến năm {year}, {_plain(name[town])} đạt các tiêu chí đô thị "
                               f"loại {cls} (mô phỏng).", "source_ref": SOURCE})
    return pd.DataFrame(progs), pd.DataFrame(targets)


def _rulesets(gen_at: datetime):
    """The repository's rule-sets, stored as the app's defaults (lib.criteria.ensure_rulesets then
    finds them equal to the repository's and leaves them alone)."""
    texts = criteria._texts_from_repo()
    catalog = rs.load_rulesets_from_texts(texts)
    files = pd.DataFrame({"name": list(texts), "content": list(texts.values()),
                          "imported_at": gen_at, "imported_by": criteria.DEFAULT_IMPORTER})
    tables = {}
    for table, (frame, columns) in criteria._ruleset_tables(catalog).items():
        tables[table] = pd.DataFrame({c: [criteria._cell(v, c) for v in frame[c]] if c in frame.columns else None
                                      for c in columns}, index=range(len(frame)))
    return files, tables


def _works(rng, n: int, programmes: int, frames, areas, towns_of, xa_of, huyen_of, dates, gen_at):
    seed_works = frames["work"]
    mix = (seed_works.groupby(["kind", "report_group", "category", "oc4ids_sector"], dropna=False)
           .size().reset_index(name="n"))
    prefix = {g: str(i).split("-")[0] for g, i in zip(seed_works["report_group"], seed_works["id"])}
    logs = np.log(seed_works["total_investment_vnd"].dropna().astype(float).to_numpy())
    mu, sigma = float(logs.mean()), float(max(logs.std(), 0.5))
    cat_mu = {}
    for cat, g in seed_works.groupby("category"):
        vals = np.log(g["total_investment_vnd"].dropna().astype(float).to_numpy())
        cat_mu[cat] = (vals.sum() + 2 * mu) / (len(vals) + 2) if len(vals) else mu - 1.0

    # programme and kind of each work; sorted so that ids and report order follow them
    share = rng.dirichlet(np.full(programmes, 5.0))
    prog = rng.choice(programmes, size=n, p=share)
    kind_i = rng.choice(len(mix), size=n, p=(mix["n"] / mix["n"].sum()).to_numpy())
    group_rank = {g: i for i, g in enumerate(dict.fromkeys(seed_works["report_group"]))}
    order = np.lexsort((kind_i, np.array([group_rank[g] for g in mix["report_group"].to_numpy()[kind_i]]), prog))
    prog, kind_i = prog[order], kind_i[order]
    kind = mix["kind"].to_numpy()[kind_i]
    group = mix["report_group"].to_numpy()[kind_i]
    cat = mix["category"].to_numpy()[kind_i]
    sector = mix["oc4ids_sector"].to_numpy()[kind_i]
    planning = kind == "nhiem_vu_quy_hoach"

    ids, counters = [], {}
    for p, g in zip(prog, group):
        key = (p, prefix[g])
        counters[key] = counters.get(key, 0) + 1
        ids.append(f"P{p + 1}-{prefix[g]}-{counters[key]:04d}")

    # amounts: lognormal around the seed's (by category), about 20 % unknown
    amount = np.exp(rng.normal([cat_mu[c] for c in cat], sigma))
    amount = np.maximum(_round_million(amount), 50_000_000)
    amount_known = rng.random(n) >= 0.2
    total = _ints(amount, amount_known)

    # when each work enters the programme (most at the first period), baseline year 2022-2027
    P = len(dates)
    first_k = np.where(rng.random(n) < 0.75, 0, rng.integers(0, max(1, P // 2), size=n))
    first_k = np.minimum(first_k, P - 1)
    base = rng.choice(np.arange(2022, 2028), size=n, p=[.16, .25, .22, .17, .12, .08])
    first_date = [dates[k] for k in first_k]
    earliest = np.array([d.year + (d.month >= 10) for d in first_date])
    base = np.where(first_k > 0, np.maximum(base, np.minimum(earliest, 2027)), base)
    no_year = rng.random(n) < 0.05

    # areas: a town of the programme (or both, the district, a commune); about 10 % none
    name = dict(zip(areas["id"], areas["name"]))
    r_area = rng.random(n)
    pick = rng.integers(0, 9, size=n)
    town_pick = (rng.random(n) < 0.4).astype(int)
    inferred = rng.random(n) < 0.15
    pairs = [a + " " + b for a in _SYL_A for b in _SYL_B]
    unknown_place = rng.integers(0, len(pairs), size=n)
    wa_rows, place_of = [], []
    for i in range(n):
        p, r = prog[i], r_area[i]
        if r < 0.10:
            linked = []
        elif r < 0.70:
            linked = [towns_of[p][town_pick[i]]]
        elif r < 0.78:
            linked = list(towns_of[p])
        elif r < 0.88:
            linked = [huyen_of[p]]
        else:
            linked = [xa_of[p][pick[i]]]
        for a in linked:
            wa_rows.append((ids[i], a, "inference" if inferred[i] else "report",
                            "Suy luận (mô phỏng): tên công trình nêu địa danh thuộc đơn vị này." if inferred[i]
                            else None))
        place_of.append(_plain(name[linked[0]]) if len(linked) == 1 else _plain(name[huyen_of[p]]) if linked
                        else f"khu {pairs[unknown_place[i]]}")  # no link: the name names no unit either

    # names
    pl = rng.integers(0, len(pairs), size=(n, 2))
    nums = rng.integers(1, 15, size=(n, 2))
    tpl = rng.random(n)
    office = rng.integers(0, len(_OFFICES), size=n)
    names = []
    for i in range(n):
        options = _NAME_TEMPLATES.get(cat[i]) or ["Công trình hạ tầng {p}, {a}"]
        text = options[int(tpl[i] * len(options))].format(
            p=pairs[pl[i, 0]], q=pairs[pl[i, 1]], a=place_of[i], n=nums[i, 0], m=nums[i, 0] + nums[i, 1],
            d=f"{_OFFICES[office[i]]} {place_of[i]}", y=int(base[i]) + 1, z=int(base[i]) + 13)
        names.append(NAME_PREFIX + text)

    road = cat == "giao_thong"
    has_len = road & (rng.random(n) < 0.6)
    length = np.where(has_len, np.round(rng.uniform(150, 3000, n), 2), np.nan)
    cross = np.where(has_len, rng.choice([5.5, 7.5, 9.0, 13.5, 22.5], size=n), np.nan)
    scale = [f"Chiều dài {_vn_number(length[i])} m; mặt cắt đường {_vn_number(cross[i], 1)} m" if has_len[i]
             else None for i in range(n)]
    funding = rng.integers(0, len(_FUNDING) + 1, size=n)
    priority = rng.integers(1, 4, size=n)
    prio_known = rng.random(n) < 0.6
    baseline = _ints(base, ~no_year)
    created = [datetime.combine(d, datetime.min.time()) + timedelta(hours=9) for d in first_date]
    work = pd.DataFrame({
        "id": ids, "programme_id": [f"P{p + 1}" for p in prog], "name": names, "kind": kind,
        "report_group": group, "category": cat, "oc4ids_sector": sector, "total_investment_vnd": total,
        "length_m": length, "cross_section_m": cross, "scale_text": scale,
        "planning_period": [f"{int(b) + 1} – {int(b) + 13}" if planning[i] else None for i, b in enumerate(base)],
        "baseline_year": baseline, "baseline_set_at": [None if no_year[i] else first_date[i] for i in range(n)],
        "funding_source": [_FUNDING[f] if f < len(_FUNDING) else None for f in funding],
        "investor": [f"Ban QLDA đầu tư xây dựng {_plain(name[huyen_of[p]])}" for p in prog],
        "priority": _ints(priority, prio_known),
        "report_order": np.arange(1, n + 1), "source_ref": SOURCE, "source_quote": None,
        "source_note": "Công trình mô phỏng, không có thật.", "created_at": created, "created_by": ACTOR})
    return {"work": work, "work_area": pd.DataFrame(wa_rows, columns=["work_id", "area_id", "basis", "note"]),
            "planning": planning, "amount": amount, "amount_known": amount_known, "base": base,
            "no_year": no_year, "first_k": first_k, "category": cat}


def _history(rng, w, dates, pid, m: StageModel, causes_frame):
    """Status updates, period by period, vectorised over the works. Returns (frame, final state)."""
    n, P = len(w["work"]), len(dates)
    step_months = (dates[1].year * 12 + dates[1].month - dates[0].year * 12 - dates[0].month) if P > 1 else 3
    scale = step_months / 3.0
    main = [s.code for s in m.stages if s.code not in m.paused]          # the stage order, no pause
    paused_code = next((s.code for s in m.stages if s.code in m.paused), None)
    H = max(i for i, c in enumerate(main) if c in m.handed_over)
    BUILD = min(i for i, c in enumerate(main) if c in m.building)
    codes = np.array(main + [paused_code or main[BUILD]], dtype=object)
    PAUSED_I = len(main)
    procedure = np.array([c in m.procedure for c in main])
    cause_codes = causes_frame["code"].tolist()
    cause_p = np.array([{"von": .35, "thu_tuc": .25, "gpmb": .3}.get(c, .1) for c in cause_codes])
    cause_p /= cause_p.sum()

    planning, base, no_year, first_k = w["planning"], w["base"], w["no_year"], w["first_k"]
    total = np.where(w["amount_known"], w["amount"], 0).astype(float)

    # per-work character
    speed = rng.lognormal(0.0, 0.45, n)
    stuck = rng.random(n) < 0.12
    speed = np.where(stuck, speed * 0.15, speed)
    replanner = rng.random(n) < 0.5
    p_slip = np.where(replanner, 0.6, 0.04)
    p_resume = np.where(rng.random(n) < 0.3, 0.05, 0.35)
    cause_w = rng.choice(len(cause_codes), size=n, p=cause_p)
    stops = rng.random(n) < 0.05
    stop_k = np.where(stops, rng.integers(1, max(2, P), size=n), P + 1)
    never = rng.random(n) < 0.02                                       # no status at all
    unknown_start = rng.random(n) < 0.03

    # initial state: later baselines start earlier in the stage order
    late = np.clip((base - 2022) / 5.0, 0, 1)
    w_late = np.array([.05, .2, .2, .45, .1])
    w_early = np.array([.2, .35, .2, .2, .05])
    r0 = rng.random(n)
    cum = np.cumsum(w_late[None, :] * (1 - late[:, None]) + w_early[None, :] * late[:, None], axis=1)
    s = (r0[:, None] > cum).sum(axis=1)
    s = np.where(s >= 4, H, np.minimum(s, BUILD))                      # 0..3 early or building, 4 handed
    s = np.where(planning & (s > 0) & (s < H), 0, s)
    pct = np.where(s == BUILD, rng.uniform(0, 70, n), np.where(s == H, 100.0, 0.0))
    frac = np.where(s == H, rng.uniform(0.85, 1.0, n), np.where(s == BUILD, pct / 100 * 0.8, 0.0))
    paused = np.zeros(n, dtype=bool)
    E = base.astype(float).copy()
    E[no_year] = np.nan

    parts = []
    for k, d in enumerate(dates):
        u = rng.random((15, n))                                        # every draw of the period
        active = k > first_k
        if k > 0:
            handed = s == H
            resume = active & paused & (u[0] < p_resume)
            paused &= ~resume
            build = active & (s == BUILD) & ~paused
            pct = np.where(build, np.minimum(100.0, pct + (3 + 15 * u[1]) * speed * scale), pct)
            finish = build & (pct >= 100) & (u[2] < 0.75)
            pause_start = build & ~finish & (u[3] < 0.03 * scale)
            paused |= pause_start
            adv = active & (s < BUILD) & (u[4] < np.clip(0.22 * speed * scale, 0, 0.9))
            nxt = s + adv
            nxt = np.where(adv & planning & ~procedure[np.minimum(nxt, H)], H, nxt)  # planning: no site
            pct = np.where(adv & (nxt == BUILD), 0.0, pct)
            s = np.where(finish, H, nxt)
            pct = np.where(finish, 100.0, pct)
            frac = np.maximum(frac, np.where(s == H, 0.85 + 0.15 * u[5],
                                             np.where(s == BUILD, pct / 100 * (0.7 + 0.3 * u[5]), 0.02 * u[5])))
            # due (from 01/10 of the expected year) and not handed over: some re-plan a year later
            due = active & ~(s == H) & ~np.isnan(E) & ((d.year > E) | ((d.year == E) & (d.month >= 10)))
            slip = due & (u[6] < p_slip)
            E = np.where(slip, np.maximum(E + 1, d.year + (d.month >= 10)), E)
        handed = s == H
        record = (k >= first_k) & ~never & (u[7] >= 0.07) & ((k < stop_k) | handed)
        record &= ~handed | (u[8] < 0.5) | (k == first_k)
        if not record.any():
            continue
        overdue = ~handed & ~np.isnan(E) & (d.year > E)
        slipped = ~np.isnan(E) & (E > base)
        trouble = overdue | slipped | paused | (stuck & (s < BUILD))
        stage_i = np.where(paused, PAUSED_I, s)
        stage = codes[stage_i].copy()
        stage[(u[9] < 0.015) | (unknown_start & (k == first_k))] = None
        phys = np.where(planning, np.nan,
                        np.where(s == BUILD, np.round(pct, 1), np.where(handed, 100.0, np.where(u[10] < 0.35, 0.0, np.nan))))
        phys = np.where((s >= BUILD) & (u[10] < 0.2), np.nan, phys)
        disb = _round_million(total * frac).astype(float)
        disb = np.where(~w["amount_known"] | (u[11] < 0.3), np.nan, disb)
        exp_year = np.where(u[11] > 0.95, np.nan, E)                  # sometimes left blank
        cause = np.where(trouble & (u[12] < 0.5), np.array(cause_codes, dtype=object)[cause_w], None)
        note_kind = np.where(paused, "paused", np.where(handed, "done", np.where(s == BUILD, "build", "early")))
        note = [_NOTES[kk][int(v * 1000) % len(_NOTES[kk])] if v < 0.08 else None
                for kk, v in zip(note_kind[record], u[13][record])]
        idx = np.flatnonzero(record)
        entered = (np.datetime64(d) + np.timedelta64(1, "D") * (1 + (u[14][record] * 10).astype(int))
                   + np.timedelta64(1, "m") * (480 + (u[14][record] * 5400).astype(int) % 540))
        parts.append(pd.DataFrame({
            "work_id": w["work"]["id"].to_numpy()[idx], "period_id": pid[k], "as_of": d,
            "stage": stage[record], "physical_pct": phys[record],
            "disbursed_vnd": _ints(disb[record]), "expected_year": _ints(exp_year[record]),
            "note": note, "delay_cause": cause[record], "source_ref": f"Báo cáo kỳ {pid[k]} (mô phỏng)",
            "source_quote": None, "entered_by": ACTOR, "entered_at": entered.astype("datetime64[us]")}))
    hist = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=[
        "work_id", "period_id", "as_of", "stage", "physical_pct", "disbursed_vnd", "expected_year", "note",
        "delay_cause", "source_ref", "source_quote", "entered_by", "entered_at"])
    hist.insert(0, "id", np.arange(1, len(hist) + 1))
    return hist, {"E": E, "handed": s == H}


def _work_standards(rng, work: pd.DataFrame, frames) -> pd.DataFrame:
    """Links like the seed's: a category's works touch the standards the seed links that category to."""
    seed_ws = frames["work_standard"].merge(frames["work"][["id", "category"]], left_on="work_id", right_on="id")
    by_cat: dict[str, list[tuple[str, float]]] = {}
    for cat, g in seed_ws.groupby("category", sort=True):
        firsts = g.drop_duplicates("standard_code")
        by_cat[cat] = list(zip(firsts["standard_code"], firsts["effect_value"]))
    labels = dict(zip(frames["category"]["code"], frames["category"]["label_vi"]))
    rows = []
    cats = work["category"].to_numpy()
    draws = rng.random((len(work), max((len(v) for v in by_cat.values()), default=1)))
    for i, (wid, cat) in enumerate(zip(work["id"], cats)):
        for j, (code, value) in enumerate(by_cat.get(cat, [])):
            if draws[i, j] < 0.5:
                known = value is not None and not pd.isna(value)
                rows.append((wid, code, f"{NAME_PREFIX}{labels.get(cat, cat)}: góp phần vào tiêu chuẩn {code}",
                             None if known else "Mức tác động chưa có số liệu (mô phỏng)",
                             float(value) if known else np.nan))
    return pd.DataFrame(rows, columns=["work_id", "standard_code", "effect", "note", "effect_value"])


def _num(text) -> float | None:
    """A level of the rule-set as a number; None when it is empty or not a number ('có dự án')."""
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return None
    try:
        value = float(str(text).replace(",", "."))
    except ValueError:
        return None
    return None if np.isnan(value) else value


def _indicators(rng, targets: pd.DataFrame, areas: pd.DataFrame, tables, dates, gen_at) -> pd.DataFrame:
    """Values of the programme towns for the default rule-set (its class) and NQ 111 (loại III):
    around the minimum level, about a quarter missing, some with an older value as well."""
    std = tables["ruleset_standard"]
    levels = tables["ruleset_level"]
    rows = []
    last_year = dates[-1].year
    for t in targets.itertuples():
        sel = std[((std["ruleset_id"] == criteria.DEFAULT_RULESET) & (std["class_code"] == t.target_class))
                  | ((std["ruleset_id"] == "nq111-2025") & (std["class_code"] == "III"))]
        shared = {"pop": float(np.round(rng.uniform(3000, 30000))), "dens": float(np.round(rng.uniform(200, 1500), 1))}
        for s in sel.itertuples():
            draw = rng.random(4)
            if draw[0] < 0.25:
                continue
            value_num, value_text = None, None
            if s.code in ("TC2.1", "2A.II.03"):
                value_num = shared["pop"]
            elif s.code in ("TC3.1", "2A.II.04"):
                value_num = shared["dens"]
            elif s.direction == "level":
                opts = levels[(levels["ruleset_id"] == s.ruleset_id) & (levels["standard_code"] == s.code)]
                if opts.empty:
                    continue
                value_text = str(opts["level"].iloc[int(draw[1] * len(opts))])
            else:
                low = _num(s.min_level)
                if low is None:
                    continue
                v = low * float(np.exp(rng.normal(0.0, 0.4)))
                if s.unit == "%":
                    v = min(v, 100.0)
                value_num = v
            whole = bool(s.is_count) or s.unit == "người"
            rounded = (lambda v: float(round(v))) if whole else (lambda v: round(v, 1))  # noqa: E731
            years = [last_year - 1 - int(draw[2] * 2)]
            if draw[3] < 0.25:
                years.insert(0, years[0] - 1)
            for j, y in enumerate(years):
                older = j < len(years) - 1
                rows.append({
                    "area_id": t.area_id, "standard_code": s.code,
                    "value_num": None if value_num is None else rounded(value_num * (0.95 if older else 1.0)),
                    "value_text": value_text, "unit": None if pd.isna(s.unit) else s.unit,
                    "as_of": date(y, 12, 31), "source": SOURCE,
                    "entered_by": ACTOR, "entered_at": gen_at, "is_demo": False,
                    "confidence": ["C", "C2", "U"][int(draw[1] * 3)], "note": "Số liệu mô phỏng",
                    "doc_name": f"Báo cáo thống kê năm {y} (mô phỏng)", "doc_no": f"{10 + len(rows)}/BC-UBND-MP",
                    "doc_date": date(y + 1, 1, 15)})
    out = pd.DataFrame(rows)
    out.insert(0, "id", np.arange(1, len(out) + 1))
    out["value_num"] = out["value_num"].astype("Float64")
    return out


def _capital_plans(rng, w, final, dates) -> pd.DataFrame:
    """Yearly plans for about a third of the works with an amount: coverage 60-115 %, a few
    allocated nothing (the funding-gap flag's red), disbursement known for past years."""
    n = len(w["work"])
    chosen = w["amount_known"] & ~w["planning"] & (rng.random(n) < 0.35)
    y0 = np.array([dates[k].year for k in w["first_k"]])
    end = np.where(np.isnan(final["E"]), w["base"], final["E"]).astype(int)
    y1 = np.clip(end, y0, y0 + 6)
    count = np.where(chosen, y1 - y0 + 1, 0)
    idx = np.repeat(np.arange(n), count)
    if not len(idx):
        return pd.DataFrame(columns=["work_id", "year", "allocated_vnd", "disbursed_vnd", "decision_ref",
                                     "source_ref", "entered_by", "entered_at", "row_version"])
    starts = np.cumsum(count) - count
    year = y0[idx] + (np.arange(len(idx)) - starts[idx])
    g = rng.gamma(2.0, 1.0, len(idx))
    sums = np.add.reduceat(g, starts[chosen])
    share = g / np.repeat(sums, count[chosen])
    coverage = np.where(rng.random(n) < 0.06, 0.0, rng.uniform(0.6, 1.15, n))
    alloc = _round_million(w["amount"][idx] * coverage[idx] * share).astype(float)
    r = rng.random((3, len(idx)))
    alloc = np.where(r[0] < 0.05, np.nan, alloc)
    last_year = dates[-1].year
    disb = np.where((year <= last_year) & ~np.isnan(alloc), _round_million(np.nan_to_num(alloc) * (0.5 + 0.5 * r[1])), np.nan)
    disb = np.where(r[2] < 0.15, np.nan, disb)
    return pd.DataFrame({
        "work_id": w["work"]["id"].to_numpy()[idx], "year": year, "allocated_vnd": _ints(alloc),
        "disbursed_vnd": _ints(disb),
        "decision_ref": [f"QĐ {100 + i % 900}/QĐ-UBND ngày 15/01/{y} (mô phỏng)" for i, y in enumerate(year)],
        "source_ref": [f"Kế hoạch vốn năm {y} (mô phỏng)" for y in year], "entered_by": ACTOR,
        "entered_at": [datetime(int(min(y, last_year)), 1, 20, 9, 0) for y in year], "row_version": 1})


def _tasks(rng, programmes: int, areas, towns_of) -> pd.DataFrame:
    name = dict(zip(areas["id"], areas["name"]))
    departments = ["Phòng Kinh tế và Hạ tầng", "Phòng Tài nguyên và Môi trường", "Phòng Tài chính – Kế hoạch",
                   "Phòng Văn hoá và Thông tin", "Ủy ban nhân dân các thị trấn"]
    rows, order = [], 0
    for p in range(programmes):
        towns = " và ".join(_plain(name[t]) for t in towns_of[p])
        for j in range(int(rng.integers(4, 8))):
            order += 1
            status = _TASK_STATUS[int(rng.integers(0, len(_TASK_STATUS)))]
            rows.append({"id": f"P{p + 1}-NV-{j + 1:02d}", "programme_id": f"P{p + 1}",
                         "department": departments[j % len(departments)],
                         "task": NAME_PREFIX + _TASKS[j % len(_TASKS)].format(t=towns), "status": status,
                         "status_note": "Tình trạng mô phỏng.", "source_ref": SOURCE, "sort_order": order})
    return pd.DataFrame(rows)


# -- writing ---------------------------------------------------------------------------------------

_SEQUENCES = {"status_update": "status_update_seq", "indicator_value": "indicator_value_seq",
              "audit_log": "audit_seq"}
# tables whose rows may already be there after the migrations (settings of migration 002)
_OR_IGNORE = {"setting"}


def _insert(cur, table: str, frame: pd.DataFrame) -> None:
    if frame.empty:
        return
    _rows = frame  # noqa: F841  (DuckDB reads the local frame by its name: a replacement scan)
    cols = ", ".join(frame.columns)
    verb = "INSERT OR IGNORE" if table in _OR_IGNORE else "INSERT"
    cur.execute(f"{verb} INTO {table} ({cols}) SELECT {cols} FROM _rows")
    seq = _SEQUENCES.get(table)
    if seq:  # ids were given: move the sequence past them, so the app's next insert gets a new id
        cur.execute(f"SELECT max(nextval('{seq}')) FROM range({int(frame['id'].max())})")


def generate(out: Path, works: int = 5000, periods: int = 20, seed: int = 1, programmes: int = 3,
             cadence: str = "quarterly") -> dict[str, int]:
    """Write a new synthetic database at ``out`` (refused: see check_target). Returns the row counts."""
    path = check_target(out)
    tables = build_tables(works, periods, seed, programmes, cadence)
    db = Database(path)  # a new file: the app's migrations
    try:
        cur = db._con.cursor()
        try:
            cur.begin()
            for table, frame in tables.items():
                if table == "meta":
                    cur.execute("INSERT OR REPLACE INTO meta (key, value) SELECT key, value FROM frame")
                else:
                    _insert(cur, table, frame)
            cur.execute("UPDATE meta SET value = '1' WHERE key = 'data_version'")
            cur.commit()
        except BaseException:
            cur.rollback()
            raise
        finally:
            cur.close()
        db._con.execute("CHECKPOINT")
        counts = {t: int(db.scalar(f"SELECT count(*) FROM {t}")) for t in tables if t != "meta"}
    except BaseException:
        db.close()
        for p in (path, path.with_name(path.name + ".wal")):
            p.unlink(missing_ok=True)
        raise
    db.close()
    return counts


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' không phải số nguyên") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"cần một số từ 1 trở lên, không phải {value}")
    return value


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.synthetic",
                                 description="Tạo một tệp DuckDB MỚI chứa dữ liệu mô phỏng (không phải số liệu thật).")
    ap.add_argument("--works", type=_positive, default=5000, help="số công trình (mặc định 5000)")
    ap.add_argument("--periods", type=_positive, default=20, help="số kỳ báo cáo (mặc định 20)")
    ap.add_argument("--seed", type=int, default=1, help="hạt giống ngẫu nhiên (mặc định 1)")
    ap.add_argument("--programmes", type=_positive, default=3, help="số chương trình (mặc định 3)")
    ap.add_argument("--cadence", choices=sorted(CADENCES), default="quarterly",
                    help="kỳ báo cáo theo quý (mặc định) hoặc theo tháng")
    ap.add_argument("--out", required=True, type=Path, help="tệp mới sẽ tạo (không ghi đè tệp đã có)")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    try:
        counts = generate(args.out, args.works, args.periods, args.seed, args.programmes, args.cadence)
    except SyntheticError as e:
        print(f"Lỗi: {e}", file=sys.stderr)
        return 2
    seconds = time.perf_counter() - started
    print(f"Đã tạo {args.out} ({LABEL_VI}, seed {args.seed}): {counts['programme']} chương trình, "
          f"{counts['area']} địa bàn, {counts['work']} công trình, {counts['work_area']} liên kết địa bàn, "
          f"{counts['reporting_period']} kỳ, {counts['status_update']} cập nhật, "
          f"{counts['indicator_value']} giá trị chỉ tiêu, {counts['capital_plan']} dòng kế hoạch vốn, "
          f"{counts['department_task']} nhiệm vụ; {seconds:.1f} giây")
    return 0


if __name__ == "__main__":
    sys.exit(main())
