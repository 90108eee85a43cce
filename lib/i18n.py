"""Translation layer: every label of the interface comes from lib/locales/*.json.

Each catalogue file maps a key to {"vi": ..., "en": ...}. Vietnamese is the
default; a key missing in the chosen language falls back to Vietnamese, and a
key missing everywhere is shown as itself so it is noticed.

One file per page or feature, named after the key prefixes it holds (``FILES``):
core.json is the frame and the words every page shares, the others are a page or a
feature (flags.json: the delay flags, page and lib/flags.py alike). A key whose prefix
belongs to another file, or a key defined twice (in two files, or twice in one file),
raises at load. tests/test_locales.py checks that every key the code uses exists
in both languages with the same placeholders, that every key built at runtime
exists for every value the data can give, and that no key is unused.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from numbers import Integral
from pathlib import Path

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
LANGS = ("vi", "en")
DEFAULT_LANG = "vi"


# file -> the key prefixes (the text before the first dot) it holds; each prefix in one file
FILES: dict[str, tuple[str, ...]] = {
    "core.json": ("common", "unit", "fmt", "nav", "filter", "town", "stamp", "stage", "group", "kind",
                  "table", "settings"),
    "overview.json": ("overview",),
    "slides.json": ("slides",),
    "register.json": ("register", "detail", "chart"),
    "flags.json": ("flags",),
    "criteria.json": ("crit",),
    "evidence.json": ("ev",),
    "funding.json": ("funding",),
    "tasks.json": ("tasks",),
    "update.json": ("update", "setting"),
    "admin.json": ("admin",),
    "auth.json": ("auth",),
    "import.json": ("imp", "xlsx"),
    "pack.json": ("pack",),
    "opendata.json": ("opendata",),
    # messages built in lib/ (errors, labels of data files), one file per module family
    "rules.json": ("rules",),
    "backup.json": ("backup",),
    "db.json": ("db",),
}
PREFIX_FILE = {prefix: name for name, prefixes in FILES.items() for prefix in prefixes}


def _pairs_once(path: Path):
    def hook(pairs):
        keys = [k for k, _ in pairs]
        twice = sorted({k for k in keys if keys.count(k) > 1})
        if twice:
            raise ValueError(f"{path.name}: {', '.join(twice)} defined twice in the file")
        return dict(pairs)
    return hook


def load_file(path: Path) -> dict[str, dict[str, str]]:
    """One catalogue file; a key written twice in it raises (json would keep the last silently)."""
    return json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=_pairs_once(path))


def merge(files: dict[str, dict[str, dict[str, str]]]) -> dict[str, dict[str, str]]:
    """{file name: its entries} -> one catalogue. Raises on a key in two files, an unknown file
    or a key whose prefix belongs to another file."""
    merged: dict[str, dict[str, str]] = {}
    where: dict[str, str] = {}
    for name, entries in files.items():
        if name not in FILES:
            raise ValueError(f"{name}: not a catalogue file of lib.i18n.FILES")
        for key, texts in entries.items():
            if key in merged:
                raise ValueError(f"translation key {key!r} is defined twice ({where[key]} and {name})")
            home = PREFIX_FILE.get(key.split(".", 1)[0])
            if home != name:
                raise ValueError(f"translation key {key!r} is in {name}, its prefix belongs to {home}")
            merged[key], where[key] = texts, name
    return merged


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    return merge({path.name: load_file(path) for path in sorted(LOCALES_DIR.glob("*.json"))})


def normalise_lang(lang: str | None) -> str:
    return lang if lang in LANGS else DEFAULT_LANG


# the names under which a text is given a count (works, rows, days, points, ...): a whole number
# given under one of them is written in the language's format (2.912 / 2,912); years, codes and
# versions go under other names ({year}, {end}, {baseline}, {version}) and stay as they are
COUNT_NAMES = frozenset({
    "n", "total", "done", "known", "missing", "red", "amber", "late", "slipped", "handed", "flagged",
    "k", "x", "u", "d", "first", "last", "same", "blank", "rows", "expected", "earlier", "later",
    "days", "months", "limit", "max", "min", "written", "works", "changes"})
_VI_MARKS = str.maketrans(",.", ".,")


def number_marks(text: str, lang: str) -> str:
    """A number as Python writes it with ``,`` (1,036.5), in the marks of ``lang``: 1.036,5 in
    Vietnamese (the one place the marks are swapped; ``lib.fmt.number`` and ``t`` use it)."""
    return text.translate(_VI_MARKS) if lang == "vi" else text


def t(key: str, lang: str = DEFAULT_LANG, **kwargs) -> str:
    texts = catalogue().get(key)
    if texts is None:
        return key
    lang = normalise_lang(lang)
    text = texts.get(lang) or texts.get(DEFAULT_LANG) or key
    if not kwargs:
        return text
    for name in kwargs.keys() & COUNT_NAMES:  # a count of a thousand or more: with its separators
        v = kwargs[name]
        if isinstance(v, Integral) and not isinstance(v, bool) and not -1000 < v < 1000:
            kwargs[name] = number_marks(f"{int(v):,}", lang)
    return text.format(**kwargs)


# -- text built in lib/ before the language is known ---------------------------------------------
@dataclass(frozen=True, init=False)
class Msg:
    """A message of lib/ (an error, a warning, a label) as a key and its values, put into words
    only when shown: ``Msg("rules.err.not_number", row=4, field=Msg("rules.field.weight"))``.

    A value may itself be a Msg (translated in the same language), a ``Num`` (a number written
    in the language's format) or a date (written dd/mm/yyyy); anything else is written as is.
    ``str(msg)`` is the Vietnamese text, so logs and old callers read as before."""

    key: str
    params: tuple

    def __init__(self, key: str, **params):
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "params", tuple(params.items()))

    def text(self, lang: str = DEFAULT_LANG) -> str:  # whole numbers as they are: ``t`` writes the counts
        return t(self.key, lang, **{k: v if isinstance(v, Integral) and not isinstance(v, bool) else text_of(v, lang)
                                    for k, v in self.params})

    def __str__(self) -> str:
        return self.text(DEFAULT_LANG)


@dataclass(frozen=True)
class Num:
    """A number inside a Msg, written when the language is known (1.036,5 / 1,036.5)."""

    value: float | int
    decimals: int = 0

    def text(self, lang: str = DEFAULT_LANG) -> str:
        from lib import fmt  # lazy: lib.fmt imports this module
        return fmt.number(self.value, self.decimals, lang)


def text_of(value, lang: str = DEFAULT_LANG) -> str:
    """Any message of lib/ in ``lang``: a Msg, a Num, an error carrying one (``.text(lang)``), a
    list of them (one per line), a date, or plain text (kept as it is)."""
    if isinstance(value, (Msg, Num)) or (isinstance(value, Exception) and hasattr(value, "text")):
        return value.text(lang)
    if isinstance(value, (list, tuple)):
        return "\n".join(text_of(v, lang) for v in value)
    if isinstance(value, date):
        from lib import fmt
        return fmt.day(value, lang)
    return str(value)
