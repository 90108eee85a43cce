"""Open data out: the programme as an OC4IDS project package (JSON), one project per work.

Pure: never imports streamlit. ``package(db, towns=..., period_id=...)`` gives the package as a
dict; ``python -m lib.oc4ids --out FILE [--db PATH]`` writes it (see ``main``).

The standard is the pinned OC4IDS 0.9.5 project schema, ``data/reference/oc4ids/project-schema.json``,
with its codelists beside it. The repository pins no package schema, so ``PACKAGE_SCHEMA`` below
is OC4IDS's own ``project-package-schema.json`` (0.9 series; the same envelope since 0.9.3), whose
``projects.items`` points at the pinned project schema; ``validator()`` resolves that reference from
the local file, never from the network.

Mapping (values the report does not give are left out, never invented, never 0):

- ``id``: ``PROJECT_ID_PREFIX`` + the work's code, e.g. ``ct07-GT-01``. OC4IDS asks for a
  registered project-identifier prefix (``oc4ids-`` + six characters, issued by the Open
  Contracting Partnership); the programme has none yet, so ``ct07-`` is a local prefix, stable
  because the work codes never change. Once a prefix is registered, change ``PROJECT_ID_PREFIX``
  (every id changes with it). The bare code is also given in ``identifiers``.
- ``title``: the work's name; ``description``: ``scale_text`` (the scale as the report writes it)
  when present; ``language``: "vi".
- ``status``: ``stage.oc4ids_status`` of the work's newest status in the period, only when it is a
  code of the closed projectStatus codelist. A stage holding another code (e.g. "completed" for
  "Đã bàn giao", as stages.csv once held; the codelist's word is "completion") is not exported: the
  project has no status, ``build`` records why in ``Export.omitted`` (``package`` logs it, the command
  prints it). A work with no stage has no status.
- ``sector``: ``work.oc4ids_sector``, else its category's, when it is a projectSector code; for a
  sub-sector ("transport.road") the parent ("transport") is listed first, as the schema's guidance
  asks. Unknown codes and planning tasks (no sector) are left out (and recorded).
- ``budget``: ``{"amount": {"amount": total_investment_vnd, "currency": "VND"}}`` only when the amount
  is known (in đồng, as stored).
- ``locations``: one per area of the work (``work_area``): ``id`` the area id, ``description`` the
  area's name (with "suy luận" when the area is inferred, and the unit it became part of when it
  has been merged), ``address`` with the commune-level unit as ``locality``, the district and the
  province as ``region`` and "Việt Nam" as ``countryName``. No gazetteer codes and no coordinates:
  the data hold none. A work whose area is not stated has no ``locations``.
- completion: the report gives only a year ("dự kiến hoàn thành năm 2023"). The schema's dates are
  all ``date-time`` (no year-only form), and OC4IDS puts the planned completion in
  ``period.endDate``. So ``period.endDate`` is the last moment of the expected year in Vietnam time,
  ``YYYY-12-31T23:59:59+07:00`` (the same deadline the delay flags use: "năm Y" is due on 31/12/Y),
  and a ``milestones`` entry (type "delivery") carries the same date with a note saying it is the
  end of the expected year, not a date of the report (and the baseline year when it differs).
  ``completion`` (actual completion) is not used: the report gives no completion date, even for the
  works handed over.
- ``documents``: the source of the work: title the document (``lib.sources``: "Báo cáo sơ kết 01 năm
  Chương trình 07 (12/2022)"), ``documentType`` "physicalProgressReport", ``description`` the section
  and the report's sentence word for word. No ``datePublished``: the report is dated "tháng 12/2022"
  without a day, and the schema wants a full date-time; the month is in the title and the description.
- not exported (the report names none): public authority / investor, funding source, physical
  progress, disbursement, contracting processes.

Package: ``uri`` (a URN naming the package unless one is given: pass ``uri=`` / ``--uri`` when the file
is published at a web address), ``publishedDate`` (now, or ``published``), ``version`` "0.9",
``publisher`` (required by the package schema: the committee, from ``programme``), ``projects``.
"""
from __future__ import annotations

