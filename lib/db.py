"""The DuckDB store: migrations, one connection per process, one write path.

Reads take a cursor of their own (``Database.query``); every write goes through
``Database.write``, which holds a lock, runs one transaction, appends to the
audit log, bumps the data version, and rolls back on any error.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import threading
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pandas as pd

from lib.i18n import DEFAULT_LANG, Msg, text_of

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
DEFAULT_DB_PATH = ROOT / "data" / "ct07.duckdb"
ENV_DB_PATH = "CT07_DB_PATH"

T = TypeVar("T")


# glibc's mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
LARGE_BLOCK = 1 << 20


def return_large_blocks() -> bool:
    """For a server process: memory blocks of 1 MB and more (a province's frames, arrays and
    tables) are mapped on their own and given back to the system when freed, and the heap is trimmed
    above 1 MB of free space. By default glibc raises both thresholds as large blocks are freed, so
    each thread's arena keeps what a large read once used; a Streamlit server runs each session's
    script in a thread of its own. Measured (bench/, province, one server through every page three
    times): peak resident memory 422-431 MB without, 387-395 MB with, page times unchanged within
    the machine's spread. Not glibc (macOS, Windows, musl), or the thresholds set by the
    environment (``MALLOC_MMAP_THRESHOLD_``): nothing is changed. True when set."""
    if os.environ.get("MALLOC_MMAP_THRESHOLD_") or os.environ.get("MALLOC_TRIM_THRESHOLD_"):
        return False
    try:
        import ctypes
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, LARGE_BLOCK)) and bool(mallopt(_M_TRIM_THRESHOLD, LARGE_BLOCK))


def sql_literal(value) -> str:
    """``value`` written as a DuckDB literal, for the values of a prepared statement's EXECUTE
    (``Database._planned``): NULL, TRUE/FALSE, a whole number, a date, a text (its quotes doubled:
    DuckDB reads no other escape in a string), or a list of texts. Any other value, or a text DuckDB
    cannot hold (NUL, a lone surrogate): TypeError (the caller binds it instead, as any read does)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, date) and not isinstance(value, datetime):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, str):
        if "\x00" in value:
            raise TypeError("a text with a NUL character")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: no text DuckDB can hold
            raise TypeError("a text that is not UTF-8") from None
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return "[" + ", ".join(sql_literal(v) for v in value) + "]::VARCHAR[]"
    raise TypeError(f"no literal for {type(value).__name__}")


def _connect(path: Path) -> "duckdb.DuckDBPyConnection":
    """The process's connection to the file. DuckDB's allocator keeps up to 128 MB of freed memory
    per thread by default, and returns it only from the thread that freed it; a server that reads a
    province's thousands of works would hold it for good (issue 11: at most 400 MB resident). So it
    keeps at most 16 MB, and background threads give the rest back to the system (measured: a
    province's register read three times, 313 -> 240 MB a second later)."""
    con = duckdb.connect(str(path))
    con.execute("SET allocator_flush_threshold = '16MB'")
    con.execute("SET allocator_background_threads = true")
    return con


class DatabaseError(Exception):
    """An error whose message is meant for the user: a ``lib.i18n.Msg`` (or plain text), put into
    the user's language by ``.text(lang)``; ``str(e)`` is the Vietnamese text."""

    def __init__(self, message: "str | Msg" = ""):
        self.message = message
        super().__init__(str(message))

    def text(self, lang: str = DEFAULT_LANG) -> str:
        return text_of(self.message, lang)


class ValidationError(ValueError):
    """What a user asked to write is not valid: carries every problem found, each naming its row
    and field (a ``lib.i18n.Msg`` or text). Nothing is written. The one validation error of every
    write (status updates, imports, scenarios, indicator values, rule-sets, settings)."""

    def __init__(self, problems: "list[str | Msg]"):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def text(self, lang: str = DEFAULT_LANG) -> str:
        return "\n".join(text_of(p, lang) for p in self.problems)


class SchemaTooNewError(DatabaseError):
    pass


def db_path_from_env() -> Path:
    return Path(os.environ.get(ENV_DB_PATH) or DEFAULT_DB_PATH)


ENV_DATABASE_URL = "CT07_DATABASE_URL"


def database_target() -> str:
    """What this process stores into: ``CT07_DATABASE_URL`` when it names a PostgreSQL server
    (``postgresql://...``, lib/pg.py), else the DuckDB file of ``CT07_DB_PATH``."""
    url = (os.environ.get(ENV_DATABASE_URL) or "").strip()
    return url if is_postgres_url(url) else str(db_path_from_env())


