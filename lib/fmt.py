"""Number, money and date formats: Vietnamese by default (1.036,5 tỷ đồng).

Unknown values are never shown as 0: they read "chưa có số liệu".
"""
from __future__ import annotations

import re
from datetime import date

import pandas as pd

from lib.i18n import DEFAULT_LANG, Msg, number_marks, t, text_of

TY = 1_000_000_000


def is_missing(value) -> bool:
    """None, NaN, pd.NA and NaT are missing; 0 is a value."""
    if value is None:
        return True
    kind = type(value)
    if kind is int or kind is str:  # the common values, without pandas (a province formats thousands)
        return False
    if kind is float:
        return value != value
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists and arrays are values
        return False


def each_distinct(fn, *columns) -> list:
    """``fn(*values)`` for each row of ``columns`` (Series, or lists, of one length), computed once
    per distinct combination of values: a province's thousands of works share a few dozen towns,
    years and stages, and nothing is read row by row from pandas. Unknown values (None, NaN, NA)
    count as one value; ``fn`` gets the row's own values."""
    lists = [c.tolist() if isinstance(c, pd.Series) else list(c) for c in columns]
    unknown = [c.isna().tolist() if isinstance(c, pd.Series) else
               [v is None or (isinstance(v, float) and v != v) for v in c] for c in columns]
    memo: dict = {}
    out = []
    for values, gaps in zip(zip(*lists), zip(*unknown)):
        key = tuple(None if gap else v for v, gap in zip(values, gaps))
        try:
            value = memo[key]
        except KeyError:
            value = memo[key] = fn(*values)
        except TypeError:  # a value that is no dict key
            value = fn(*values)
        out.append(value)
    return out


def is_blank(value) -> bool:
    """Missing, or text with nothing but spaces: what a user left empty."""
    return value.strip() == "" if isinstance(value, str) else is_missing(value)


class NumberError(ValueError):
    """Text that is not a finite number: the message is a ``lib.i18n.Msg`` (``.message``), put into
    the user's language by ``.text(lang)``; ``str(e)`` is the Vietnamese text."""

    def __init__(self, message: Msg):
        self.message = message
        super().__init__(str(message))

    def text(self, lang: str = DEFAULT_LANG) -> str:
        return text_of(self.message, lang)


VI_THOUSANDS = re.compile(r"^-?\d{1,3}(\.\d{3})+(,\d+)?$")