import argparse
import csv
import json
import logging
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

import pandas as pd

from lib import queries, sources
from lib.db import Database, DatabaseError, db_path_from_env
from lib.i18n import Msg, t, text_of

log = logging.getLogger(__name__)

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "data" / "reference" / "oc4ids"
PROJECT_SCHEMA_PATH = REFERENCE_DIR / "project-schema.json"
CODELISTS_DIR = REFERENCE_DIR / "codelists"

VERSION = "0.9"  # major.minor of the pinned schema (0.9.5), as the package schema asks
PROJECT_ID_PREFIX = "ct07-"  # local prefix; replace with a registered "oc4ids-xxxxxx-" when issued
ID_SCHEME = "CT07-TK"  # the scheme of the work codes in ``identifiers``
LANGUAGE = "vi"
CURRENCY = "VND"
VN_TZ = timezone(timedelta(hours=7))
PROVINCE = "tỉnh Cao Bằng"  # the report's province; the area table stops at the district
COUNTRY = "Việt Nam"
DOCUMENT_TYPE = "physicalProgressReport"  # documentType codelist: status of implementation
REPORT_MONTH = "tháng 12/2022"  # the report's date as written (no day)
MILESTONE_TYPE = "delivery"

PROJECT_SCHEMA_ID = "https://standard.open-contracting.org/infrastructure/schema/0__9__5/project-schema.json"

# OC4IDS project-package-schema.json (0.9 series), with its reference to the project schema pointing
# at the pinned copy's id (resolved locally by ``validator``).
PACKAGE_SCHEMA: dict = {
    "id": "https://standard.open-contracting.org/infrastructure/schema/0__9__5/project-package-schema.json",
    "$schema": "http://json-schema.org/draft-04/schema#",
    "title": "Schema for an OC4IDS project package",
    "description": "A package of OC4IDS projects. Note that all projects within a package must have a "
                   "unique project identifier.",
    "type": "object",
    "required": ["uri", "publisher", "publishedDate", "projects", "version"],
    "properties": {
        "uri": {"type": "string", "format": "uri"},
        "publishedDate": {"type": "string", "format": "date-time"},
        "version": {"type": "string", "pattern": "^(\\d+\\.)(\\d+)$"},
        "projects": {"type": "array", "minItems": 1, "items": {"$ref": PROJECT_SCHEMA_ID},
                     "uniqueItems": True},
        "publisher": {
            "type": "object",
            "properties": {
                "name": {"type": "string", "minLength": 1},
                "scheme": {"type": ["string", "null"]},
                "uid": {"type": ["string", "null"]},
                "uri": {"type": ["string", "null"], "format": "uri"},
            },
            "required": ["name"],
            "minProperties": 1,
        },
        "license": {"type": ["string", "null"], "format": "uri"},
        "publicationPolicy": {"type": ["string", "null"], "format": "uri"},
    },
}


class OC4IDSError(Exception):
    """An error whose message is meant for the user: a ``lib.i18n.Msg``, put into the user's
    language by ``.text(lang)``; ``str(e)`` is the Vietnamese text."""

    def __init__(self, message: "Msg | str" = ""):
        self.message = message
        super().__init__(str(message))

    def text(self, lang: str = "vi") -> str:
        return text_of(self.message, lang)


@dataclass
class Export:
    package: dict
    omitted: list[str] = field(default_factory=list)  # what was left out and why (Vietnamese)


# -- reference material --------------------------------------------------------------------------
@lru_cache(maxsize=None)
def codelist(name: str) -> frozenset[str]:
    """The codes of ``data/reference/oc4ids/codelists/<name>.csv``."""
    with open(CODELISTS_DIR / f"{name}.csv", encoding="utf-8", newline="") as f:
        return frozenset(row["Code"] for row in csv.DictReader(f))


