"""Hostile text typed by a user is shown as text on every page and in every download.

Text with Markdown images and links, emphasis and a spreadsheet formula goes through the
library's own write functions into every field a user writes (a period label and its source,
a status note, an indicator value's source and note, a scenario's name and note, a committee
decision's reference, an account's display name). HTML is refused by those functions; it is
also put straight into the database (as an older version or a hand edit could) to check the
pages escape it. Then (a) every page is drawn (Streamlit AppTest) and no element that renders
Markdown or HTML carries the markup unescaped, and (b) every download the pages offer, and
the ones built on click (the Word pack, the scenario minutes), is opened: no CSV or Excel
cell starts with a formula character, and the Word text holds the words literally.
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
from datetime import date

import pytest

from lib import auth, criteria, evidence, export, scenario, scenario_report, scenario_store, updates, whatif
from lib.db import ValidationError
from lib.updates import Period, Update
from tests.test_app import ROOT, goto, new_app, page_files
from tests.conftest import seeded  # noqa: E402

FORMULA = '=HYPERLINK("http://evil.example")'
IMAGE = "![x](http://evil.example/a.png)"
LINK = "[bấm](http://evil.example)"
BOLD = "**đậm**"
HTML = "<img src=x onerror=alert(1)>"
HOSTILE = f"{FORMULA} {IMAGE} {LINK} {BOLD}"                     # passes the write checks
SHORT = '=HYPERLINK("http://e.vn") ![x](http://e.vn/a.png) [bấm](http://e.vn) **đậm**'  # a name: 80 chars
PERIOD = "2023-06"
WORK = "XH-09"

# the markup, as it would be if it reached a Markdown or HTML element unescaped
RAW = [re.compile(p) for p in (
    r"(?<!\\)!(?<!\\)\[x(?<!\\)\]\(http",            # an image
    r"(?<!\\)\[bấm(?<!\\)\]\(http",                   # a link
    r"(?<!\\)\*\*đậm(?<!\\)\*\*",                     # emphasis
    r"(?<!\\)<img src=x",                             # HTML
)]
MARKDOWN_TYPES = {"markdown", "caption", "title", "header", "subheader", "divider", "latex", "alert",
                  "error", "warning", "info", "success", "toast", "exception", "metric", "expander",
                  "tab", "button", "download_button", "form_submit_button", "page_link", "popover",
                  "checkbox", "toggle", "radio", "selectbox", "multiselect", "text_input", "text_area",
                  "number_input", "date_input", "slider", "select_slider", "file_uploader", "pills"}


class Downloads:
    """The media files of the latest AppTest run (download buttons with their data)."""

    manager = None


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory):
    from streamlit.runtime.media_file_manager import MediaFileManager
    from streamlit.testing.v1 import app_test

    class Recording(MediaFileManager):
        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            Downloads.manager = self

    tmp = tmp_path_factory.mktemp("hostile")
    mp = pytest.MonkeyPatch()
    mp.setenv("CT07_DB_PATH", str(seeded(tmp / "app.duckdb")))
    mp.chdir(ROOT)
    mp.setattr(app_test, "MediaFileManager", Recording)
    at = new_app(tmp)
    at.query_params["work"] = WORK
    at.run()
    db, who = _write_hostile_text()
    at.session_state["ct07_session"] = auth.start_session(who)
    yield at, db, who
    mp.undo()


def _write_hostile_text():
    """Every user-writable text field, through the library's write functions."""
    from lib.db import db_path_from_env
    from ui import frame

    db = frame._open(str(db_path_from_env()))
    with pytest.raises(auth.AuthError):                                 # HTML in a name: refused
        auth.add_user(db, auth.CLI, "hostile-html", HTML, "admin", "mat-khau-thu-nghiem")
    auth.add_user(db, auth.CLI, "hostile", SHORT, "admin", "mat-khau-thu-nghiem")
    who = auth.Identity("hostile", SHORT, "admin")
    with pytest.raises(ValidationError):                                # HTML in a label: refused
        updates.record(db, who, Period(PERIOD, HTML, date(2023, 6, 30)), [Update(WORK, note="x")], new_period=True)
    updates.record(db, who, Period(PERIOD, HOSTILE, date(2023, 6, 30), source_ref=HOSTILE),
                   [Update(WORK, note=HOSTILE)], new_period=True)
    criteria.add_indicator_value(db, who, "tra-linh", "2A.I.01", "cấp tỉnh", date(2024, 1, 1), HOSTILE, HOSTILE)
    criteria.add_indicator_value(db, who, "tra-linh", "TC3.1", 100, date(2024, 1, 1), HOSTILE, HOSTILE)
    scenario_store.save_scenario(db, who, SHORT, scenario.default_scenario(2023), note=HOSTILE)
    work = evidence.works_without_town(db)["id"].iloc[0]
    evidence.state_town(db, who, work, "tra-linh", HOSTILE, "01/02/2024")
    # what an older version or a hand edit could have stored: HTML as well
    db.write(who, "t", lambda cur: cur.execute(
        "UPDATE status_update SET note = ? WHERE period_id = ? AND work_id = ?", [HOSTILE + " " + HTML, PERIOD, WORK]))
    return db, who


