"""PostgreSQL (15+, psycopg 3) as the store: the same schema, migrations and write path as DuckDB.

Chosen by ``CT07_DATABASE_URL=postgresql://user:password@host:5432/dbname`` (``lib.seed.open_configured``);
without it the DuckDB file of ``CT07_DB_PATH`` is the store. Several Streamlit processes may share
one PostgreSQL database: ``data_version`` is a row of ``meta`` (each process sees the others'
writes), every write takes ``pg_advisory_xact_lock`` inside its transaction (one writer at a time
across processes), and the row versions of ``lib.updates`` are data, so a save built on an
out-of-date view is refused (``ConflictError``) whichever process made the newer row.

lib/ keeps writing DuckDB's SQL; ``translate`` rewrites the few spots that differ, outside string
literals (the only per-dialect rewrite, kept small on purpose):

* ``?`` and ``$name`` parameters become ``%s`` / ``%(name)s`` (``%`` is doubled);
* ``DOUBLE`` becomes ``DOUBLE PRECISION``; ``[]`` (an empty list after ``(`` or ``,``) becomes ``'{}'``;
* ``INSERT OR IGNORE INTO ...`` becomes ``INSERT INTO ... ON CONFLICT DO NOTHING``;
* a subquery in FROM/JOIN without an alias gets one (PostgreSQL 15 requires it);
* ``arg_max(value, key)`` of two plain columns becomes ``(array_agg(value ORDER BY key DESC))[1]``;
* ``regexp_matches(text, pattern)`` (DuckDB: a boolean search) becomes ``ct07_regexp_matches``.

DuckDB functions lib/ uses are defined in the database (``COMPAT_SQL``): ``list`` (the aggregate),
``list_contains``, ``list_has_any``, ``hash`` (of a text) and, before PostgreSQL 16,
``any_value``. Parameters are bound client-side (psycopg's ``ClientCursor``), so an untyped
``NULL`` parameter works as in DuckDB.
Results go through DuckDB's own DataFrame conversion (rows -> Arrow with the column types -> DuckDB
-> pandas), so the pages get the same dtypes on both (dates as datetime64, ints with NULL as Int32/64).

Not on PostgreSQL: the backups of lib/backup.py (EXPORT DATABASE); use ``pg_dump``.
"""
from __future__ import annotations

import re
import threading
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import psycopg
from psycopg.adapt import Loader

from lib.db import Database, DatabaseError
from lib.i18n import Msg

WRITE_LOCK_KEY = 7_007_007  # pg_advisory_xact_lock key of the one write path

COMPAT_SQL = [
    "CREATE OR REPLACE FUNCTION list_contains(anycompatiblearray, anycompatible) RETURNS boolean "
    "LANGUAGE sql IMMUTABLE AS 'SELECT $2 = ANY($1)'",
    "CREATE OR REPLACE FUNCTION list_has_any(anycompatiblearray, anycompatiblearray) RETURNS boolean "
    "LANGUAGE sql IMMUTABLE AS 'SELECT $1 && $2'",
    "CREATE OR REPLACE AGGREGATE list(anycompatible) (SFUNC = array_append, STYPE = anycompatiblearray)",
    # DuckDB's hash of a text, as lib/flags.py keys texts (any 64 bits, the same for a text in every read):
    # here a non-negative BIGINT, so that ``hash(x) >> 1`` stays non-negative as DuckDB's UBIGINT
    "CREATE OR REPLACE FUNCTION hash(text) RETURNS bigint LANGUAGE sql IMMUTABLE "
    "AS 'SELECT hashtextextended($1, 0) & 9223372036854775807'",
    # DuckDB's regexp_matches(text, pattern) is a boolean search; its \\x{hh} escapes are \\xhh here
    r"CREATE OR REPLACE FUNCTION ct07_regexp_matches(text, text) RETURNS boolean LANGUAGE sql IMMUTABLE "
    r"AS $f$SELECT $1 ~ regexp_replace($2, '\\x\{([0-9a-fA-F]+)\}', '\\x\1', 'g')$f$",
]
COMPAT_SQL_BEFORE_16 = [
    "CREATE OR REPLACE FUNCTION ct07_any_value_step(anycompatible, anycompatible) RETURNS anycompatible "
    "LANGUAGE sql IMMUTABLE AS 'SELECT coalesce($1, $2)'",
    "CREATE OR REPLACE AGGREGATE any_value(anycompatible) (SFUNC = ct07_any_value_step, STYPE = anycompatible)",
]


