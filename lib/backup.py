"""Backups of the DuckDB file: export, list, preview, restore (pure domain, no Streamlit).

A backup is a folder ``<dest_root>/<YYYYMMDD-HHMMSS>-<reason>/`` written by DuckDB's
``EXPORT DATABASE ... (FORMAT parquet)`` (``schema.sql``, ``load.sql``, one parquet
file per table) plus ``manifest.json`` (schema and data version, rows per table).
The default ``dest_root`` is ``backups/`` beside the database file
(``data/backups/`` for ``data/ct07.duckdb``).

A restore never writes into the live file: it imports the folder into a new
temporary file, checks every table's row count against the manifest, then
swaps the new file in with one ``os.replace`` (the replaced file is kept as
``<name>.bak-<time>``). It refuses while another process holds the file.

    python -m lib.backup create [--db PATH] [--out DIR] [--reason TEXT]
    python -m lib.backup list [--db PATH] [--out DIR]
    python -m lib.backup preview FOLDER [--db PATH]
    python -m lib.backup restore FOLDER [--db PATH]

Every error exits with code 2 and a message; ``--lang en`` writes the output in English
(Vietnamese by default).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from lib.db import ROOT, Database, DatabaseError, db_path_from_env, latest_schema_version
from lib.i18n import DEFAULT_LANG, LANGS, Msg, t, text_of

MANIFEST = "manifest.json"
FORMAT = "ct07-backup/1"
BACKUPS_DIRNAME = "backups"
VERSION_FILE = ROOT / "VERSION"


class BackupError(DatabaseError):
    """A backup/restore error whose message is meant for the user (a ``Msg``: ``.text(lang)``;
    ``str()`` is Vietnamese)."""


# the reasons the application writes into a backup's name and manifest -> their label (reason_label)
REASON_KEY = {
    "thu-cong": "backup.reason.manual",
    "truoc-khi-khoi-phuc": "backup.reason.before_restore",
    "truoc-khi-dat-lai": "backup.reason.before_reset",
    "truoc-khi-nhap-bang-tinh": "backup.reason.before_spreadsheet",
    "truoc-khi-nhap-chi-tieu": "backup.reason.before_indicator_values",
    "truoc-khi-nhap-bo-tieu-chi": "backup.reason.before_rulesets",
}


def reason_label(reason: str | None, lang: str = DEFAULT_LANG) -> str:
    """A backup's reason (``thu-cong``) in words; a reason with no label (typed on the command
    line) is shown as itself."""
    key = REASON_KEY.get(reason or "")
    return t(key, lang) if key else ("" if reason is None else str(reason))


# -- small helpers ---------------------------------------------------------------
def _refuse_on_postgres(db) -> None:
    """Backups and restores here are DuckDB's EXPORT/IMPORT DATABASE: on PostgreSQL, pg_dump."""
    if getattr(db, "dialect", "duckdb") == "postgres":
        raise BackupError(Msg("db.err.pg_no_backup"))


def default_dest_root(db_path: str | Path) -> Path:
    """``backups/`` beside the database file."""
    return Path(db_path).resolve().parent / BACKUPS_DIRNAME


def _sql_str(value: str | Path) -> str:
    """A path as an SQL string literal (quotes doubled). EXPORT/IMPORT DATABASE take no bound
    parameters; the only other SQL built here names tables read from the database's own catalog."""
    return "'" + str(value).replace("'", "''") + "'"


def _slug(reason: str) -> str:
    text = (reason or "").replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return text[:40].strip("-") or "sao-luu"


def app_version() -> str | None:
    try:
        return VERSION_FILE.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def is_lock_error(error: BaseException) -> bool:
    """DuckDB's "Could not set lock on file ... Conflicting lock is held" error."""
    text = str(error).lower()  # not just "lock": "in block at location" is a damaged file
    return isinstance(error, duckdb.Error) and ("could not set lock" in text or "conflicting lock" in text)