def is_postgres_url(target: "str | Path | None") -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def migrations() -> list[tuple[int, Path]]:
    found = []
    for p in sorted(MIGRATIONS_DIR.glob("*.sql")):
        m = re.match(r"(\d+)_", p.name)
        if m:
            found.append((int(m.group(1)), p))
    numbers = [n for n, _ in found]
    if numbers != list(range(1, len(numbers) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..n without gaps: {numbers}")
    return found


def latest_schema_version() -> int:
    return len(migrations())


def _split_sql(script: str) -> list[str]:
    lines = [ln for ln in script.splitlines() if not ln.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def _open_error_message(path: Path, error: Exception) -> Msg:
    """The message for a file DuckDB will not open; a damaged file names the newest backup."""
    if "conflicting lock" in str(error).lower():  # another process holds it: nothing is damaged
        return Msg("db.err.cannot_open", path=str(path), error=str(error))
    from lib.backup import damaged_file_hint  # lazy: lib.backup imports this module

    return Msg("db.err.cannot_open_damaged", path=str(path), error=str(error), hint=damaged_file_hint(path))


class AlreadySubmitted(DatabaseError):
    """This form's submit already wrote; nothing was written again. ``token`` finds what it wrote
    (``Database.submitted``)."""

    def __init__(self, token: str, at: datetime, username: str):
        self.token, self.at, self.username = token, at, username
        super().__init__(Msg("db.err.already_submitted", at=f"{at:%H:%M:%S %d/%m/%Y}", username=username))


def new_token() -> str:
    """A fresh submit token for one view of a form (see ``Database.write``)."""
    return secrets.token_urlsafe(16)


def _claim_token(cur, token: str, action: str, username: str) -> None:
    row = cur.execute("SELECT submitted_at, username FROM submission WHERE token = ?", [token]).fetchone()
    if row is not None:
        raise AlreadySubmitted(token, row[0], row[1])
    cur.execute("INSERT INTO submission (token, action, username, submitted_at) VALUES (?, ?, ?, ?)",
                [token, action, username, datetime.now()])


def share_frame(cur, name: str, frame: pd.DataFrame) -> None:
    """Inside a write: make ``frame`` readable as the table ``name`` by the SQL that follows (a bulk
    insert is then one INSERT ... SELECT FROM name). On DuckDB nothing is done: the SQL reads the
    caller's local DataFrame of that name (a replacement scan; ``cursor.register`` would fail after
    an earlier fetch in the transaction). On PostgreSQL a temporary table of the transaction is
    filled by COPY (``lib.pg.PgCursor.share_frame``)."""
    if hasattr(cur, "share_frame"):
        cur.share_frame(name, frame)


class Database:
    """One DuckDB connection for the whole process. ``lib.pg.PgDatabase`` is the same API on
    PostgreSQL (``dialect == "postgres"``); the hooks ``_cursor`` and ``_begin_write`` are what differs."""

    # writes tried through this object (write, reopen_after): a reader that caches the data
    # version for a moment (ui/frame.read, once per script run) reads it again when this moved
    changes = 0

    dialect = "duckdb"

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._con = _connect(self.path)
        except duckdb.Error as e:  # e.g. a file from a newer DuckDB, or not a database at all
            raise DatabaseError(_open_error_message(self.path, e)) from e
        self._lock = threading.Lock()
        self._plan_lock, self._plan_free, self._plan_owner = threading.Lock(), [], None
        self.migrate()

    def _cursor(self):
        return self._con.cursor()

    def _begin_write(self, cur) -> None:
        """Start the one transaction of a write or a migration (PostgreSQL also takes the
        cross-process write lock here)."""
        cur.begin()

    # -- schema -------------------------------------------------------------
    def schema_version(self, cur=None) -> int:
        own = cur is None
        cur = self._cursor() if own else cur
        try:
            has_meta = cur.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta' "
                "AND table_schema = current_schema()"
            ).fetchone()[0]
            if not has_meta:
                return 0
            row = cur.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            return int(row[0]) if row else 0
        finally:
            if own:
                cur.close()

    def migrate(self) -> int:
        """Apply the migrations this database lacks; idempotent."""
        current = self.schema_version()
        known = latest_schema_version()
        if current > known:
            raise SchemaTooNewError(Msg("db.err.schema_too_new", path=str(self.path), version=current,
                                        supported=known, env=ENV_DB_PATH))
        with self._lock:
            for number, path in migrations():
                if number <= current:
                    continue
                cur = self._cursor()
                try:
                    self._begin_write(cur)
                    if self.schema_version(cur) >= number:  # another process applied it meanwhile
                        cur.rollback()
                        continue
                    for stmt in _split_sql(path.read_text(encoding="utf-8")):
                        cur.execute(stmt)
                    # portable SQL (DuckDB and PostgreSQL): no INSERT OR REPLACE here
                    cur.execute("DELETE FROM meta WHERE key = 'schema_version'")
                    cur.execute("INSERT INTO meta VALUES ('schema_version', ?)", [str(number)])
                    cur.execute("INSERT INTO meta SELECT 'data_version', '0' "
                                "WHERE NOT EXISTS (SELECT 1 FROM meta WHERE key = 'data_version')")
                    cur.commit()
                except Exception:
                    cur.rollback()
                    raise
                finally:
                    cur.close()
        return self.schema_version()

    # -- reads ----------------------------------------------------------------
    def query(self, sql: str, params: Sequence[Any] | dict | None = None) -> pd.DataFrame:
        cur = self._cursor()
        try:
            return cur.execute(sql, params or []).df()
        finally:
            cur.close()

    def rows(self, sql: str, params: Sequence[Any] | dict | None = None) -> list[dict]:
        """The result as one dict per row ({column: value}, Python values, NULL as None): for the
        small tables read on every evaluation (stages, settings), where building a frame costs more
        than the query."""
        cur = self._cursor()
        try:
            cur.execute(sql, params or [])
            names = [d[0] for d in cur.description]
            return [dict(zip(names, r)) for r in cur.fetchall()]
        finally:
            cur.close()

    def numpy(self, sql: str, params: Sequence[Any] | dict | None = None, planned: bool = False) -> dict:
        """The result as {column: numpy array} (DuckDB's ``fetchnumpy``; a column holding NULL is a
        ``numpy.ma.MaskedArray``): for the hot reads of numbers, where a pandas frame costs more
        than the query (lib.flags.evaluate). ``planned``: a read run again and again with other
        values (named ``params``) is planned once per connection (``_planned``)."""
        if planned and isinstance(params, dict):
            got = self._planned(sql, params)
            if got is not None:
                return got
        cur = self._cursor()
        try:
            return cur.execute(sql, params or []).fetchnumpy()
        finally:
            cur.close()

    # connections that keep the plans of the hot reads: DuckDB plans a statement on every execute,
    # and planning the flags' read of the updates (a dozen joins and aggregates) took about 5 of its
    # 20 ms. The plan is made once per connection (PREPARE) and run with the values (EXECUTE): the
    # data are read afresh on every run, as by any other read; only the plan is kept.
    _PLANNED_KEEP = 2

    def _planned(self, sql: str, params: dict) -> dict | None:
        """``numpy`` through a prepared statement on a connection of the pool (None: a value that
        cannot be written as a literal, see ``sql_literal``; the caller reads the ordinary way)."""
        try:
            args = ", ".join(f"{name} := {sql_literal(value)}" for name, value in params.items())
        except TypeError:
            return None
        if any(not re.fullmatch(r"[a-z_][a-z0-9_]*", name) for name in params):
            return None
        name = "ct07_" + hashlib.sha1(sql.encode("utf-8")).hexdigest()[:16]
        con = self._con
        with self._plan_lock:
            stale = []
            if self._plan_owner is not con:  # the file was reopened (a restore): plans of the old one go
                stale, self._plan_free, self._plan_owner = self._plan_free, [], con
            cur, made = self._plan_free.pop() if self._plan_free else (con.cursor(), set())
        for old, _ in stale:
            try:
                old.close()
            except duckdb.Error:
                pass
        try:
            if name not in made:
                cur.execute(f"PREPARE {name} AS {sql}")
                made.add(name)
            result = cur.execute(f"EXECUTE {name}({args})").fetchnumpy()
        except BaseException:
            cur.close()
            raise
        with self._plan_lock:
            if self._plan_owner is con and len(self._plan_free) < self._PLANNED_KEEP:
                self._plan_free.append((cur, made))
                cur = None
        if cur is not None:
            cur.close()
        return result

    def scalar(self, sql: str, params: Sequence[Any] | dict | None = None) -> Any:
        cur = self._cursor()
        try:
            row = cur.execute(sql, params or []).fetchone()
            return row[0] if row else None
        finally:
            cur.close()

    def data_version(self) -> int:
        return int(self.scalar("SELECT value FROM meta WHERE key = 'data_version'") or 0)

    def submitted(self, token: str) -> dict | None:
        """What the write of a submit token wrote (None: the token has not written): when, by whom,
        the action and the audit row's new values (decoded JSON)."""
        cur = self._cursor()
        try:
            row = cur.execute("SELECT s.submitted_at, s.username, s.action, a.new FROM submission s "
                              "LEFT JOIN audit_log a ON a.id = s.audit_id WHERE s.token = ?", [token]).fetchall()
        finally:
            cur.close()
        if not row:
            return None
        at, username, action, new = row[0]
        return {"at": at, "username": username, "action": action, "new": json.loads(new) if new else None}

    def is_empty(self) -> bool:
        return not self.scalar("SELECT count(*) FROM programme")

    # -- the one write path ---------------------------------------------------
    def write(
        self,
        who,
        action: str,
        fn: Callable[[duckdb.DuckDBPyConnection], T],
        detail: dict | None = None,
        token: str | None = None,
    ) -> T:
        """Run ``fn(cursor)`` in one transaction, audited; roll back on any error.

        ``who`` is the signed-in ``lib.auth.Identity``: the permission for ``action`` is checked
        here, in the transaction (``lib.auth.authorize``), and a refusal (``PermissionDenied``)
        writes nothing. The audit row names ``who.username``. ``detail`` is serialised after
        ``fn`` ran, so ``fn`` may fill ``detail["old"]``/``detail["new"]`` (the rows before and
        after) from inside the transaction; those go to the audit row's own ``old``/``new`` columns.

        ``token`` is the submit token of the form behind this write (``new_token``): a token that
        already wrote is refused (``AlreadySubmitted``, nothing written), so a double click, a
        replayed message or two queued submits of one form never write twice."""
        from lib import auth  # lib.auth imports this module

        with self._lock:
            cur = self._cursor()
            try:
                self._begin_write(cur)
                auth.authorize(cur, who, action)
                if token is not None:
                    _claim_token(cur, token, action, who.username)
                result = fn(cur)
                rest = dict(detail or {})
                old, new = rest.pop("old", None), rest.pop("new", None)
                as_json = lambda v: None if v is None else json.dumps(v, ensure_ascii=False, default=str)  # noqa: E731
                audit_id = cur.execute(
                    "INSERT INTO audit_log (logged_at, actor, action, detail, old, new) VALUES (?, ?, ?, ?, ?, ?) "
                    "RETURNING id",
                    [datetime.now(), who.username, action, as_json(rest), as_json(old), as_json(new)],
                ).fetchall()[0][0]
                if token is not None:
                    cur.execute("UPDATE submission SET audit_id = ? WHERE token = ?", [audit_id, token])
                cur.execute(
                    "UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS VARCHAR) "
                    "WHERE key = 'data_version'"
                )
                cur.commit()
                return result
            except Exception:
                try:
                    cur.rollback()
                except Exception:  # e.g. the commit itself failed: the first error is the one to tell
                    pass
                raise
            finally:
                self.changes += 1
                cur.close()

    def reopen_after(self, fn: Callable[[Path], T]) -> T:
        """Close the file, run ``fn(path)`` (e.g. put a restored file in its place), open it again.

        Holds the write lock throughout, so no write runs against a closed or half-replaced file;
        when ``fn`` fails, whatever is at the path (``lib.backup.restore`` leaves the old file
        untouched on failure) is opened again and the error is raised."""
        with self._lock:
            try:
                self._con.execute("CHECKPOINT")
            except duckdb.Error:
                pass
            self._drop_plans()  # a connection kept open would keep the old file open
            try:
                self._con.close()
            except duckdb.Error as e:  # another read holds the file: it stays as it was, open for all
                self._con = _connect(self.path)
                raise DatabaseError(Msg("db.err.busy_reopen")) from e
            try:
                return fn(self.path)
            finally:
                self.changes += 1
                self._con = _connect(self.path)
        # (migrate() is the caller's: it takes the lock itself)

    def close(self) -> None:
        self._drop_plans()
        self._con.close()

    def _drop_plans(self) -> None:
        """Close the connections that keep plans (``_planned``): the next planned read makes new ones."""
        with self._plan_lock:
            kept, self._plan_free, self._plan_owner = self._plan_free, [], None
        for cur, _ in kept:
            try:
                cur.close()
            except duckdb.Error:
                pass
