"""The frame every page runs in: database handle, cached reads, shared filters, stamp.

``app.py`` calls ``render_frame`` before running the selected page; a page calls
``page_header`` first. When Streamlit serves a file of pages/ by itself (its
older auto-discovery, before app.py has run once in this server), the page is
sent back through app.py, which then opens the page asked for.
"""
from __future__ import annotations

import dataclasses
import html
import importlib
import json
import pickle
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from lib import fmt, queries
from lib.db import Database, database_target, return_large_blocks
from lib.i18n import LANGS, normalise_lang, t, text_of
from lib.seed import open_configured

TOWN_KEY = "f_towns"
PROGRAMME_KEY = "f_programme"  # the programme on screen (a province file holds several)
TOWNS_OF = "_towns_programme"  # the programme the towns chosen belong to
PILL_TOWNS = 6  # up to this many areas the towns are pills on the title row; more: a multiselect
EVAL_SAVED = "eval_saved"  # the flags' evaluation date a user chose (ui/flags_view)
GOTO_PERIOD = "_goto_period"
BAD_EVAL = "_bad_eval"  # why the evaluation date of the URL was refused
BAD_PERIOD = "_bad_period"  # a period in the URL that does not exist
BAD_LANG = "_bad_lang"  # a language in the URL that the interface does not have
BAD_PROGRAMME = "_bad_programme"  # a programme in the URL that the database does not hold
ROOT = Path(__file__).resolve().parent.parent
STYLE = (Path(__file__).resolve().parent / "style.css").read_text(encoding="utf-8")  # fixed rules, no data
ICON = Path(__file__).resolve().parent / "assets" / "icon.png"  # served by the app: no request leaves the machine
RETURNS_LARGE_BLOCKS = return_large_blocks()  # the server gives back what a province's reads used (lib/db.py)


def get_db() -> Database:
    """One connection per server process (and per database file, so tests that point
    CT07_DB_PATH elsewhere get their own). Looked up once per script run (a page reads a dozen times)."""
    target = database_target()  # CT07_DATABASE_URL (PostgreSQL) or CT07_DB_PATH
    marker = _this_run()
    if marker is None:
        return _open(target)
    seen = _RUN_DB.get(marker)
    if seen is None or seen[0] != target:
        seen = _RUN_DB[marker] = (target, _open(target))
    return seen[1]


_RUN_DB: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # script run -> (target, its Database)


@st.cache_resource(show_spinner=False)
def _open(path: str) -> Database:
    return open_configured(path)


def _compute(module: str, name: str, path: str, version: int, args: tuple, kwargs: tuple, then: tuple = ()):
    if then:  # the read itself from the cache: a page that shows the flags, their table by work and
        # their counts by town evaluates them once, not once per step (a copy: the steps cannot change it)
        result = _cached_read((module, name, path, version, args, kwargs, ()))
    else:
        result = getattr(importlib.import_module(module), name)(_open(path), *args, **dict(kwargs))
    for t_module, t_name in then:  # a pure step of lib/ over the read (e.g. flags.by_work), cached with it
        result = getattr(importlib.import_module(t_module), t_name)(result)
    return result


@st.cache_data(show_spinner=False, max_entries=512)
def _cached_by_key(key: bytes, _read: tuple):
    """``_compute(*_read)`` keyed by ``key``, the pickle of ``_read``: Streamlit hashes one argument
    of bytes rather than seven of any kind (its hashing was a tenth of the server time of a page)."""
    return _compute(*_read)


@st.cache_data(show_spinner=False, max_entries=512)
def _cached(module: str, name: str, path: str, version: int, args: tuple, kwargs: tuple, then: tuple = ()):
    """``_compute`` for a read whose arguments do not pickle: Streamlit hashes them its own way."""
    return _compute(module, name, path, version, args, kwargs, then)