LOCKED_KEYS = ("backup.err.locked", "backup.err.locked_pid")


def _lock_message(path: Path, error: BaseException) -> Msg:
    pid = re.search(r"PID (\d+)", str(error))
    if pid:
        return Msg("backup.err.locked_pid", path=str(path), pid=pid.group(1))
    return Msg("backup.err.locked", path=str(path))


def is_locked_message(error: BaseException) -> bool:
    """Is this BackupError the "another process holds the file" refusal?"""
    message = getattr(error, "message", None)
    return isinstance(message, Msg) and message.key in LOCKED_KEYS


def ensure_not_locked(path: str | Path) -> None:
    """Raise BackupError if another process holds the DuckDB file (try it read-write)."""
    path = Path(path)
    if not path.exists():
        return
    try:
        con = duckdb.connect(str(path))
    except duckdb.Error as e:
        if is_lock_error(e):
            raise BackupError(_lock_message(path, e)) from e
        return  # damaged or foreign file: not a lock; the caller decides
    con.close()


def _open_file(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    if not path.exists():
        raise BackupError(Msg("backup.err.no_file", path=str(path)))
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as e:
        if is_lock_error(e):
            raise BackupError(_lock_message(path, e)) from e
        raise BackupError(Msg("backup.err.cannot_open", path=str(path), error=str(e))) from e


def _table_counts(cur: duckdb.DuckDBPyConnection) -> dict[str, int]:
    names = [r[0] for r in cur.execute(
        "SELECT table_name FROM duckdb_tables() "
        "WHERE database_name = current_database() AND schema_name = 'main' AND NOT temporary "
        "ORDER BY table_name"
    ).fetchall()]
    return {n: int(cur.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0]) for n in names}


def _meta(cur: duckdb.DuckDBPyConnection, counts: dict[str, int]) -> dict[str, int | None]:
    out: dict[str, int | None] = {"schema_version": None, "data_version": None}
    if "meta" in counts:
        for key, value in cur.execute(
            "SELECT key, value FROM meta WHERE key IN ('schema_version', 'data_version')"
        ).fetchall():
            out[key] = int(value)
    return out


# -- backup ----------------------------------------------------------------------
def backup(db_or_path: Database | str | Path, dest_root: str | Path | None = None,
           reason: str = "thu-cong") -> Path:
    """Export the database into ``<dest_root>/<YYYYMMDD-HHMMSS>-<reason>/``; return the folder.

    ``db_or_path`` is either the process's open ``Database`` (the export reads one
    committed snapshot through its connection, so it runs while the app serves) or a
    file path (opened directly; refused while another process holds it).
    """
    _refuse_on_postgres(db_or_path)
    if isinstance(db_or_path, Database):
        db_path, con, own = db_or_path.path, db_or_path._con, False
    else:
        db_path = Path(db_or_path)
        con, own = _open_file(db_path), True
    dest = Path(dest_root) if dest_root else default_dest_root(db_path)
    dest.mkdir(parents=True, exist_ok=True)
    now = datetime.now()
    base = f"{now:%Y%m%d-%H%M%S}-{_slug(reason)}"
    final, n = dest / base, 2
    while final.exists():
        final, n = dest / f"{base}-{n}", n + 1
    tmp = dest / f".tmp-{final.name}"
    cur = con.cursor()
    try:
        try:  # fold the WAL into the file first; harmless if there is nothing to fold
            cur.execute("CHECKPOINT")
        except duckdb.Error:
            pass
        cur.begin()  # counts, versions and export from one snapshot
        counts = _table_counts(cur)
        versions = _meta(cur, counts)
        cur.execute(f"EXPORT DATABASE {_sql_str(tmp.resolve())} (FORMAT parquet)")
        cur.commit()
        manifest = {
            "format": FORMAT,
            "created_at": now.isoformat(timespec="microseconds"),
            "reason": reason,
            **versions,
            "tables": counts,
            "app_version": app_version(),
            "duckdb_version": duckdb.__version__,
            "source": str(db_path.resolve()),
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                                    encoding="utf-8")
        _check_files(tmp, manifest)
        os.replace(tmp, final)
    except BaseException as e:
        try:
            cur.rollback()
        except duckdb.Error:
            pass
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(e, duckdb.Error):
            raise BackupError(Msg("backup.err.create_failed", path=str(db_path), error=str(e))) from e
        raise
    finally:
        cur.close()
        if own:
            con.close()
    return final


