"""Where a figure comes from, as the document a reader can ask for, never a file of the code base.

The default data cite the one-year review report by section only ("Mục III.1, tiểu mục 1.1"),
and the two towns' population and density cite the project's reference notes by file path
("shared/reference/urban-classification.md, mục 4"). ``document`` turns both into the name of
the document ("Báo cáo sơ kết 01 năm (12/2022), mục III.1, tiểu mục 1.1"); any other text
(typed by a user: "Niên giám thống kê 2024") is returned as it is.
"""
from __future__ import annotations

import re

REPORT = "Báo cáo sơ kết 01 năm Chương trình 07 (12/2022)"

# files of the repository (or of the project's shared material) -> the document they hold
DOCUMENTS = {
    "urban-classification.md": "Tài liệu tổng hợp về phân loại đô thị",
    "nq111-2025-bang-2a.csv": "NQ 111/2025/UBTVQH15, Phụ lục II, Bảng 2A",
    "bao-cao-so-ket-chuong-trinh-07-2022.txt": REPORT,
}
DEFAULT_RULESETS = "bộ tiêu chí kèm theo ứng dụng"
UNKNOWN_FILE = "tài liệu tham chiếu của dự án"

_PATH = re.compile(r"(?:\.{0,2}/)?(?:[\w.-]+/)*(?:data|shared|reference)/(?:[\w.-]+/)*[\w.-]*")
_SECTION = re.compile(r"^\s*(mục|phần|tiểu mục)\s", re.IGNORECASE)


def _name(path: str) -> str:
    path = path.rstrip("/.")
    base = path.rsplit("/", 1)[-1]
    if base in DOCUMENTS:
        return DOCUMENTS[base]
    if base == "rulesets" or "/rulesets/" in path + "/":
        return DEFAULT_RULESETS
    if "/seed" in "/" + path:
        return REPORT
    return UNKNOWN_FILE


def document(ref) -> str:
    """'Mục III.1, …' -> 'Báo cáo sơ kết 01 năm … (12/2022), mục III.1, …';
    'shared/reference/urban-classification.md, mục 4 (…)' -> 'Tài liệu tổng hợp về phân loại đô thị, mục 4 (…)'.
    Unknown (None, blank) stays ''."""
    if ref is None or not isinstance(ref, str) or not ref.strip():
        return ""
    text = _PATH.sub(lambda m: _name(m.group(0)), ref.strip())
    if _SECTION.match(text):
        text = f"{REPORT}, {text[0].lower()}{text[1:]}"
    return text
