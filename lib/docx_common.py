"""Word documents laid out as Vietnamese administrative documents (Nghị định 30/2020/NĐ-CP).

One place for the page (A4, margins 2/2/3/2 cm), the fonts (Times New Roman 14 in the body,
13 in tables), the page number at the top centre (not on the first page), the two-column
header block without borders (issuing body left, national motto right), the number line,
the place-and-date line, and the signature block. Used by ``lib.meeting_pack`` for the
meeting pack and the scenario minutes.

Every text goes in as a plain run (python-docx escapes XML itself); ``clean_text`` first
drops the characters XML 1.0 cannot hold (control characters, lone surrogates), so text a
user typed never breaks the file. Never imports streamlit.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date

from docx import Document
from docx.document import Document as DocumentType
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

FONT = "Times New Roman"
BODY_PT = 14
TABLE_PT = 13
HEADER_PT = 13
NATIONAL_NAME_PT = 12  # ND30 allows 12-13: at 12 the national name holds on one line
PAGE_W_CM, PAGE_H_CM = 21.0, 29.7
MARGIN_TOP_CM, MARGIN_BOTTOM_CM, MARGIN_LEFT_CM, MARGIN_RIGHT_CM = 2.0, 2.0, 3.0, 2.0
FIRST_LINE_CM = 1.0
LANG_TAG = "vi-VN"

NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
NATIONAL_MOTTO = "Độc lập - Tự do - Hạnh phúc"

# XML 1.0 allows only these characters; everything else (C0 controls but tab/newline/CR,
# lone surrogates, U+FFFE/U+FFFF) is removed before it reaches python-docx.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ORGAN_PREFIX = re.compile(r"^\s*(huyện\s+ủy|huyện\s+uỷ|tỉnh\s+ủy|tỉnh\s+uỷ|thành\s+ủy|thành\s+uỷ|đảng\s+ủy|"
                           r"đảng\s+uỷ|ủy\s+ban\s+nhân\s+dân|uỷ\s+ban\s+nhân\s+dân|ubnd)\s+"
                           r"(huyện\s+|tỉnh\s+|thành\s+phố\s+|xã\s+|thị\s+trấn\s+)?", re.IGNORECASE)


def clean_text(value) -> str:
    """Text safe for a Word run: None -> '', characters XML cannot hold removed."""
    if value is None:
        return ""
    return _NOT_XML.sub("", str(value))


def upper_vi(text: str) -> str:
    """Upper case of a Vietnamese name (Python's str.upper handles the diacritics)."""
    return clean_text(text).upper()


def place_from_issuer(issuer: str | None, default: str = "") -> str:
    """'Huyện ủy Trùng Khánh' -> 'Trùng Khánh' (the place of the date line)."""
    text = clean_text(issuer).strip()
    if not text:
        return default
    m = _ORGAN_PREFIX.match(text)
    rest = text[m.end():].strip() if m else ""
    return rest or default


def date_line(place: str, d: date | None, lang: str = "vi") -> str:
    """'Trùng Khánh, ngày 05 tháng 02 năm 2026' (ND30: a day below 10 and a month below 3
    take a leading zero). ``d`` None leaves the blanks for the committee: 'ngày … tháng … năm …'."""
    place = clean_text(place).strip()
    if lang == "en":
        when = f"{d.day} {d:%B %Y}" if d else "… … …"
        return f"{place}, {when}" if place else when
    if d is None:
        when = "ngày … tháng … năm …"
    else:
        day = f"{d.day:02d}" if d.day < 10 else str(d.day)
        month = f"{d.month:02d}" if d.month < 3 else str(d.month)
        when = f"ngày {day} tháng {month} năm {d.year}"
    return f"{place}, {when}" if place else when


@dataclass(frozen=True)
class Letterhead:
    """The header block of a document.

    parent: the governing body, upper case, not bold (ND30 "tên cơ quan chủ quản"), e.g.
        "HUYỆN ỦY TRÙNG KHÁNH" (from ``programme.issuer``).
    body: the issuing body, upper case, bold, e.g. "BAN CHỈ ĐẠO CHƯƠNG TRÌNH 07".
    place: the place of the date line, e.g. "Trùng Khánh".
    symbol: the document kind and body symbol of the number line, e.g. "BC-BCĐ"
        ("Số: …/BC-BCĐ"); None leaves out the number line.
    signer_title: the signature block's title ("TRƯỞNG BAN"); on whose behalf ("TM. BAN CHỈ ĐẠO").
    """
    parent: str
    body: str
    place: str
    symbol: str | None = "BC-BCĐ"
    signer_for: str = "TM. BAN CHỈ ĐẠO"
    signer_title: str = "TRƯỞNG BAN"


# -- document and page ------------------------------------------------------------------------

def _set_run_fonts(rpr, name: str = FONT) -> None:
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)