# -- reading a backup --------------------------------------------------------------
@dataclass
class BackupInfo:
    folder: Path
    manifest: dict[str, Any] | None
    error: "Msg | str | None" = None  # why the folder is not a usable backup (text_of for the user)

    @property
    def created_at(self) -> str:
        return (self.manifest or {}).get("created_at") or ""


def read_manifest(folder: str | Path) -> dict[str, Any]:
    folder = Path(folder)
    if not folder.is_dir():
        raise BackupError(Msg("backup.err.no_folder", folder=str(folder)))
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise BackupError(Msg("backup.err.no_manifest", folder=str(folder), manifest=MANIFEST)) from e
    except (OSError, ValueError) as e:
        raise BackupError(Msg("backup.err.manifest_unreadable", folder=str(folder), manifest=MANIFEST,
                              error=str(e))) from e
    if not isinstance(manifest, dict) or not isinstance(manifest.get("tables"), dict):
        raise BackupError(Msg("backup.err.manifest_no_tables", folder=str(folder), manifest=MANIFEST))
    return manifest


def _copy_lines(folder: Path) -> dict[str, Path]:
    """table -> parquet file in *this* folder, from load.sql (the folder may have moved)."""
    load = folder / "load.sql"
    if not load.exists() or not (folder / "schema.sql").exists():
        raise BackupError(Msg("backup.err.no_sql", folder=str(folder)))
    out = {}
    for m in re.finditer(r"^COPY\s+(.+?)\s+FROM\s+'((?:[^']|'')*)'", load.read_text(encoding="utf-8"),
                         re.MULTILINE):
        out[m.group(1).strip('"')] = folder / Path(m.group(2).replace("''", "'")).name
    return out


def _check_files(folder: Path, manifest: dict[str, Any]) -> dict[str, int]:
    """Count the rows in every parquet file; raise BackupError on any mismatch with the manifest."""
    files = _copy_lines(folder)
    actual: dict[str, int] = {}
    con = duckdb.connect()
    try:
        for table, expected in manifest["tables"].items():
            f = files.get(table)
            if f is None or not f.exists():
                if int(expected) == 0 and f is None:
                    actual[table] = 0
                    continue
                raise BackupError(
                    Msg("backup.err.missing_table_file", folder=str(folder), table=table, file=f.name) if f
                    else Msg("backup.err.missing_table", folder=str(folder), table=table))
            try:
                actual[table] = int(con.execute(f"SELECT count(*) FROM read_parquet({_sql_str(f)})")
                                    .fetchone()[0])
            except duckdb.Error as e:
                raise BackupError(Msg("backup.err.unreadable_file", folder=str(folder), file=f.name,
                                      error=str(e))) from e
            if actual[table] != int(expected):
                raise BackupError(Msg("backup.err.row_mismatch", folder=str(folder), table=table,
                                      rows=actual[table], manifest=MANIFEST, expected=expected))
    finally:
        con.close()
    return actual