def _walk(node):
    yield node
    for child in (getattr(node, "children", None) or {}).values():
        yield from _walk(child)


def _texts(node) -> list[str]:
    """What an element renders as Markdown or HTML: its body, value and label."""
    proto = getattr(node, "proto", None)
    out = []
    for attr in ("body", "label", "help", "caption", "placeholder", "value"):
        v = getattr(proto, attr, None) if proto is not None else None
        if isinstance(v, str):
            out.append(v)
    return out


def _unescaped(at) -> list[tuple[str, str]]:
    bad = []
    for node in _walk(at._tree):
        kind = getattr(node, "type", "")
        if kind not in MARKDOWN_TYPES and kind != "html":
            continue            # dataframes, st.text, code: shown as text by Streamlit
        for text in _texts(node):
            # st.html draws no Markdown: there only a tag would be markup
            for pattern in (RAW[-1:] if kind == "html" else RAW):
                if pattern.search(text):
                    bad.append((kind, text[:300]))
    return bad


def _download_files(at) -> dict[str, bytes]:
    files = {}
    storage = Downloads.manager._storage
    for node in _walk(at._tree):
        if getattr(node, "type", "") != "download_button":
            continue
        url = node.proto.url
        if not url and node.proto.deferred_file_id:  # made on click: click it
            url = Downloads.manager.execute_deferred(node.proto.deferred_file_id)
        if not url:
            continue            # built on click: checked through the library below
        file_id = url.rsplit("/", 1)[-1].split(".")[0]
        name = node.proto.label + " → " + url.rsplit(".", 1)[-1]
        files[name] = storage.get_file(file_id).content
    return files


def _formula_cells(name: str, data: bytes) -> list[str]:
    """Cells a spreadsheet would run as a formula."""
    bad = []
    if name.endswith("csv"):
        for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")):
            bad += [c for c in row if c.startswith(export.FORMULA_START) and c.strip() != "-" and not _number(c)]
    elif name.endswith("xlsx"):
        from openpyxl import load_workbook
        for ws in load_workbook(io.BytesIO(data)).worksheets:
            for row in ws.iter_rows():
                for c in row:
                    if c.data_type == "f" or (isinstance(c.value, str) and c.value.startswith(export.FORMULA_START)
                                              and c.value.strip() != "-"):
                        bad.append(str(c.value))
    return bad


def _number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


SEEN: dict[str, bytes] = {}  # page: file -> bytes, of every page visited in this test process


def _visit(at, page: str) -> dict[str, bytes]:
    """Open ``page`` (the funding page with the saved scenario compared) and its downloads."""
    goto(at, page)
    assert not at.exception, [e.value for e in at.exception]
    if page == "pages/kich_ban_von.py":          # the saved scenario side by side with the current one
        box = [m for m in at.multiselect if m.key == "fund_compare"]
        assert box, "the comparison offers the saved scenario"
        box[0].set_value([SHORT]).run()
        assert not at.exception, [e.value for e in at.exception]
    files = _download_files(at)
    SEEN.update({f"{page}: {k}": v for k, v in files.items()})
    return files


@pytest.mark.parametrize("page", page_files())
def test_every_page_shows_hostile_text_as_text(hostile_app, page):
    at, _, _ = hostile_app
    files = _visit(at, page)
    for name, data in files.items():
        assert _formula_cells(name, data) == [], name
    bad = _unescaped(at)
    assert bad == [], "\n".join(map(str, bad))


def test_the_hostile_text_reached_the_pages_and_their_downloads(hostile_app):
    """The check above is not empty: the text is on the pages, escaped, and in the files."""
    at, _, _ = hostile_app
    for page in page_files():  # the pages another test process visited (pytest-xdist splits the module)
        if not any(k.startswith(f"{page}: ") for k in SEEN):
            _visit(at, page)
    goto(at, "pages/tong_quan.py")
    shown = " ".join(t for node in _walk(at._tree) for t in _texts(node))
    assert "HYPERLINK" in shown, "the period label is on the page"
    kinds = {k.rsplit(" ", 1)[-1] for k in SEEN}
    assert {"csv", "xlsx"} <= kinds, sorted(SEEN)
    compared = [v for k, v in SEEN.items() if k.startswith("pages/kich_ban_von.py") and k.endswith("xlsx")]
    assert compared and b"'=HYPERLINK" in _xlsx_text("x.xlsx", compared[0]), "the scenario's name, neutralised"


