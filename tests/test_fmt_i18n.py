"""Vietnamese number formats (the translation catalogue: tests/test_locales.py)."""
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from lib import fmt


@pytest.mark.parametrize("vnd,lang,text", [
    (1_036_000_000, "vi", "1,036 tỷ đồng"),
    (1_036_500_000_000, "vi", "1.036,5 tỷ đồng"),
    (10_000_000_000, "vi", "10 tỷ đồng"),
    (650_000_000, "vi", "0,65 tỷ đồng"),
    (1_036_500_000_000, "en", "1,036.5 billion VND"),
    (0, "vi", "0 tỷ đồng"),
])
def test_money(vnd, lang, text):
    assert fmt.ty(vnd, lang) == text


@pytest.mark.parametrize("missing", [None, float("nan"), pd.NA])
def test_missing_is_never_zero(missing):
    assert fmt.ty(missing) == "chưa có số liệu"
    assert fmt.number(missing) == "chưa có số liệu"
    assert fmt.ty(missing, "en") == "no data"


def test_dates_and_durations():
    assert fmt.day(date(2025, 7, 1)) == "01/07/2025"
    assert fmt.as_of(date(2022, 12, 31), "month") == "tháng 12/2022"
    assert fmt.duration(1425) == "3 năm 11 tháng"
    assert fmt.duration(30) == "30 ngày"


@pytest.mark.parametrize("text,value", [("7.250", 7250), ("1.036,5", 1036.5), ("495,5", 495.5), ("495.5", 495.5),
                                        ("1.200.000.000", 1.2e9), (" 42 ", 42), ("", None), (None, None)])
def test_parse_number_reads_what_a_vietnamese_user_types(text, value):
    assert fmt.parse_number(text) == value


@pytest.mark.parametrize("bad", ["abc", "1,2,3", "nan", "inf", True])
def test_parse_number_refuses_in_vietnamese(bad):
    with pytest.raises(ValueError, match="không phải là số"):
        fmt.parse_number(bad)


def test_markdown_escape_leaves_no_link_image_or_web_address():
    from lib.fmt import md_escape
    for text in ("![x](http://example.invalid/a.png)", "[l](http://example.invalid/l)",
                 "see https://example.invalid/x and www.example.invalid", "<img src=x onerror=alert(1)>"):
        out = md_escape(text)
        import re
        assert not re.search(r"(?<!\\)\]\(|(?<!\\)<|(?<!\\)!\[", out), out   # every Markdown/HTML mark escaped
        assert "://" not in out and "www." not in out, out   # no bare address the renderer could link


def test_a_number_that_cannot_be_read_says_so_in_the_users_language():
    with pytest.raises(fmt.NumberError) as e:
        fmt.parse_number("nhiều")
    assert isinstance(e.value, ValueError)
    assert str(e.value) == "'nhiều' không phải là số" and e.value.text("vi") == "'nhiều' không phải là số"
    assert e.value.text("en") == "'nhiều' is not a number"
    with pytest.raises(fmt.NumberError) as e:
        fmt.parse_number(float("inf"))
    assert str(e.value) == "không phải là số hữu hạn" and e.value.text("en") == "not a finite number"


def test_counts_of_a_thousand_or_more_are_written_in_the_language_format():
    """A province's counts (works, days, rows) read 2.912 in Vietnamese and 2,912 in English, given
    under a count's name (``COUNT_NAMES``), as an int, a numpy int or inside a Msg; a year, given
    under its own name, stays 2024; small counts are unchanged."""
    import numpy as np

    from lib.i18n import Msg, t, text_of
    assert t("flags.msg.stale", "vi", days=1234, date="31/12/2022", limit=180) == \
        "Chưa cập nhật 1.234 ngày (lần cuối 31/12/2022, ngưỡng 180 ngày)"
    assert t("flags.msg.stale", "en", days=np.int64(1234), date="31/12/2022", limit=180).startswith(
        "Not updated for 1,234 days")
    assert t("overview.kpi_handed_over_value", "vi", done=2912, n=5000) == "2.912/5.000"
    assert t("flags.msg.overdue", "vi", year=2024, date="31/12/2026", months=24).startswith("Dự kiến hoàn thành 2024,")
    assert text_of(Msg("imp.ui.errors", n=1234), "en").startswith("The file has 1,234 ")
    assert text_of(Msg("imp.ui.errors", n=1234), "vi").startswith("Tệp có 1.234 lỗi")
    assert t("stamp.partial", "vi", n=999, total=18) == \
        "kỳ này cập nhật 999/18 công trình, các công trình khác giữ tình trạng của kỳ trước"
    # a spreadsheet row is a place the user finds in Excel (1234), and a version is no count
    from lib.updates import row_label
    assert text_of(row_label(1234), "vi") == "Dòng 1234" and text_of(row_label(1234), "en") == "Row 1234"
    assert "phiên bản 1200 mà" in text_of(Msg("funding.scen.err.newer_version", v=1300, supported=1200), "vi")