def parse_number(value) -> float | None:
    """What a user typed, read the Vietnamese way: '.' groups thousands and ',' marks decimals
    (1.036,5 -> 1036.5; 7.250 -> 7250; 495.5 and 495,5 -> 495.5). Blank -> None.
    Raises NumberError (a ValueError, ``.text(lang)``) for text that is not a finite number."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise NumberError(Msg("fmt.err.not_number", text=str(value)))
    if isinstance(value, str):
        text = value.strip().replace(" ", "")
        if VI_THOUSANDS.match(text) or "," in text:
            text = text.replace(".", "").replace(",", ".")
        try:
            number_ = float(text)
        except ValueError:
            raise NumberError(Msg("fmt.err.not_number", text=value[:40])) from None
    else:
        try:
            number_ = float(value)
        except OverflowError:  # an integer of hundreds of digits
            raise NumberError(Msg("fmt.err.too_large")) from None
        except (TypeError, ValueError):
            raise NumberError(Msg("fmt.err.not_number", text=str(value)[:40])) from None
    if number_ != number_ or number_ in (float("inf"), float("-inf")):
        raise NumberError(Msg("fmt.err.not_finite"))
    return number_


def sum_known(values) -> int | float | None:
    """The sum of the known values; None when there are values to sum but none is known (an
    unknown amount is never summed as 0). An empty set sums to 0 (nothing is 0 đồng)."""
    s = pd.Series(values, dtype="Float64") if not isinstance(values, pd.Series) else values.astype("Float64")
    if len(s) == 0:
        return 0
    known = s.dropna()
    if not len(known):
        return None
    total = float(known.sum())
    return int(total) if total.is_integer() else total


def number(value, decimals: int = 0, lang: str = "vi", strip: bool = True) -> str:
    """1036.5 -> '1.036,5' (vi) or '1,036.5' (en); trailing zeros stripped when strip."""
    if is_missing(value):
        return t("common.no_data", lang)
    text = f"{float(value):,.{decimals}f}"
    if strip and "." in text:
        text = text.rstrip("0").rstrip(".")
    return number_marks(text, lang)


def ty(vnd, lang: str = "vi", decimals: int = 3, unit: bool = True, strip: bool = True) -> str:
    """Amount in đồng -> 'tỷ đồng' with up to three decimals: 1_036_000_000 -> '1,036 tỷ đồng'.
    ``strip=False`` keeps every decimal (one precision for a whole view: '10,000')."""
    if is_missing(vnd):
        return t("common.no_data", lang)
    text = number(vnd / TY, decimals, lang, strip=strip)
    return f"{text} {t('unit.ty_dong', lang)}" if unit else text


def percent(value, lang: str = "vi", decimals: int = 1) -> str:
    if is_missing(value):
        return t("common.no_data", lang)
    return f"{number(value, decimals, lang)} %"


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$:&])")


HTML_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>")  # typed text may not hold an HTML tag


def md_escape(text, limit: int = 200) -> str:
    """Text a user typed (or put in a URL), made safe for an element that renders Markdown:
    every Markdown character escaped, so no link, image or emphasis is drawn; cut at ``limit``."""
    text = "" if text is None else str(text)
    if len(text) > limit:
        text = text[:limit] + "…"
    text = _MD_SPECIAL.sub(r"\\\1", text).replace("\n", " ")
    # a bare web address is turned into a link by the Markdown renderer even when escaped:
    # a word joiner after the scheme and after "www" keeps it plain text
    return re.sub(r"(?i)(\w)\\:(//)", "\\1\\:\u2060\\2", text).replace("www\\.", "www\u2060\\.")


DAY_MIN, DAY_MAX = date(2000, 1, 1), date(2100, 12, 31)  # dates the app reasons about
_DAY_VI = re.compile(r"^\s*(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})\s*$")
_DAY_ISO = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")


def parse_day(text, lang: str = "vi", lo: date = DAY_MIN, hi: date = DAY_MAX) -> date:
    """A day typed the Vietnamese way (31/12/2023, also 31-12-2023) or as in a URL (2023-12-31),
    between ``lo`` and ``hi``. Raises ValueError with a message in the user's language."""
    raw = "" if text is None else str(text)
    m, iso = _DAY_VI.match(raw), _DAY_ISO.match(raw)
    try:
        if m:
            value = date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        elif iso:
            value = date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        else:
            raise ValueError
    except ValueError:
        raise ValueError(t("fmt.err.day", lang, text=raw[:40])) from None
    if not lo <= value <= hi:
        raise ValueError(t("fmt.err.day_range", lang, text=day(value, lang), lo=day(lo, lang), hi=day(hi, lang)))
    return value


def day(d: date | None, lang: str = "vi") -> str:
    if d is None or (not isinstance(d, date) and is_missing(d)):
        return t("common.no_data", lang)
    return f"{d:%d/%m/%Y}" if lang == "vi" else f"{d:%d %b %Y}"


def as_of(d: date | None, precision: str = "day", lang: str = "vi") -> str:
    """A data cut-off date, honest about its precision ('tháng 12/2022' when only the month is known)."""
    if d is None:
        return t("common.no_data", lang)
    if precision == "month":
        return t("fmt.month_year", lang, month=d.month, year=d.year, month_name=f"{d:%B}")
    return day(d, lang)


def duration(days: int, lang: str = "vi") -> str:
    """Roughly: '3 năm 11 tháng' / '45 ngày'."""
    if days < 60:
        return t("fmt.days", lang, n=days)
    months = round(days / 30.4375)
    years, months = divmod(months, 12)
    if years and months:
        return t("fmt.years_months", lang, y=years, m=months)
    if years:
        return t("fmt.years", lang, y=years)
    return t("fmt.months", lang, m=months)