def redact(url: str) -> str:
    """The URL without its password (for messages)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(":" + parts.password + "@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


# -- SQL: DuckDB's dialect as lib/ writes it -> PostgreSQL ------------------------------------
_AFTER_SUBQUERY = {"WHERE", "GROUP", "ORDER", "LIMIT", "HAVING", "WINDOW", "UNION", "EXCEPT", "INTERSECT",
                   "JOIN", "LEFT", "RIGHT", "INNER", "FULL", "CROSS", "ON", "OFFSET", "NATURAL", "USING",
                   "RETURNING"}


def _segments(sql: str) -> list[tuple[bool, str]]:
    """(is_code, text) pieces: string literals, quoted identifiers and comments are not code."""
    out, i, start, n = [], 0, 0, len(sql)
    while i < n:
        c = sql[i]
        if c in "'\"":
            if i > start:
                out.append((True, sql[start:i]))
            j = i + 1
            while j < n:
                if sql[j] == c:
                    if j + 1 < n and sql[j + 1] == c:
                        j += 2
                        continue
                    break
                j += 1
            out.append((False, sql[i:j + 1]))
            i = start = j + 1
        elif c == "-" and sql.startswith("--", i):
            if i > start:
                out.append((True, sql[start:i]))
            j = sql.find("\n", i)
            j = n if j < 0 else j
            i = start = j  # the comment is dropped
        else:
            i += 1
    if start < n:
        out.append((True, sql[start:]))
    return out


def _alias_subqueries(code: str) -> str:
    """``FROM (SELECT ...) WHERE`` -> ``FROM (SELECT ...) AS _q1 WHERE`` (literals already masked)."""
    inserts = []
    for m in re.finditer(r"\b(FROM|JOIN)\s*\(\s*(SELECT|WITH)\b", code, re.IGNORECASE):
        depth, j = 0, code.index("(", m.start())
        while j < len(code):
            if code[j] == "(":
                depth += 1
            elif code[j] == ")":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        nxt = re.match(r"\s*([A-Za-z_][A-Za-z_0-9]*)?", code[j + 1:])
        word = nxt.group(1) if nxt else None
        if word is None or word.upper() in _AFTER_SUBQUERY:
            inserts.append(j + 1)
    for k, pos in enumerate(sorted(inserts, reverse=True)):
        code = code[:pos] + f" AS _q{len(inserts) - k}" + code[pos:]
    return code


@lru_cache(maxsize=4096)
def translate(sql: str) -> str:
    """DuckDB's SQL as lib/ writes it, for PostgreSQL with psycopg's ``%s``/``%(name)s`` parameters."""
    parts = _segments(sql)
    # mask the literals (same length) so the subquery pass counts parentheses of code only
    masked = "".join(t if code else "'" + "x" * (len(t) - 2) + "'" if len(t) >= 2 else t for code, t in parts)
    aliased = _alias_subqueries(masked)
    if aliased != masked:  # put the literals back into the aliased text
        literals = iter(t for code, t in parts if not code)
        rebuilt, pos = [], 0
        for m in re.finditer(r"'x*'", aliased):
            rebuilt.append((True, aliased[pos:m.start()]))
            rebuilt.append((False, next(literals)))
            pos = m.end()
        rebuilt.append((True, aliased[pos:]))
        parts = [(c, t) for c, t in rebuilt if t]
    out, on_conflict = [], False
    for code, text in parts:
        if not code:
            out.append(text.replace("%", "%%"))
            continue
        text = text.replace("%", "%%")
        text = text.replace("?", "%s")
        text = re.sub(r"(?<!:)\$([A-Za-z_][A-Za-z_0-9]*)", r"%(\1)s", text)
        text = re.sub(r"([(,]\s*)\[\]", r"\1'{}'", text)
        text = re.sub(r"\bDOUBLE\b(?!\s+PRECISION)", "DOUBLE PRECISION", text, flags=re.IGNORECASE)
        # arg_max(value, key) of plain columns: the value of the row with the largest key
        text = re.sub(r"\barg_max\(\s*([\w.]+)\s*,\s*([\w.]+)\s*\)", r"(array_agg(\1 ORDER BY \2 DESC))[1]",
                      text, flags=re.IGNORECASE)
        text = re.sub(r"\bregexp_matches\s*\(", "ct07_regexp_matches(", text, flags=re.IGNORECASE)
        if re.search(r"\bINSERT\s+OR\s+IGNORE\s+INTO\b", text, re.IGNORECASE):
            text = re.sub(r"\bINSERT\s+OR\s+IGNORE\s+INTO\b", "INSERT INTO", text, flags=re.IGNORECASE)
            on_conflict = True
        if re.search(r"\bINSERT\s+OR\s+REPLACE\b", text, re.IGNORECASE):
            raise NotImplementedError("INSERT OR REPLACE has no PostgreSQL form here: " + sql[:80])
        out.append(text)
    result = "".join(out).strip()
    if on_conflict:
        result = result.rstrip(";") + " ON CONFLICT DO NOTHING"
    return result


def _value(v: Any) -> Any:
    """A parameter as psycopg takes it (DuckDB takes numpy and pandas scalars as they are)."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if isinstance(v, np.datetime64):
        return None if np.isnat(v) else pd.Timestamp(v).to_pydatetime()
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, (list, tuple, np.ndarray)):
        return [_value(x) for x in v]
    return v