def _xlsx_text(name: str, data: bytes) -> bytes:
    if not name.endswith("xlsx"):
        return b""
    from openpyxl import load_workbook
    return " ".join(str(c.value) for ws in load_workbook(io.BytesIO(data)).worksheets
                    for row in ws.iter_rows() for c in row if c.value is not None).encode()


def _docx_text(data: bytes) -> str:
    from docx import Document
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    for section in doc.sections:
        parts += [p.text for p in section.header.paragraphs]
    return "\n".join(parts)


def test_downloads_built_on_click_keep_the_text_literal_and_neutralise_formulas(hostile_app):
    from lib import meeting_pack, oc4ids
    _, db, _ = hostile_app
    pack = _docx_text(meeting_pack.build_pack(db, period_id=PERIOD, towns=None, eval_date=date(2024, 1, 1),
                                              lang="vi", drafted_on=date(2024, 1, 2)))
    assert HOSTILE in pack, "the period label, word for word"
    sc = scenario.Scenario.from_json(db.scalar("SELECT params FROM scenario WHERE name = ?", [SHORT]))
    o = whatif.outcomes(db, sc, PERIOD, criteria.DEFAULT_RULESET, False)
    args = dict(as_of_text="30/06/2023", period_label=HOSTILE, town_names={}, stage_labels={},
                not_simulated_names={}, ruleset_name="NQ", uses_demo=False, lang="vi")
    minutes = _docx_text(meeting_pack.scenario_minutes_docx(HOSTILE, sc, o, head=meeting_pack.letterhead(db), **args))
    assert HOSTILE in minutes and "<w:" not in minutes
    table = scenario_report.comparison_frame([(HOSTILE, sc, o)], {}, {}, "vi", detail=True)
    assert _formula_cells("x.xlsx", scenario_report.comparison_xlsx(table, [HOSTILE], "vi")) == []
    doc = json.loads(scenario_report.comparison_json([{"name": HOSTILE, "note": HOSTILE, "scenario": sc, "outcomes": o}], {}))
    assert doc["scenarios"][0]["name"] == HOSTILE        # JSON keeps the text as it is
    ev = evidence.checklist_xlsx(db, "tra-linh", criteria.DEFAULT_RULESET)
    assert _formula_cells("c.xlsx", ev) == []
    package = oc4ids.build(db, period_id=PERIOD)
    assert package is not None
    from ui.criteria_view import ruleset_file_bytes
    texts = {r.name: r.content for r in db.query("SELECT name, content FROM ruleset_file").itertuples()}
    rows = list(csv.reader(io.StringIO(texts["groups.csv"], newline="")))
    rows[1][rows[0].index("name")] = FORMULA
    rows[1][rows[0].index("note")] = "@" + HOSTILE
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    hostile_csv = buf.getvalue()
    out = ruleset_file_bytes('a,b,c\n"=1+1",-5,"@x"\n"\tx",-,+3\n')
    assert _formula_cells("r.csv", out) == [] and b",-5," in out and b",-," in out
    assert _formula_cells("g.csv", ruleset_file_bytes(hostile_csv)) == []


def test_csv_and_excel_of_a_table_neutralise_every_formula_start():
    import pandas as pd
    cells = ["=1+1", "+1", "-x", "@SUM(A1)", "\tx", "\rx", "-", "-5", "an toàn"]
    frame = pd.DataFrame({"a": cells, "=b": cells})
    assert _formula_cells("t.csv", export.to_csv_bytes(frame)) == []
    assert _formula_cells("t.xlsx", export.to_xlsx_bytes(frame, "s", ["=meta"])) == []


@pytest.mark.parametrize("value", [HTML, f"{IMAGE} {LINK} {BOLD}", "9" * 5000, "2023-02-30", "-1"])
def test_every_url_parameter_with_hostile_text_is_said_as_text(tmp_path, monkeypatch, value):
    """?town=, ?period=, ?eval=, ?lang=, ?work=: a Vietnamese warning with the value as text,
    a sane default, never a crash (?slide= is checked in tests/test_slides.py)."""
    monkeypatch.setenv("CT07_DB_PATH", str(seeded(tmp_path / "app.duckdb")))
    monkeypatch.chdir(ROOT)
    at = new_app(tmp_path)
    for key in ("town", "period", "eval", "lang", "work"):
        at.query_params[key] = value
    at.switch_page(os.path.join(ROOT, "pages", "danh_muc.py")).run()
    assert not at.exception, [e.value for e in at.exception]
    said = [w.value for w in at.warning]
    assert len(said) >= 4, said          # town, period, eval (or a date out of range), lang, work
    assert _unescaped(at) == []
    assert all(len(w) < 600 for w in said)
    assert at.session_state["f_lang"] == "vi" and at.session_state["f_period"] == "2022-12"