def verify(folder: str | Path) -> dict[str, Any]:
    """Return the manifest after checking every table's parquet rows against it."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    _check_files(folder, manifest)
    return manifest


def list_backups(dest_root: str | Path) -> list[BackupInfo]:
    """Backups under ``dest_root``, newest first (unfinished ``.tmp-*`` folders are skipped)."""
    root = Path(dest_root)
    if not root.is_dir():
        return []
    found = []
    for folder in root.iterdir():
        if not folder.is_dir() or folder.name.startswith("."):
            continue
        try:
            found.append(BackupInfo(folder, read_manifest(folder)))
        except BackupError as e:
            found.append(BackupInfo(folder, None, e.message))
    return sorted(found, key=lambda b: (b.created_at, b.folder.name), reverse=True)


def newest_backup(dest_root: str | Path) -> BackupInfo | None:
    good = [b for b in list_backups(dest_root) if b.manifest is not None]
    return good[0] if good else None


@dataclass
class Preview:
    folder: Path
    manifest: dict[str, Any]
    backup_rows: dict[str, int]
    current_rows: dict[str, int] | None = None
    current_data_version: int | None = None
    differences: list[tuple[str, int | None, int | None]] = field(default_factory=list)


def preview(folder: str | Path, current: Database | str | Path | None = None) -> Preview:
    """Rows per table in the backup and, given the current database, the tables whose counts differ."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    rows = _check_files(folder, manifest)
    out = Preview(folder, manifest, rows)
    if current is None:
        return out
    _refuse_on_postgres(current)
    if isinstance(current, Database):
        cur, con = current._con.cursor(), None
    else:
        con = _open_file(Path(current), read_only=True)
        cur = con.cursor()
    try:
        cur.begin()
        out.current_rows = _table_counts(cur)
        out.current_data_version = _meta(cur, out.current_rows)["data_version"]
        cur.commit()
    finally:
        cur.close()
        if con is not None:
            con.close()
    for table in sorted(set(rows) | set(out.current_rows)):
        a, b = rows.get(table), out.current_rows.get(table)
        if a != b:
            out.differences.append((table, a, b))
    return out


# -- restore -----------------------------------------------------------------------
@dataclass
class RestoreResult:
    target: Path
    replaced: Path | None
    manifest: dict[str, Any]