def _set_lang(rpr, tag: str = LANG_TAG) -> None:
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), tag)


def setup_page(section, landscape: bool = False) -> None:
    """A4 with the ND30 margins; landscape swaps width and height (for a wide annex)."""
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    w, h = (PAGE_H_CM, PAGE_W_CM) if landscape else (PAGE_W_CM, PAGE_H_CM)
    section.page_width, section.page_height = Cm(w), Cm(h)
    section.top_margin, section.bottom_margin = Cm(MARGIN_TOP_CM), Cm(MARGIN_BOTTOM_CM)
    section.left_margin, section.right_margin = Cm(MARGIN_LEFT_CM), Cm(MARGIN_RIGHT_CM)
    section.header_distance, section.footer_distance = Cm(1.0), Cm(1.0)


def text_width_cm(section) -> float:
    return (section.page_width - section.left_margin - section.right_margin) / 360000


def new_document(title: str = "", author: str = "", page_numbers: bool = True) -> DocumentType:
    """An empty A4 document in Times New Roman 14, page numbers top centre from page 2."""
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    rpr = normal.element.get_or_add_rPr()
    _set_run_fonts(rpr)
    _set_lang(rpr)
    pf = normal.paragraph_format
    pf.space_before, pf.space_after, pf.line_spacing = Pt(0), Pt(6), 1.15
    setup_page(doc.sections[0])
    if page_numbers:
        add_page_numbers(doc.sections[0])
    doc.core_properties.title = clean_text(title)
    doc.core_properties.author = clean_text(author)
    doc.core_properties.language = LANG_TAG
    return doc


def add_page_numbers(section) -> None:
    """PAGE field, centred in the header; none on the first page (ND30)."""
    section.different_first_page_header_footer = True
    header = section.header
    header.is_linked_to_previous = False
    p = header.paragraphs[0] if header.paragraphs else header.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for kind, text in (("begin", None), ("instr", "PAGE"), ("separate", None), ("text", "1"), ("end", None)):
        run = p.add_run()
        run.font.size = Pt(HEADER_PT)
        if kind == "instr":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
            run._r.append(el)
        elif kind == "text":
            run.text = text
        else:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
            run._r.append(el)


def new_section(doc: DocumentType, landscape: bool = False):
    """A section on a new page (e.g. the annex in landscape), numbered on every page."""
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    setup_page(section, landscape)
    section.different_first_page_header_footer = False
    return section


def to_bytes(doc: DocumentType) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


# -- text ---------------------------------------------------------------------------------------

def add_run(paragraph, text, *, bold: bool | None = None, italic: bool | None = None,
            underline: bool | None = None, size: float | None = None):
    run = paragraph.add_run(clean_text(text))
    if bold is not None:
        run.bold = bold
    if italic is not None:
        run.italic = italic
    if underline is not None:
        run.underline = underline
    if size is not None:
        run.font.size = Pt(size)
    return run