@lru_cache(maxsize=1)
def project_schema() -> dict:
    return json.loads(PROJECT_SCHEMA_PATH.read_text(encoding="utf-8"))


def validator():
    """A jsonschema validator for the package, the project schema resolved from the pinned file."""
    from jsonschema import Draft4Validator, FormatChecker
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    registry = Registry().with_resources([
        (PROJECT_SCHEMA_ID, Resource.from_contents(project_schema(), default_specification=DRAFT4)),
        (PACKAGE_SCHEMA["id"], Resource.from_contents(PACKAGE_SCHEMA, default_specification=DRAFT4)),
    ])
    return Draft4Validator(PACKAGE_SCHEMA, registry=registry, format_checker=FormatChecker())


# -- helpers ------------------------------------------------------------------------------------------
def _opt(value):
    """None for NULL / NaN / NA / blank text; the value otherwise."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return value
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _text(value) -> str | None:
    value = _opt(value)
    return None if value is None else str(value).strip() or None


def year_end(year: int) -> str:
    """The last moment of a year in Vietnam time, as the schema's date-time."""
    return f"{int(year):04d}-12-31T23:59:59+07:00"


def project_id(work_id: str) -> str:
    return f"{PROJECT_ID_PREFIX}{work_id}"


def _sectors(code: str | None) -> tuple[list[str], str | None]:
    """(codes to export, problem): the code and its parent, when they are projectSector codes."""
    if code is None:
        return [], None
    known = codelist("projectSector")
    if code not in known:
        return [], code
    out = []
    if "." in code:
        parent = code.split(".", 1)[0]
        if parent in known:
            out.append(parent)
    out.append(code)
    return out, None


def _document(ref, quote) -> dict | None:
    text = sources.document(_text(ref))
    if not text:
        return None
    doc: dict = {"id": "nguon-1", "documentType": DOCUMENT_TYPE}
    if text.startswith(sources.REPORT):
        section = text[len(sources.REPORT):].lstrip(" ,")
        doc["title"] = sources.REPORT
        description = t("opendata.doc_report", "vi", month=REPORT_MONTH)
        if section:
            description += " " + t("opendata.doc_section", "vi", section=section[0].upper() + section[1:])
    else:
        doc["title"] = text
        description = ""
    quote = _text(quote)
    if quote:
        description = (description + " " if description else "") + t("opendata.doc_quote", "vi", quote=quote)
    if description:
        doc["description"] = description
    doc["language"] = LANGUAGE
    return doc


def _areas(db: Database) -> dict[str, dict]:
    df = db.query(
        "SELECT a.id, a.name, a.kind, a.valid_to, p.name AS parent_name, s.name AS successor_name "
        "FROM area a LEFT JOIN area p ON p.id = a.parent_id LEFT JOIN area s ON s.id = a.successor_id"
    )
    return {r["id"]: {k: _opt(r[k]) for k in df.columns} for _, r in df.iterrows()}


def _work_areas(db: Database) -> dict[tuple[str, str], tuple[str, str]]:
    """(work, area) -> (basis, note): report, inference or a committee decision (its reference)."""
    df = db.query("SELECT work_id, area_id, basis, note FROM work_area")
    return {(r["work_id"], r["area_id"]): (_text(r["basis"]) or "", _text(r["note"]) or "") for _, r in df.iterrows()}