def _cached_read(key: tuple):
    """The read of ``key`` (module, name, path, version, args, kwargs, then) from Streamlit's cache."""
    try:
        blob = pickle.dumps(key, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - any argument pickle refuses
        return _cached(*key)
    return _cached_by_key(blob, key)


# script run -> (db.changes, data version): the version is read once per run (it was a query per
# read, 15 % of a rerun), and again when this process wrote since (a save, then its receipt)
_RUN_VERSION: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _data_version(db: Database) -> int:
    marker = _this_run()
    if marker is None:
        return db.data_version()
    seen = _RUN_VERSION.get(marker)
    if seen is None or seen[0] != (id(db), db.changes):
        seen = ((id(db), db.changes), db.data_version())
        _RUN_VERSION[marker] = seen
    return seen[1]


def data_version() -> int:
    """The database's data version, read once per script run (see _data_version)."""
    return _data_version(get_db())


def read(fn, *args, then=(), **kwargs):
    """Call a read function of lib/ with the database, cached until the next write. ``then``: pure
    functions of lib/ applied in turn to the result, cached with it (``then=flags.by_work``)."""
    db = get_db()
    frozen = tuple(tuple(a) if isinstance(a, list) else a for a in args)
    kw = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in kwargs.items()))
    steps = tuple((f.__module__, f.__name__) for f in (then if isinstance(then, (list, tuple)) else (then,)))
    key = (fn.__module__, fn.__name__, str(db.path), _data_version(db), frozen, kw, steps)
    memo = _run_reads()
    hashable = True
    try:
        seen = memo.get(key, _NONE)
    except TypeError:  # an argument that is no dict key: Streamlit's cache hashes it its own way
        memo, seen, hashable = {}, _NONE, False
    if seen is _NONE and hashable:
        seen = _small_get(key)
    if seen is not _NONE:
        memo[key] = seen
        return seen.copy() if isinstance(seen, pd.DataFrame) else seen
    result = _cached_read(key)
    if not isinstance(result, pd.DataFrame) and not _immutable(result):
        return result  # a value a caller could change: a fresh copy from Streamlit's cache each time
    memo[key] = result
    if hashable:
        _small_put(key, result)
    return result.copy() if isinstance(result, pd.DataFrame) else result


_NONE = object()  # not read yet (None is a result)
_IMMUTABLE = (str, bytes, bool, int, float, type(None), date)


def _immutable(v, depth: int = 0) -> bool:
    """A value no caller can change: a text, number, date or None, or a tuple or frozen dataclass
    of those (the legal status of a town, its answer)."""
    if isinstance(v, _IMMUTABLE):
        return True
    if depth > 4:
        return False
    if isinstance(v, (tuple, frozenset)):
        return all(_immutable(x, depth + 1) for x in v)
    if dataclasses.is_dataclass(v) and not isinstance(v, type) and v.__dataclass_params__.frozen:
        return all(_immutable(getattr(v, f.name), depth + 1) for f in dataclasses.fields(v))
    return False


# process-wide, across runs and sessions: the small frames (and the texts, numbers and dates) of
# ``read`` as they came from Streamlit's cache, so that a rerun does not unpickle them again (a
# district page makes about thirty reads, and their unpickling was a fifth of its rerun). Same key
# as the cache (the data version is in it: a write makes every entry unreachable, and the entries
# of older versions are let go as soon as a newer one is kept), emptied when Streamlit's data cache
# is cleared (a restore). Only values of at most SMALL_BYTES (measured by their pickle, once: a
# value refused is remembered), at most SMALL_TOTAL bytes in all (the least recently used go
# first): a province's large frames stay in Streamlit's cache alone, memory first. Every session
# gets a copy of a frame; the Python lists in its cells (``area_ids``) are shared, and no page
# changes them.
SMALL_BYTES = 256 << 10
SMALL_TOTAL = 8 << 20
_SMALL: "OrderedDict[tuple, tuple[object, int]]" = OrderedDict()  # key -> (value, its bytes)
_SMALL_LOCK = threading.Lock()
_SMALL_STATE: dict = {"epoch": None, "bytes": 0, "versions": {}, "refused": set()}


