"""Translation layer: every label of the interface comes from lib/locales/*.json.

Each catalogue file maps a key to {"vi": ..., "en": ...}. Vietnamese is the
default; a key missing in the chosen language falls back to Vietnamese, and a
key missing everywhere is shown as itself so it is noticed (a test checks that
every key used by the code exists in both languages).
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
LANGS = ("vi", "en")
DEFAULT_LANG = "vi"


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(LOCALES_DIR.glob("*.json")):
        entries = json.loads(path.read_text(encoding="utf-8"))
        for key, texts in entries.items():
            if key in merged:
                raise ValueError(f"translation key {key!r} is defined twice ({path.name})")
            merged[key] = texts
    return merged


def normalise_lang(lang: str | None) -> str:
    return lang if lang in LANGS else DEFAULT_LANG


def t(key: str, lang: str = DEFAULT_LANG, **kwargs) -> str:
    texts = catalogue().get(key)
    if texts is None:
        return key
    text = texts.get(normalise_lang(lang)) or texts.get(DEFAULT_LANG) or key
    return text.format(**kwargs) if kwargs else text