def restore(folder: str | Path, target_path: str | Path) -> RestoreResult:
    """Build a new file from the backup, check it, then atomically put it at ``target_path``."""
    folder, target = Path(folder).resolve(), Path(target_path).resolve()
    manifest = verify(folder)
    known = latest_schema_version()
    if manifest.get("schema_version") and int(manifest["schema_version"]) > known:
        raise BackupError(Msg("backup.err.schema_too_new", folder=str(folder),
                              version=manifest["schema_version"], supported=known))
    ensure_not_locked(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    stamp = f"{datetime.now():%Y%m%d-%H%M%S}"
    tmp = target.with_name(f".{target.name}.restore-{stamp}-{os.getpid()}")
    tmp_wal = tmp.with_name(tmp.name + ".wal")
    try:
        con = duckdb.connect(str(tmp))
        try:
            con.execute(f"IMPORT DATABASE {_sql_str(folder)}")
            counts = _table_counts(con)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        expected = {t: int(n) for t, n in manifest["tables"].items()}
        if counts != expected:
            diff = ", ".join(f"{t}: {expected.get(t)} → {counts.get(t)}"
                             for t in sorted(set(counts) | set(expected)) if counts.get(t) != expected.get(t))
            raise BackupError(Msg("backup.err.import_mismatch", folder=str(folder), manifest=MANIFEST, diff=diff))
        replaced = None
        if target.exists():
            replaced = target.with_name(f"{target.name}.bak-{stamp}")
            n = 2
            while replaced.exists():
                replaced, n = target.with_name(f"{target.name}.bak-{stamp}-{n}"), n + 1
            try:  # keep the old file under its new name without the target ever missing
                os.link(target, replaced)
            except OSError:
                shutil.copy2(target, replaced)
            wal = target.with_name(target.name + ".wal")
            if wal.exists():  # an old WAL must never be replayed onto the restored file
                os.replace(wal, replaced.with_name(replaced.name + ".wal"))
        os.replace(tmp, target)
        return RestoreResult(target, replaced, manifest)
    except duckdb.Error as e:
        raise BackupError(Msg("backup.err.restore_failed", folder=str(folder), error=str(e))) from e
    finally:
        for p in (tmp, tmp_wal):
            if p.exists():
                p.unlink()


def restore_in_place(db: Database, who, folder: str | Path) -> tuple[RestoreResult, Path]:
    """Restore the running server's own file from ``folder`` (the admin page): checked against
    the ``restore`` permission first; the current data are backed up; the backup is checked and
    rebuilt into a new file beside the old one, then swapped in while the write lock is held;
    the old file is kept (``RestoreResult.replaced``). The data version only ever grows, so no
    cached read of the old data is served again. Returns the result and the safety backup."""
    from lib import auth  # late: auth imports the database layer
    _refuse_on_postgres(db)
    cur = db._con.cursor()
    try:
        auth.authorize(cur, who, "restore")
    finally:
        cur.close()
    verify(folder)  # a damaged backup is refused before anything is touched
    safety = backup(db, reason="truoc-khi-khoi-phuc")
    old_version = db.data_version()
    result = db.reopen_after(lambda path: restore(folder, path))
    db.migrate()  # a backup of an older schema is brought up to date

    def note(cur):
        cur.execute("UPDATE meta SET value = CAST(greatest(CAST(value AS BIGINT), ?) AS VARCHAR) "
                    "WHERE key = 'data_version'", [old_version])

    # recorded in the restored file, by the admin who was authorised above (the restored accounts
    # table may not hold that account any more: the row is written as the application's own)
    db.write(auth.system(who.username), "restored", note, {
        "folder": str(Path(folder).name), "replaced": str(result.replaced.name) if result.replaced else None,
        "safety_backup": safety.name, "backup_created_at": result.manifest.get("created_at")})
    return result, safety


def damaged_file_hint(db_path: str | Path) -> Msg:
    """One sentence naming the newest backup and the restore command (a ``Msg``)."""
    root = default_dest_root(db_path)
    try:
        newest = newest_backup(root)
    except OSError:
        newest = None
    if newest is None:
        return Msg("backup.err.hint_none", root=str(root))
    return Msg("backup.err.hint_newest", folder=str(newest.folder), created=newest.created_at[:19].replace("T", " "),
               command=f"python -m lib.backup restore \"{newest.folder}\" --db \"{Path(db_path)}\"")


# -- command -----------------------------------------------------------------------
def _print_preview(p: Preview, lang: str = DEFAULT_LANG) -> None:
    m = p.manifest
    print(t("backup.cli.preview_folder", lang, folder=p.folder))
    print(t("backup.cli.preview_made", lang, created=m.get("created_at", "?"), reason=m.get("reason", "?"),
            schema=m.get("schema_version"), version=m.get("data_version")))
    if p.current_rows is None:
        for table, n in sorted(p.backup_rows.items()):
            print(t("backup.cli.preview_rows", lang, table=table, n=n))
        return
    print(t("backup.cli.preview_current_version", lang, version=p.current_data_version))
    head_table, head_backup, head_current = (t("backup.cli.col_table", lang), t("backup.cli.col_backup", lang),
                                             t("backup.cli.col_current", lang))
    width = max(len(x) for x in set(p.backup_rows) | set(p.current_rows) | {head_table})
    wb, wc = max(7, len(head_backup)), max(8, len(head_current))
    print(f"  {head_table:<{width}}  {head_backup:>{wb}}  {head_current:>{wc}}")
    for table in sorted(set(p.backup_rows) | set(p.current_rows)):
        a, b = p.backup_rows.get(table), p.current_rows.get(table)
        mark = "  " + t("backup.cli.differs", lang) if a != b else ""
        print(f"  {table:<{width}}  {'-' if a is None else a:>{wb}}  {'-' if b is None else b:>{wc}}{mark}")
    print(t("backup.cli.n_differ", lang, n=len(p.differences)) if p.differences
          else t("backup.cli.all_same", lang))


def _cli_lang(argv: list[str] | None) -> str:
    """The language of the command's output (``--lang en``; Vietnamese by default), read before the
    parser is built so that ``--help`` is in that language too."""
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--lang", choices=LANGS, default=DEFAULT_LANG)
    return pre.parse_known_args(argv)[0].lang


def main(argv: list[str] | None = None) -> int:
    lang = _cli_lang(sys.argv[1:] if argv is None else argv)
    ap = argparse.ArgumentParser(prog="python -m lib.backup", description=t("backup.cli.description", lang))
    ap.add_argument("--lang", choices=LANGS, default=DEFAULT_LANG, help=t("backup.cli.h_lang", lang))
    sub = ap.add_subparsers(dest="command", required=True)
    c = sub.add_parser("create", help=t("backup.cli.h_create", lang))
    c.add_argument("--db", type=Path, help=t("backup.cli.h_db", lang))
    c.add_argument("--out", type=Path, help=t("backup.cli.h_out", lang))
    c.add_argument("--reason", default="thu-cong", help=t("backup.cli.h_reason", lang))
    ls = sub.add_parser("list", help=t("backup.cli.h_list", lang))
    ls.add_argument("--db", type=Path)
    ls.add_argument("--out", type=Path)
    pv = sub.add_parser("preview", help=t("backup.cli.h_preview", lang))
    pv.add_argument("folder", type=Path)
    pv.add_argument("--db", type=Path)
    rs = sub.add_parser("restore", help=t("backup.cli.h_restore", lang))
    rs.add_argument("folder", type=Path)
    rs.add_argument("--db", type=Path)
    for sp in (c, ls, pv, rs):  # also accepted after the command
        sp.add_argument("--lang", choices=LANGS, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    db_path = args.db or db_path_from_env()
    try:
        if args.command == "create":
            folder = backup(db_path, args.out, args.reason)
            m = read_manifest(folder)
            print(t("backup.cli.created", lang, folder=folder))
            print(t("backup.cli.created_counts", lang, tables=len(m["tables"]), rows=sum(m["tables"].values()),
                    version=m.get("data_version")))
        elif args.command == "list":
            root = args.out or default_dest_root(db_path)
            found = list_backups(root)
            if not found:
                print(t("backup.cli.none", lang, root=root))
            for b in found:
                if b.manifest is None:
                    print(f"{b.folder.name}  [{t('backup.cli.broken', lang)}] {text_of(b.error, lang)}")
                else:
                    m = b.manifest
                    print(t("backup.cli.list_row", lang, name=b.folder.name,
                            created=m.get("created_at", "")[:19].replace("T", " "), reason=m.get("reason"),
                            version=m.get("data_version"), rows=sum(m["tables"].values())))
        elif args.command == "preview":
            try:
                p = preview(args.folder, db_path if db_path.exists() else None)
            except BackupError as e:
                if not is_locked_message(e):
                    raise
                print(t("backup.cli.no_compare", lang, error=e.text(lang)))
                p = preview(args.folder)
            _print_preview(p, lang)
        elif args.command == "restore":
            result = restore(args.folder, db_path)
            print(t("backup.cli.restored", lang, target=result.target, folder=args.folder))
            if result.replaced:
                print(t("backup.cli.kept", lang, replaced=result.replaced))
    except (DatabaseError, OSError) as e:
        print(t("backup.cli.error", lang, error=text_of(e, lang)), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())


def before_import(db: Database, who, action: str, reason: str) -> Path | None:
    """The automatic backup before an import by a person (issue 10): checked against the same
    permission as the import itself first, so nobody else can fill the disk with backups. The
    app's own imports (seeding, default rule-sets: a ``system`` identity) make none."""
    from lib import auth  # late: auth imports the database layer
    if getattr(who, "role", None) == "system":
        return None
    cur = db._cursor()
    try:
        auth.authorize(cur, who, action)
    finally:
        cur.close()
    if db.dialect == "postgres" and action != "backup":
        return None  # PostgreSQL: backups are pg_dump's (README); a backup asked for is refused below
    return backup(db, reason=reason)
