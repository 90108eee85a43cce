"""The project's copy of the report (data/source/) is the verbatim report.

Its SHA-256 is written in data/source/README.md, so an accidental edit of the copy is
noticed; when the project's shared material (../shared) sits beside the checkout, the
copy must also equal its file byte for byte. Same for the pinned reference files.
"""
import hashlib
import re
from pathlib import Path

import pytest

from tests.conftest import REPORT, ROOT

SOURCE_README = ROOT / "data" / "source" / "README.md"
REFERENCE = ROOT / "data" / "reference"
SHARED = ROOT.parent / "shared"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_report_copy_is_inside_the_project():
    assert REPORT.is_file(), f"missing {REPORT}"
    assert ROOT in REPORT.resolve().parents, "the tests must read the project's own copy, not ../shared"


def test_report_copy_matches_the_hash_in_its_readme():
    written = set(re.findall(r"SHA-256:\s*`([0-9a-f]{64})`", SOURCE_README.read_text(encoding="utf-8")))
    assert len(written) == 1, "data/source/README.md must give exactly one SHA-256 for the report"
    assert sha256(REPORT) == written.pop(), (
        f"{REPORT.name} differs from the verbatim report (its hash is not the one in data/source/README.md)")


def test_reference_copies_match_the_hashes_in_their_readme():
    listed = dict((name, h) for h, name in re.findall(r"^([0-9a-f]{64})\s+(\S+)$",
                                                       (REFERENCE / "README.md").read_text(encoding="utf-8"), re.M))
    files = sorted(str(p.relative_to(REFERENCE)) for p in REFERENCE.rglob("*") if p.is_file() and p.name != "README.md")
    assert sorted(listed) == files, "data/reference/README.md must list every pinned file"
    changed = [name for name in files if sha256(REFERENCE / name) != listed[name]]
    assert not changed, f"pinned reference files changed: {changed}"


def test_report_copy_equals_the_shared_report():
    shared = SHARED / "seed" / REPORT.name
    if not shared.is_file():
        pytest.skip("../shared is not beside the checkout: nothing to compare the copy with")
    assert REPORT.read_bytes() == shared.read_bytes(), f"{REPORT} differs from {shared}"


def test_reference_copies_equal_the_shared_ones():
    shared = SHARED / "reference"
    if not shared.is_dir():
        pytest.skip("../shared is not beside the checkout: nothing to compare the copies with")
    files = sorted(p.relative_to(REFERENCE) for p in REFERENCE.rglob("*") if p.is_file() and p.name != "README.md")
    differ = [str(f) for f in files if not (shared / f).is_file() or (shared / f).read_bytes() != (REFERENCE / f).read_bytes()]
    assert not differ, f"differ from ../shared/reference: {differ}"