def _location(area_id: str, area: dict | None, basis: tuple[str, str]) -> dict:
    if area is None:  # an id with no row in ``area``: only what is known
        return {"id": area_id, "description": area_id}
    name = str(area["name"])
    notes = []
    kind, note = basis if isinstance(basis, tuple) else (basis, "")
    if kind == "inference":
        notes.append(t("opendata.loc_inferred", "vi"))
    elif kind == "committee":  # the committee decided the area the report leaves open
        notes.append(note or t("opendata.loc_committee", "vi"))
    if area.get("successor_name") and area.get("valid_to") is not None:
        since = pd.Timestamp(area["valid_to"]) + pd.Timedelta(days=1)
        notes.append(t("opendata.loc_successor", "vi", since=since.strftime("%d/%m/%Y"),
                       successor=area["successor_name"]))
    description = name + (f" ({'; '.join(notes)})" if notes else "")
    if area.get("kind") == "huyen":
        address = {"region": f"{name}, {PROVINCE}"}
    else:
        parent = area.get("parent_name")
        address = {"locality": name, "region": f"{parent}, {PROVINCE}" if parent else PROVINCE}
    address["countryName"] = COUNTRY
    return {"id": area_id, "description": description, "address": address}


def _publisher(db: Database, programme: str | None = None) -> dict:
    """The committee of ``programme`` (None: of the first programme)."""
    prog = db.query("SELECT issuer, decision_no FROM programme ORDER BY (id = ?) DESC, id LIMIT 1", [programme])
    if prog.empty:
        return {"name": t("opendata.publisher_default", "vi")}
    issuer = _text(prog.iloc[0]["issuer"])
    number = (_text(prog.iloc[0]["decision_no"]) or "").split("/")[0].strip()
    body = t("opendata.publisher_body", "vi", no=number) if number else t("opendata.publisher_default", "vi")
    return {"name": f"{body}, {issuer}" if issuer else body}


def _published(published) -> str:
    if published is None:
        published = datetime.now(VN_TZ)
    if isinstance(published, str):
        published = datetime.fromisoformat(published)
    if published.tzinfo is None:
        published = published.replace(tzinfo=VN_TZ)
    return published.isoformat(timespec="seconds")


# -- the package ----------------------------------------------------------------------------------
def project(w: pd.Series, areas: dict[str, dict], bases: dict[tuple[str, str], tuple[str, str]],
            omitted: list[str]) -> dict:
    """One OC4IDS project for one row of ``queries.works``."""
    wid = str(w["id"])
    p: dict = {"id": project_id(wid), "identifiers": [{"id": wid, "scheme": ID_SCHEME}],
               "language": LANGUAGE}
    title = _text(w.get("name"))
    if title:
        p["title"] = title
    description = _text(w.get("scale_text"))
    if description:
        p["description"] = description

    status = _text(w.get("oc4ids_status"))
    if status is not None:
        if status in codelist("projectStatus"):
            p["status"] = status
        else:
            omitted.append(t("opendata.omit_status", "vi", work=wid, code=status, stage=_text(w.get("stage")) or ""))

    sectors, bad = _sectors(_text(w.get("oc4ids_sector")))
    if sectors:
        p["sector"] = sectors
    elif bad:
        omitted.append(t("opendata.omit_sector", "vi", work=wid, code=bad))

    amount = _opt(w.get("total_investment_vnd"))
    if amount is not None:
        p["budget"] = {"amount": {"amount": int(amount), "currency": CURRENCY}}

    locations = [_location(a, areas.get(a), bases.get((wid, a), ("", ""))) for a in (w.get("area_ids") or [])]
    if locations:
        p["locations"] = locations

    year = _opt(w.get("expected_year"))
    if year is not None:
        end = year_end(int(year))
        p["period"] = {"endDate": end}
        note = t("opendata.ms_note", "vi", year=int(year))
        baseline = _opt(w.get("baseline_year"))
        if baseline is not None and int(baseline) != int(year):
            note += " " + t("opendata.ms_baseline", "vi", year=int(baseline))
        p["milestones"] = [{"id": "du-kien-hoan-thanh", "title": t("opendata.ms_title", "vi"),
                            "type": MILESTONE_TYPE, "dueDate": end, "description": note}]

    doc = _document(w.get("source_ref"), w.get("source_quote"))
    if doc:
        p["documents"] = [doc]
    return p