def paragraph(container, text="", *, align: str = "justify", indent: bool = True, bold: bool | None = None,
              italic: bool | None = None, size: float | None = None, space_after: float | None = None,
              space_before: float | None = None, keep_with_next: bool = False):
    """A paragraph of one run. ``container`` is the document, a cell, a header...
    align: left, center, right, justify. ``indent``: first-line indent of the body."""
    p = container.add_paragraph()
    p.alignment = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER,
                   "right": WD_ALIGN_PARAGRAPH.RIGHT, "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}[align]
    pf = p.paragraph_format
    if indent and align in ("justify", "left"):
        pf.first_line_indent = Cm(FIRST_LINE_CM)
    if space_after is not None:
        pf.space_after = Pt(space_after)
    if space_before is not None:
        pf.space_before = Pt(space_before)
    if keep_with_next:
        pf.keep_with_next = True
    if text:
        add_run(p, text, bold=bold, italic=italic, size=size)
    return p


def heading(doc, text: str, *, align: str = "justify", space_before: float = 6):
    """A section heading of the body: bold, with the paragraph that follows kept on its page."""
    return paragraph(doc, text, align=align, bold=True, space_before=space_before, keep_with_next=True)


def _short_rule(cell, width_cm: float, cell_width_cm: float) -> None:
    """A thin line under a header line, centred in the cell (ND30: under the issuing body
    and under the motto). Drawn as the bottom border of a tiny empty paragraph."""
    p = cell.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    side = max((cell_width_cm - width_cm) / 2, 0)
    pf = p.paragraph_format
    pf.left_indent, pf.right_indent = Cm(side), Cm(side)
    pf.space_before, pf.space_after, pf.line_spacing = Pt(0), Pt(4), Pt(2)
    ppr = p._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for k, v in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(k), v)
    borders.append(bottom)
    ppr.insert_element_before(borders, "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap",
                              "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN",
                              "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
                              "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
                              "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
                              "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")
    add_run(p, "", size=2)


def _cell_paragraph(cell, first: bool):
    p = cell.paragraphs[0] if first else cell.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    pf = p.paragraph_format
    pf.space_before, pf.space_after, pf.first_line_indent, pf.line_spacing = Pt(0), Pt(0), Cm(0), 1.0
    return p


def _fixed_widths(table, widths_cm: list[float]) -> None:
    table.autofit = False  # w:tblLayout type="fixed"
    for row in table.rows:
        for cell, w in zip(row.cells, widths_cm):
            cell.width = Cm(w)
    for col, w in zip(table.columns, widths_cm):
        col.width = Cm(w)


def _no_borders(table) -> None:
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tbl_pr.insert_element_before(borders, "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook",
                                 "w:tblCaption", "w:tblDescription", "w:tblPrChange")