def _params(params):
    if params is None:
        return []
    if isinstance(params, dict):
        return {k: _value(v) for k, v in params.items()}
    return [_value(v) for v in params]


class _NumericLoader(Loader):
    """numeric -> int when whole, else float (DuckDB gives sums of integers as int, averages as float)."""

    def load(self, data):
        d = Decimal(bytes(data).decode())
        return int(d) if d == d.to_integral_value() and d.is_finite() else float(d)


# -- results as DuckDB's DataFrames -------------------------------------------------------
_ARROW = {16: pa.bool_(), 20: pa.int64(), 21: pa.int16(), 23: pa.int32(), 700: pa.float32(), 701: pa.float64(),
          1700: pa.float64(), 25: pa.string(), 1043: pa.string(), 1042: pa.string(), 19: pa.string(),
          705: pa.string(), 1082: pa.date32(), 1114: pa.timestamp("us"), 1184: pa.timestamp("us", tz="UTC"),
          1009: pa.list_(pa.string()), 1015: pa.list_(pa.string()), 1007: pa.list_(pa.int32()),
          1016: pa.list_(pa.int64()), 1022: pa.list_(pa.float64()), 1000: pa.list_(pa.bool_())}
_DUCK = duckdb.connect()
_DUCK_MU = threading.Lock()


def _frame(description, rows: list[tuple]) -> pd.DataFrame:
    names = [d.name for d in description]
    with _DUCK_MU:
        cur = _DUCK.cursor()
    try:
        df = cur.from_arrow(_arrow(description, rows)).df()
    finally:
        cur.close()
    df.columns = names
    return df


def _arrow(description, rows: list[tuple]) -> pa.Table:
    """The rows as an Arrow table of the columns' types (columns c0, c1, ...), as DuckDB reads it."""
    arrays = []
    for k, d in enumerate(description):
        kind = _ARROW.get(d.type_code)
        values = [r[k] for r in rows]
        if kind is None:
            kind, values = pa.string(), [None if v is None else str(v) for v in values]
        elif kind == pa.float64():
            values = [None if v is None else float(v) for v in values]
        arrays.append(pa.array(values, type=kind))
    return pa.Table.from_arrays(arrays, names=[f"c{k}" for k in range(len(description))])


def _sql_type(series: pd.Series) -> str:
    kind = series.dtype.kind
    if kind == "b" or str(series.dtype) == "boolean":
        return "BOOLEAN"
    if kind in "iu":
        return "BIGINT"
    if kind == "f":
        return "DOUBLE PRECISION"
    if kind == "M":
        return "TIMESTAMP"
    first = next((v for v in series if v is not None and not (isinstance(v, float) and np.isnan(v))
                  and v is not pd.NA), None)
    if isinstance(first, (bool, np.bool_)):
        return "BOOLEAN"
    if isinstance(first, (int, np.integer)):
        return "BIGINT"
    if isinstance(first, (float, np.floating)):
        return "DOUBLE PRECISION"
    if isinstance(first, datetime):
        return "TIMESTAMP"
    if isinstance(first, date):
        return "DATE"
    return "TEXT"


# -- connections --------------------------------------------------------------------------
class _Pool:
    """Idle connections kept for the next cursor (reads run in autocommit; a write runs BEGIN...COMMIT)."""

    def __init__(self, url: str, keep: int = 4):
        self.url, self.keep = url, keep
        self._idle: list[psycopg.Connection] = []
        self._mu = threading.Lock()

    def get(self) -> psycopg.Connection:
        with self._mu:
            while self._idle:
                conn = self._idle.pop()
                if not conn.closed and not conn.broken:
                    return conn
        conn = psycopg.connect(self.url, autocommit=True, cursor_factory=psycopg.ClientCursor)
        conn.adapters.register_loader("numeric", _NumericLoader)
        return conn

    def put(self, conn: psycopg.Connection) -> None:
        if conn.closed or conn.broken:
            return
        if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            try:
                conn.execute("ROLLBACK")
            except psycopg.Error:
                conn.close()
                return
        with self._mu:
            if len(self._idle) < self.keep:
                self._idle.append(conn)
                return
        conn.close()

    def close(self) -> None:
        with self._mu:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()