def _small_epoch_checked() -> None:
    """Empty the memo when Streamlit's data cache was cleared since it was filled (once per run)."""
    memo = _run_reads()
    if memo.get(_EPOCH_SEEN):
        return
    epoch = _cache_epoch()
    with _SMALL_LOCK:
        if _SMALL_STATE["epoch"] != epoch:
            _SMALL.clear()
            _SMALL_STATE.update(epoch=epoch, bytes=0, versions={}, refused=set())
    memo[_EPOCH_SEEN] = True


_EPOCH_SEEN = ("_small_epoch_seen",)


def _small_get(key: tuple):
    if _this_run() is None:
        return _NONE
    _small_epoch_checked()
    with _SMALL_LOCK:
        found = _SMALL.get(key)
        if found is None:
            return _NONE
        _SMALL.move_to_end(key)
        return found[0]


def _small_put(key: tuple, result) -> None:
    if _this_run() is None or key in _SMALL_STATE["refused"]:
        return
    _small_epoch_checked()
    size = None
    if not (isinstance(result, pd.DataFrame) and len(result) > 5000):
        try:
            size = len(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
        except Exception:  # noqa: BLE001 - it came from Streamlit's cache, pickled: not expected
            size = None
    with _SMALL_LOCK:
        if size is None or size > SMALL_BYTES:
            refused = _SMALL_STATE["refused"]
            if len(refused) > 4096:
                refused.clear()
            refused.add(key)
            return
        path, version = key[2], key[3]
        newest = _SMALL_STATE["versions"].get(path)
        if newest is None or version > newest:  # a write: the older versions' entries are unreachable
            _SMALL_STATE["versions"][path] = version
            for k in [k for k in _SMALL if k[2] == path and k[3] < version]:
                _SMALL_STATE["bytes"] -= _SMALL.pop(k)[1]
        elif version < newest:  # a run that began before the write: nobody will ask for it again
            return
        old = _SMALL.pop(key, None)
        if old is not None:
            _SMALL_STATE["bytes"] -= old[1]
        _SMALL[key] = (result, size)
        _SMALL_STATE["bytes"] += size
        while _SMALL_STATE["bytes"] > SMALL_TOTAL and _SMALL:
            _SMALL_STATE["bytes"] -= _SMALL.popitem(last=False)[1][1]


# script run -> {read: its frame}: a frame read twice in one run (the page, the data stamp and the
# detail tab read the works) comes back from Streamlit's cache (unpickled) once, then is copied
_RUN_READS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _run_reads() -> dict:
    marker = _this_run()
    return _RUN_READS.setdefault(marker, {}) if marker is not None else {}


@st.cache_data(show_spinner=False)
def _cache_epoch() -> str:
    """A new value whenever Streamlit's data cache is cleared (a restore clears it)."""
    import uuid
    return uuid.uuid4().hex


class _Kept:
    """A kept value (``kept``), held by every session that draws it; gone with the last of them."""
    __slots__ = ("value", "__weakref__")

    def __init__(self, value):
        self.value = value


# (name, database, data version, cache epoch, key) -> the value sessions hold: two sessions that draw
# the same view share one value (a province's deck or what-if model is megabytes, and a meeting
# opens the same page on several screens). Weak: a value lives only while a session holds it.
_KEPT_SHARED: "weakref.WeakValueDictionary" = weakref.WeakValueDictionary()
_KEPT_LOCK = threading.Lock()


def kept(name: str, key: tuple, make):
    """``make()``, kept by the session while ``key`` (and the database, its data version and the
    life of Streamlit's data cache) does not change: for a large result that a page draws from on
    every run (the slides' deck, the what-if model), so that a rerun with nothing changed neither
    reads it back from Streamlit's cache (unpickling a thousand frames) nor computes it again.
    Sessions with the same ``key`` share one value (``_KEPT_SHARED``), so ``key`` holds everything
    the value depends on besides the data, and callers only read it."""
    db = get_db()
    full = (name, str(db.path), data_version(), _cache_epoch(), key)
    slot = f"_kept_{name}"
    last = st.session_state.get(slot)
    if last is not None and last[0] == full:
        return last[1].value
    try:
        with _KEPT_LOCK:
            held = _KEPT_SHARED.get(full)
        shared = True
    except TypeError:  # a key that is no dict key: kept by this session alone
        held, shared = None, False
    if held is None:
        held = _Kept(make())
        if shared:
            with _KEPT_LOCK:
                held = _KEPT_SHARED.setdefault(full, held)
    st.session_state[slot] = (full, held)
    return held.value


@dataclass(frozen=True)
class Ctx:
    """What the frame decided for this run: language, programme, towns, reporting period."""
    lang: str
    towns: list[str] | None            # None: every area
    town_options: pd.DataFrame = field(repr=False)
    period_id: str | None = None
    period_label: str = ""
    as_of: date | None = None
    as_of_precision: str = "day"
    town_labels: tuple = ()            # (id, full label) of every town the filter offers
    programme: str | None = None       # the programme every read is scoped to (None: the file has none)
    programme_name: str = ""

    def tr(self, key: str, **kw) -> str:
        return t(key, self.lang, **kw)


def town_display(row, lang: str) -> str:
    if row["id"] == queries.UNKNOWN_TOWN:
        return t("town.unknown", lang)
    name = str(row["name"])
    name = name[0].upper() + name[1:]
    if row["kind"] == "huyen":
        return t("town.district", lang)
    return name


def _query_list(key: str) -> list[str] | None:
    raw = st.query_params.get(key)
    if raw is None:
        return None
    return [p for p in raw.split(",") if p]


def _init_programme(programme_ids: list[str]) -> str | None:
    """The programme on screen: the session's choice, else the URL's (``?programme=``), else the
    first. A programme the file does not hold is refused with a message (the first is shown)."""
    chosen = st.session_state.get(PROGRAMME_KEY)
    if chosen not in programme_ids:
        wanted = st.query_params.get("programme")
        if wanted is not None and wanted not in programme_ids:
            st.session_state[BAD_PROGRAMME] = wanted[:40]
        chosen = wanted if wanted in programme_ids else (programme_ids[0] if programme_ids else None)
        st.session_state[PROGRAMME_KEY] = chosen
    if st.session_state.get(TOWNS_OF, chosen) != chosen:  # another programme: its own towns, all of them
        st.session_state.pop(TOWN_KEY, None)
        st.session_state.pop("_unknown_town_ids", None)
        if "town" in st.query_params:  # the address still names the old programme's towns
            del st.query_params["town"]
    st.session_state[TOWNS_OF] = chosen
    return chosen


def _init_state(valid_ids: list[str], periods: pd.DataFrame) -> None:
    """First run of a session (or of a programme): take the filters from the URL (a bookmarked view)."""
    if TOWN_KEY not in st.session_state:
        wanted = _query_list("town")
        known = [x for x in (wanted or []) if x in valid_ids]
        many = len(valid_ids) > PILL_TOWNS  # a multiselect: nothing chosen means every area
        st.session_state[TOWN_KEY] = known or ([] if many else list(valid_ids))  # a link naming no known town: all
        st.session_state["_unknown_town_ids"] = [x for x in (wanted or []) if x not in valid_ids]
    goto = st.session_state.pop(GOTO_PERIOD, None)  # a page asked to show a period it just created
    if goto in set(periods["id"]):
        st.session_state["f_period"] = goto
    if "f_period" not in st.session_state or st.session_state["f_period"] not in set(periods["id"]):
        wanted_period = st.query_params.get("period")
        if wanted_period is not None and wanted_period not in set(periods["id"]):
            st.session_state[BAD_PERIOD] = wanted_period[:40]  # said on the page: the newest is shown
        st.session_state["f_period"] = wanted_period if wanted_period in set(periods["id"]) else (
            periods.iloc[0]["id"] if len(periods) else None)
    if "f_lang" not in st.session_state:
        wanted_lang = st.query_params.get("lang")
        if wanted_lang is not None and wanted_lang not in LANGS:
            st.session_state[BAD_LANG] = wanted_lang[:40]  # said on the page: Vietnamese is shown
        st.session_state["f_lang"] = normalise_lang(wanted_lang)
    if EVAL_SAVED not in st.session_state and st.query_params.get("eval"):
        try:
            st.session_state[EVAL_SAVED] = fmt.parse_day(st.query_params["eval"], current_lang())
        except ValueError as e:  # a hand-edited link: say so, and use the period's date
            st.session_state[BAD_EVAL] = str(e)
            del st.query_params["eval"]


def current_lang() -> str:
    return normalise_lang(st.session_state.get("f_lang") or st.query_params.get("lang"))


def configure_page() -> None:
    st.set_page_config(page_title="CT07 · Trùng Khánh", page_icon=str(ICON),
                       layout="wide", initial_sidebar_state="collapsed")


# Script runs that have drawn the frame: Streamlit makes a new coordinator object for every
# run (ScriptRunContext.reset), so a weak set of them marks "this run" and forgets old runs.
_FRAMED_RUNS: "weakref.WeakSet" = weakref.WeakSet()


def _this_run():
    run = get_script_run_ctx()
    return getattr(run, "parallel_coordinator", None) if run is not None else None


def _frame_ran_this_run() -> bool:
    marker = _this_run()
    return marker is not None and marker in _FRAMED_RUNS


def _framework_words(lang: str) -> str:
    """Streamlit writes a few words of its own in English (an empty list after a search, the
    navigation's "N more", the file uploader's button and limit): the style sheet puts the
    interface's words in their place. Only catalogue text goes in, quoted."""
    # a CSS string takes UTF-8 as it is (json.dumps' \u escapes mean something else in CSS)
    no_results = json.dumps(t("common.no_results", lang), ensure_ascii=False)
    more = json.dumps(t("common.nav_more", lang), ensure_ascii=False)
    pick = json.dumps(t("common.upload_pick", lang), ensure_ascii=False)
    # each uploader says its own size limit in its help (rule-sets, checklists and workbooks differ)
    limit = json.dumps(t("common.upload_limit", lang), ensure_ascii=False)  # a narrow screen folds pages into "N more"
    return ("[role='listbox'][data-empty='true'] span {visibility: hidden; font-size: 0 !important;}"
            f"[role='listbox'][data-empty='true'] span::after {{content: {no_results}; visibility: visible;"
            " font-size: 18px;}"
            ".rc-overflow-item-rest [data-testid='stTopNavSection'] p {font-size: 0 !important;}"
            f".rc-overflow-item-rest [data-testid='stTopNavSection'] p::after {{content: {more}; font-size: 18px;}}"
            # the file uploader's button and its limit line
            "[data-testid='stFileUploaderDropzone'] button [data-testid='stMarkdownContainer'] p {font-size: 0 !important;}"
            f"[data-testid='stFileUploaderDropzone'] button [data-testid='stMarkdownContainer'] p::after {{content: {pick};"
            " font-size: 18px;}"
            "[data-testid='stFileUploaderDropzoneInstructions'] span {font-size: 0 !important;}"
            f"[data-testid='stFileUploaderDropzoneInstructions'] span::after {{content: {limit}; font-size: 18px;}}")


def town_short(row, lang: str) -> str:
    """The label of a town on the filter pills: short enough for one row at 1280 px."""
    if row["id"] == queries.UNKNOWN_TOWN:
        return t("town.unknown_short", lang)
    if row["kind"] == "huyen":
        return t("town.district_short", lang)
    name = str(row["name"])
    for prefix in ("thị trấn ", "xã ", "phường "):
        if name.lower().startswith(prefix):
            return name[len(prefix):]
    return name[0].upper() + name[1:]


def render_frame(title: str, chrome: bool = True) -> Ctx:
    """The shared filters (kept in the URL) and, unless ``chrome`` is off (the slides), one
    compact row of title, towns and period above a one-line data stamp."""
    marker = _this_run()
    if marker is not None:
        _FRAMED_RUNS.add(marker)
    programmes = read(queries.programmes)
    programme_ids = list(programmes["id"])
    programme = _init_programme(programme_ids)
    options = read(queries.town_options, programme)
    valid_ids = list(options["id"])
    periods = read(queries.periods)
    _init_state(valid_ids, periods)
    lang = current_lang()

    with st.sidebar:
        st.selectbox(t("filter.lang", lang), LANGS, key="f_lang", placeholder=t("common.choose", lang), filter_mode=None,
                     format_func=lambda code: {"vi": "Tiếng Việt", "en": "English"}[code])
        st.caption(t("filter.sidebar_note", lang))
    lang = current_lang()

    # Not a style-only block: Streamlit drops those at the start of every rerun (then its English
    # "Running..." shows); with a marker the block stays until the run replaces it, and hides itself.
    st.html(f'<span class="ct07-style"></span><style>{STYLE}{_framework_words(lang)}</style>')
    town_rows = options.to_dict("records")  # a province has dozens of areas: no row Series each
    full = {r["id"]: town_display(r, lang) for r in town_rows}
    short = {r["id"]: town_short(r, lang) for r in town_rows}
    period_labels = dict(zip(periods["id"], periods["label_vi"]))
    names = dict(zip(programmes["id"], programmes["name"]))
    if chrome:
        if len(programme_ids) > 1:  # a province file: the programme first, then the same filters
            c_title, c_prog, c_towns, c_period = st.columns([2.3, 2.6, 2.8, 2.3], vertical_alignment="center",
                                                            gap="small")
            c_prog.selectbox(t("filter.programme", lang), programme_ids, key=PROGRAMME_KEY, filter_mode=None,
                             format_func=lambda p: str(names.get(p) or p), placeholder=t("common.choose", lang),
                             help=t("filter.programme", lang), label_visibility="collapsed")
        else:
            c_title, c_towns, c_period = st.columns([3.0, 3.9, 3.1], vertical_alignment="center", gap="small")
        c_title.title(title)
        if len(valid_ids) <= PILL_TOWNS:
            c_towns.pills(t("filter.town", lang), valid_ids, selection_mode="multi", key=TOWN_KEY,
                          format_func=lambda x: short.get(x, x), help=t("filter.town_help", lang),
                          label_visibility="collapsed")
        else:  # a province's dozens of areas do not fit on one row of pills: a list to type in
            c_towns.multiselect(t("filter.town", lang), valid_ids, key=TOWN_KEY, format_func=lambda x: full.get(x, x),
                                help=t("filter.town_help", lang), label_visibility="collapsed",
                                placeholder=t("filter.town_all", lang))
        c_period.selectbox(t("filter.period", lang), list(periods["id"]), key="f_period",
                           placeholder=t("common.choose", lang), filter_mode=None,
                           format_func=lambda p: t("filter.period_value", lang, label=period_labels.get(p, p)),
                           disabled=len(periods) < 2, label_visibility="collapsed",
                           help=t("filter.period", lang))
    url_warnings(lang)
    made = read(queries.synthetic)
    if made is not None:  # a generated file (bench/synthetic.py): said on every screen, slides included
        st.html(f'<div class="ct07-synthetic">{html.escape(t("stamp.synthetic", lang, command=str(made.get("command", ""))[:200]))}</div>')

    towns = list(st.session_state[TOWN_KEY] or [])
    all_selected = set(towns) == set(valid_ids) or (len(valid_ids) > PILL_TOWNS and not towns)
    period_id = st.session_state["f_period"]
    newest = periods.iloc[0]["id"] if len(periods) else None
    _sync_url(programme=None if not programme_ids or programme == programme_ids[0] else programme,
              town=None if all_selected else ",".join(towns),
              period=None if period_id == newest else period_id,
              lang=None if lang == "vi" else lang,
              eval=st.session_state[EVAL_SAVED].isoformat() if st.session_state.get(EVAL_SAVED) else None)

    prow = periods.set_index("id").loc[period_id] if period_id is not None else None
    ctx = Ctx(lang=lang, towns=None if all_selected else towns, town_options=options,
              period_id=period_id,
              period_label=str(prow["label_vi"]) if prow is not None else "",
              as_of=prow["as_of"].date() if prow is not None else None,
              as_of_precision=str(prow["as_of_precision"]) if prow is not None else "day",
              town_labels=tuple((i, full[i]) for i in valid_ids),
              programme=programme, programme_name=str(names.get(programme) or "") if programme else "")
    st.session_state["ctx"] = ctx
    if chrome:
        data_stamp(ctx)
    return ctx


def url_warnings(lang: str) -> None:
    """What the frame refused in the URL (a hand-edited or old link), said once, as text; the
    page shows a sane default instead (every town, the newest period, Vietnamese, the period's
    date). Also on the slides, which have no other chrome."""
    if st.session_state.get(BAD_PROGRAMME):
        st.warning(t("filter.bad_programme", lang, value=fmt.md_escape(st.session_state.pop(BAD_PROGRAMME), 40)))
    if st.session_state.get("_unknown_town_ids"):
        st.warning(t("filter.unknown_ids", lang,
                     ids=", ".join(fmt.md_escape(x, 40) for x in st.session_state["_unknown_town_ids"][:5])))
    if st.session_state.get(BAD_PERIOD):
        st.warning(t("filter.bad_period", lang, period=fmt.md_escape(st.session_state.pop(BAD_PERIOD), 40)))
    if st.session_state.get(BAD_EVAL):
        st.warning(t("filter.bad_eval", lang, error=fmt.md_escape(st.session_state.pop(BAD_EVAL), 200)))
    if st.session_state.get(BAD_LANG):
        st.warning(t("filter.bad_lang", lang, value=fmt.md_escape(st.session_state.pop(BAD_LANG), 40)))


def _sync_url(**params: str | None) -> None:
    """The filters' ids into the address, by hand: Streamlit's bind="query-params" would write the
    option's label (tests/test_url_binding.py says why that breaks links, and fails when it changes)."""
    for key, value in params.items():
        if value is None:
            if key in st.query_params:
                del st.query_params[key]
        elif st.query_params.get(key) != value:
            st.query_params[key] = value


def page_header() -> Ctx:
    """First call of every page: make sure it runs inside the frame, and get the context.

    Until app.py has called st.navigation once in a server process, Streamlit's older
    pages/ auto-discovery runs a page file by itself: a bookmarked deep link opened first
    after a restart. The page then switches the process to st.navigation, exactly as
    st.navigation itself does, and reruns; the rerun goes through app.py and keeps the
    page asked for and its query string (tests/e2e/test_deep_link.py).
    """
    if not _frame_ran_this_run():
        from streamlit.runtime.pages_manager import PagesManager

        PagesManager.uses_pages_directory = False
        st.rerun()
    ctx: Ctx = st.session_state["ctx"]
    if ctx.towns is not None and not ctx.towns:
        st.info(ctx.tr("filter.none_selected"))
        st.stop()
    return ctx


@dataclass(frozen=True)
class Stamp:
    """What the data stamp says: the cut-off date, the period, and how many works are old."""
    as_of_text: str
    period_label: str
    n_in_period: int | None
    n_works: int
    n_old: int            # open works whose newest update is older than the limit, or never updated
    n_open: int
    limit_days: int
    oldest_age: str | None


def stored_settings() -> tuple[dict[str, str], list[str]]:
    """The ``setting`` table as stored (text, never cast, so a bad value cannot fail the page),
    and one Vietnamese sentence per stored value that is not valid (the default is used)."""
    from lib.flags import Thresholds  # the flag rules own the settings' validation

    rows = read(queries.setting_rows)
    raw = dict(zip(rows["key"], rows["value"]))
    return raw, Thresholds.checked(raw)[1]


def stamp_facts(ctx: Ctx, today: date | None = None) -> Stamp:
    from lib.flags import Thresholds

    today = today or date.today()
    raw, _ = stored_settings()
    limit, _ = Thresholds.setting_int(raw, "stale_after_days")
    works = read(queries.works, ctx.towns, ctx.period_id, ctx.programme)
    n_in_period = None
    if ctx.period_id is not None and len(works):
        n_in_period = int((works["period_id"] == ctx.period_id).sum())
    # days since each open work's newest update (whole days, by column: a province has thousands)
    open_updated = works.loc[~works["is_handed_over"], "status_as_of"]
    updated = pd.to_datetime(open_updated.dropna())
    days = (pd.Timestamp(today) - updated.dt.normalize()).dt.days
    old = days[days > limit]
    n_never = int(open_updated.isna().sum())
    return Stamp(as_of_text=fmt.as_of(ctx.as_of, ctx.as_of_precision, ctx.lang), period_label=ctx.period_label,
                 n_in_period=n_in_period, n_works=len(works), n_old=len(old) + n_never, n_open=len(open_updated),
                 limit_days=limit, oldest_age=fmt.duration(int(old.max()), ctx.lang) if len(old) else None)


def stamp_line(ctx: Ctx, s: Stamp) -> str:
    """'Số liệu tính đến …' as plain text (the caller escapes it)."""
    line = f"{ctx.tr('stamp.as_of', date=s.as_of_text)} · {ctx.tr('stamp.period', label=s.period_label)}"
    if s.n_in_period is not None and s.n_in_period < s.n_works:
        line += " · " + ctx.tr("stamp.partial", n=s.n_in_period, total=s.n_works)
    return line


def data_stamp(ctx: Ctx, today: date | None = None) -> None:
    """'Số liệu tính đến …' on every page, on one line; when data are old, a short warning on the
    same line and the details behind a button."""
    key = (ctx.lang, ctx.towns and tuple(ctx.towns), ctx.period_id, ctx.programme, ctx.as_of, today or date.today())
    s = kept("stamp", key, lambda: stamp_facts(ctx, today))  # once per data version and view
    line = html.escape(stamp_line(ctx, s))
    for problem in stored_settings()[1]:   # a bad value stored by hand or by an older version
        st.warning(t("settings.bad_stored", ctx.lang, problem=fmt.md_escape(text_of(problem, ctx.lang), 400)),
                   icon=":material/tune:")
    if s.n_old:
        left, right = st.columns([8.6, 1.4], vertical_alignment="center")
        left.html(f'<div class="ct07-stamp">{line} · <span class="ct07-stale">'
                  f'{html.escape(ctx.tr("stamp.stale_short", n=s.n_old, total=s.n_open, limit=s.limit_days))}'
                  f"</span></div>")
        with right.popover(ctx.tr("stamp.details"), icon=":material/history:"):
            st.text(ctx.tr("stamp.stale", n=s.n_old, total=s.n_open, limit=s.limit_days,
                           age=s.oldest_age or ctx.tr("common.no_data")))
    else:
        st.html(f'<div class="ct07-stamp">{line}</div>')
    changes = read(queries.unit_changes, today or date.today())
    if len(changes):
        parts = [ctx.tr("stamp.unit_change", old=r.name, new=r.successor_name,
                        date=fmt.day(r.successor_from, ctx.lang)) for r in changes.itertuples()]
        with st.sidebar:
            st.info(ctx.tr("stamp.units_changed", changes="; ".join(parts)))