def national_header(doc: DocumentType, lh: Letterhead, drafted_on: date | None, lang: str = "vi",
                    left_cm: float = 6.6) -> None:
    """The ND30 header block: a two-column table without borders.

    Left: governing body (13, upper case), issuing body (13, bold, upper case), a short line,
    then "Số: …/<symbol>". Right: national name (12, bold, one line), motto (14, bold, underlined), then
    the place and date line (14, italic). The number is left blank for the committee."""
    total = text_width_cm(doc.sections[-1])
    widths = [left_cm, total - left_cm]
    table = doc.add_table(rows=2, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _no_borders(table)
    _fixed_widths(table, widths)
    left, right = table.cell(0, 0), table.cell(0, 1)
    if lh.parent:
        add_run(_cell_paragraph(left, True), upper_vi(lh.parent), size=HEADER_PT)
        add_run(_cell_paragraph(left, False), upper_vi(lh.body), bold=True, size=HEADER_PT)
    else:
        add_run(_cell_paragraph(left, True), upper_vi(lh.body), bold=True, size=HEADER_PT)
    _short_rule(left, 2.2, widths[0])
    add_run(_cell_paragraph(right, True), NATIONAL_NAME, bold=True, size=NATIONAL_NAME_PT)
    add_run(_cell_paragraph(right, False), NATIONAL_MOTTO, bold=True, underline=True, size=BODY_PT)
    number_cell, date_cell = table.cell(1, 0), table.cell(1, 1)
    if lh.symbol:
        add_run(_cell_paragraph(number_cell, True), f"Số: …/{clean_text(lh.symbol)}", size=HEADER_PT)
    p = _cell_paragraph(date_cell, True)
    add_run(p, date_line(lh.place, drafted_on, lang), italic=True, size=BODY_PT)
    for cell in (number_cell, date_cell):
        cell.paragraphs[0].paragraph_format.space_before = Pt(6)


def title_block(doc: DocumentType, kind: str, subtitle: str | None = None, note: str | None = None) -> None:
    """The document kind (e.g. "BÁO CÁO", bold 14, upper case) and its subtitle (bold, centred),
    an optional italic note under it, then a short line."""
    paragraph(doc, upper_vi(kind), align="center", bold=True, space_before=18, space_after=0)
    if subtitle:
        paragraph(doc, subtitle, align="center", bold=True, space_after=0)
    if note:
        paragraph(doc, note, align="center", italic=True, space_after=0)
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    add_run(p, "—————", size=BODY_PT)
    p.paragraph_format.space_after = Pt(12)


def signature_block(doc: DocumentType, lh: Letterhead, recipients: list[str], signer_placeholder: str,
                    recipients_label: str = "Nơi nhận:") -> None:
    """Recipients (left, 12/11 pt) and the signature (right, bold), in a table without borders."""
    total = text_width_cm(doc.sections[-1])
    widths = [total / 2, total / 2]
    table = doc.add_table(rows=1, cols=2)
    _no_borders(table)
    _fixed_widths(table, widths)
    left, right = table.cell(0, 0), table.cell(0, 1)
    p = _cell_paragraph(left, True)
    p.alignment = WD_ALIGN_PARAGRAPH.LEFT
    add_run(p, recipients_label, bold=True, italic=True, size=12)
    for line in recipients:
        q = _cell_paragraph(left, False)
        q.alignment = WD_ALIGN_PARAGRAPH.LEFT
        add_run(q, line, size=11)
    first = True
    for line in (lh.signer_for, lh.signer_title):
        if line:
            add_run(_cell_paragraph(right, first), upper_vi(line), bold=True, size=BODY_PT)
            first = False
    for _ in range(3):
        _cell_paragraph(right, False)
    add_run(_cell_paragraph(right, False), signer_placeholder, italic=True, size=BODY_PT)


# -- tables -------------------------------------------------------------------------------------

def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _cell_text(cell, text, *, bold: bool = False, align: str = "left", size: float = TABLE_PT) -> None:
    p = cell.paragraphs[0]
    p.alignment = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER,
                   "right": WD_ALIGN_PARAGRAPH.RIGHT}[align]
    pf = p.paragraph_format
    pf.space_before, pf.space_after, pf.first_line_indent, pf.line_spacing = Pt(2), Pt(2), Cm(0), 1.0
    add_run(p, text, bold=bold, size=size)


def grid_table(doc: DocumentType, header: list[str], rows: list[list[str]], widths_cm: list[float],
               aligns: list[str] | None = None):
    """A bordered table (13 pt): a bold header row repeated on every page, then one row per item."""
    aligns = aligns or ["left"] * len(header)
    table = doc.add_table(rows=1, cols=len(header))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, header):
        _cell_text(cell, text, bold=True, align="center")
    _repeat_header(table.rows[0])
    for values in rows:
        cells = table.add_row().cells
        for cell, text, align in zip(cells, values, aligns):
            _cell_text(cell, text, align=align)
    _fixed_widths(table, widths_cm)
    return table