class PgCursor:
    """DuckDB's cursor API as lib/ uses it: execute(sql, params) -> self, fetchone, fetchall, df,
    begin/commit/rollback, close."""

    def __init__(self, pool: _Pool):
        self._pool = pool
        self._conn = pool.get()
        self._cur = self._conn.cursor()

    def execute(self, sql: str, params=None) -> "PgCursor":
        self._cur.execute(translate(sql), _params(params))
        return self

    def fetchone(self):
        return self._cur.fetchone() if self._cur.description else None

    def fetchall(self) -> list:
        return self._cur.fetchall() if self._cur.description else []

    @property
    def description(self):
        return self._cur.description

    def df(self) -> pd.DataFrame:
        return _frame(self._cur.description, self._cur.fetchall())

    fetchdf = df

    def begin(self) -> None:
        self._cur.execute("BEGIN")

    def commit(self) -> None:
        self._cur.execute("COMMIT")

    def rollback(self) -> None:
        self._cur.execute("ROLLBACK")

    def share_frame(self, name: str, frame: pd.DataFrame) -> None:
        """``frame`` as the temporary table ``name`` of this transaction, filled by COPY."""
        if not re.fullmatch(r"[a-z_][a-z_0-9]*", name) or not all(re.fullmatch(r"[a-z_][a-z_0-9]*", str(c))
                                                                  for c in frame.columns):
            raise ValueError(f"not a plain table or column name: {name} {list(frame.columns)}")
        cols = ", ".join(f"{c} {_sql_type(frame[c])}" for c in frame.columns)
        self._cur.execute(f"DROP TABLE IF EXISTS pg_temp.{name}")
        self._cur.execute(f"CREATE TEMPORARY TABLE {name} ({cols}) ON COMMIT DROP")
        with self._cur.copy(f"COPY {name} ({', '.join(frame.columns)}) FROM STDIN") as copy:
            for row in frame.itertuples(index=False, name=None):
                copy.write_row([_value(v) if not (isinstance(v, float) and np.isnan(v)) else None for v in row])

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            self._cur.close()
            self._pool.put(conn)


class PgDatabase(Database):
    """``lib.db.Database`` on PostgreSQL: same public API (query, scalar, write, migrate, ...)."""

    dialect = "postgres"

    def __init__(self, url: str):
        self.url = url
        self.path = url  # the key ui/frame caches this database under (str(db.path))
        self._lock = threading.Lock()
        self._pool = _Pool(url)
        try:
            cur = self._cursor()
        except psycopg.Error as e:
            raise DatabaseError(Msg("db.err.pg_cannot_connect", url=redact(url), error=str(e).strip())) from e
        try:
            self._begin_write(cur)
            version = cur._conn.info.server_version
            for stmt in COMPAT_SQL + (COMPAT_SQL_BEFORE_16 if version < 160000 else []):
                cur._cur.execute(stmt)
            cur.commit()
        except Exception:
            cur.rollback()
            raise
        finally:
            cur.close()
        self.migrate()

    def _cursor(self) -> PgCursor:
        return PgCursor(self._pool)

    def _begin_write(self, cur: PgCursor) -> None:
        cur.begin()
        cur.execute("SELECT pg_advisory_xact_lock(?)", [WRITE_LOCK_KEY])

    def reopen_after(self, fn):
        raise DatabaseError(Msg("db.err.pg_no_backup"))

    def numpy(self, sql: str, params=None, planned: bool = False) -> dict:
        """``Database.numpy``: the same arrays (the rows read through DuckDB's ``fetchnumpy``).
        ``planned``: psycopg prepares a statement on the server once it has run a few times."""
        cur = self._cursor()
        try:
            cur.execute(sql, params)
            description, rows = cur._cur.description, cur.fetchall()
        finally:
            cur.close()
        with _DUCK_MU:
            duck = _DUCK.cursor()
        try:
            arrays = duck.from_arrow(_arrow(description, rows)).fetchnumpy()
        finally:
            duck.close()
        return {d.name: arrays[f"c{k}"] for k, d in enumerate(description)}

    def close(self) -> None:
        self._pool.close()