def build(db: Database, *, towns: list[str] | None = None, period_id: str | None = None,
          published=None, uri: str | None = None, programme: str | None = None) -> Export:
    """The package and what was left out of it. ``towns``: area ids (None: every work);
    ``period_id``: a reporting period (None: the newest); ``published``: datetime or ISO text;
    ``programme``: the programme whose works (None: every programme's)."""
    if period_id is not None and not db.scalar("SELECT count(*) FROM reporting_period WHERE id = ?", [period_id]):
        raise OC4IDSError(Msg("opendata.err_period", period=str(period_id)[:40]))
    if programme is not None and not db.scalar("SELECT count(*) FROM programme WHERE id = ?", [programme]):
        raise OC4IDSError(Msg("opendata.err_programme", programme=str(programme)[:40]))
    works = queries.works(db, towns, period_id, programme)
    if works.empty:
        raise OC4IDSError(Msg("opendata.err_empty"))
    areas, bases = _areas(db), _work_areas(db)
    omitted: list[str] = []
    projects = [project(w, areas, bases, omitted) for _, w in works.iterrows()]
    published_date = _published(published)
    if uri is None:
        scope = ",".join(sorted(towns)) if towns is not None else "tat-ca"
        scope = f"{programme}:{scope}" if programme is not None else scope
        uri = f"urn:ct07-trung-khanh:oc4ids:{period_id or 'moi-nhat'}:{scope}:{published_date}"
    pkg = {"uri": uri, "publishedDate": published_date, "version": VERSION,
           "publisher": _publisher(db, programme), "projects": projects}
    return Export(pkg, omitted)


def package(db: Database, *, towns: list[str] | None = None, period_id: str | None = None,
            published=None, uri: str | None = None, programme: str | None = None) -> dict:
    """The OC4IDS project package (see the module docstring); omissions are logged as warnings."""
    result = build(db, towns=towns, period_id=period_id, published=published, uri=uri, programme=programme)
    for line in result.omitted:
        log.warning(line)
    return result.package


def dumps(pkg: dict) -> bytes:
    """UTF-8 JSON, Vietnamese letters as they are; text that is not valid Unicode is replaced."""
    return json.dumps(pkg, ensure_ascii=False, indent=2).encode("utf-8", errors="replace")


def to_bytes(db: Database, **kwargs) -> bytes:
    return dumps(package(db, **kwargs))


# -- command line -------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m lib.oc4ids", description=t("opendata.cli_description", "vi"))
    ap.add_argument("--out", required=True, help=t("opendata.cli_out", "vi"))
    ap.add_argument("--db", help=t("opendata.cli_db", "vi"))
    ap.add_argument("--town", action="append", help=t("opendata.cli_town", "vi"))
    ap.add_argument("--period", help=t("opendata.cli_period", "vi"))
    ap.add_argument("--programme", help=t("opendata.cli_programme", "vi"))
    ap.add_argument("--uri", help=t("opendata.cli_uri", "vi"))
    args = ap.parse_args(argv)

    out = Path(args.out)
    if out.is_dir() or not out.parent.is_dir():
        print(t("opendata.err_out", "vi", path=out), file=sys.stderr)
        return 2
    db_path = Path(args.db) if args.db else db_path_from_env()
    if not db_path.is_file():
        print(t("opendata.err_db_missing", "vi", path=db_path), file=sys.stderr)
        return 2
    try:
        db = Database(db_path)
    except DatabaseError as e:
        print(str(e), file=sys.stderr)
        return 2
    try:
        result = build(db, towns=args.town, period_id=args.period, uri=args.uri, programme=args.programme)
    except OC4IDSError as e:
        print(str(e), file=sys.stderr)
        return 2
    finally:
        db.close()
    try:
        out.write_bytes(dumps(result.package))
    except OSError as e:
        print(t("opendata.err_out", "vi", path=out) + f" ({e.strerror or e})", file=sys.stderr)
        return 2
    for line in result.omitted:
        print(line, file=sys.stderr)
    print(t("opendata.cli_done", "vi", path=out, n=len(result.package["projects"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
