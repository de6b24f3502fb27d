"""Engine set-up (SQLite pragmas, IMMEDIATE writers), storage faults, and the Database handle."""

from __future__ import annotations

import contextlib
import enum
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from storage.uow import UnitOfWork, joined, unit_of_work

log = logging.getLogger(__name__)

T = TypeVar("T")

# How long a SQLite writer waits for another writer's lock before giving up (seconds).
BUSY_TIMEOUT = 30.0


def make_engine(url: str, *, echo: bool = False, busy_timeout: float = BUSY_TIMEOUT) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout and enforced foreign keys.

    A server database gets pool_pre_ping: a connection the server dropped while it sat in the
    pool (a restart, an administrator's terminate) is replaced before a use case gets it.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            _private_database(Path(database))
        engine = create_engine(url, echo=echo, connect_args={"timeout": busy_timeout})
        millis = max(0, int(busy_timeout * 1000))

        def pragmas(dbapi_connection: Any, _record: Any) -> None:
            _sqlite_pragmas(dbapi_connection, millis)
            # Transactions are begun by _sqlite_begin below, not by the driver.
            dbapi_connection.isolation_level = None

        event.listen(engine, "connect", pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    else:
        engine = create_engine(url, echo=echo, pool_pre_ping=True)
    event.listen(engine, "before_cursor_execute", _drop_nul, retval=True)
    return engine


def _drop_nul(
    conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool,
) -> tuple[str, Any]:
    """Drop NUL characters from text about to be stored: PostgreSQL refuses them in text
    (SQLite would keep them), and no one means one in a message. Same data on both backends."""
    if executemany and isinstance(parameters, list):
        return statement, [drop_nul_characters(p) for p in parameters]
    return statement, drop_nul_characters(parameters)


def drop_nul_characters(parameters: Any) -> Any:
    """The statement's parameters with NUL dropped from text (see _drop_nul)."""
    if isinstance(parameters, dict):
        if any(isinstance(v, str) and "\x00" in v for v in parameters.values()):
            return {k: v.replace("\x00", "") if isinstance(v, str) else v
                    for k, v in parameters.items()}
        return parameters
    if isinstance(parameters, tuple | list) and any(
            isinstance(v, str) and "\x00" in v for v in parameters):
        return type(parameters)(v.replace("\x00", "") if isinstance(v, str) else v
                                for v in parameters)
    return parameters


def _private_database(path: Path) -> None:
    """Create the database's folder (0700) and file (0600) for its owner alone: it holds
    people's names, ids and reports. SQLite gives its -wal and -shm files the same mode."""
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


# Execution option that marks a connection as only reading.
READ_ONLY = "zhenggai_read_only"
# How every SQLite writer begins (see _sqlite_begin); storage.hot begins its writes alike.
SQLITE_BEGIN = "BEGIN IMMEDIATE"


def _sqlite_begin(conn: Connection) -> None:
    """Begin a writing transaction IMMEDIATE: it takes the write lock at once, so two writers
    wait for each other (busy_timeout) instead of one failing when a read turns into a write.
    Readers never wait under WAL."""
    options = conn.get_execution_options()
    if options.get("isolation_level") == "AUTOCOMMIT" or options.get(READ_ONLY, False):
        # VACUUM and the like run outside any transaction; a reader's statements each see a
        # committed state, as pysqlite's own handling gave them, without a BEGIN round trip.
        return
    conn.exec_driver_sql(SQLITE_BEGIN)


def _sqlite_pragmas(dbapi_connection: Any, busy_millis: int) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the one writer; NORMAL sync is safe under WAL.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={busy_millis}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class StorageFault(enum.StrEnum):
    """Why the database refused a unit of work, when the cause is the database, not the data."""

    BUSY = "busy"  # another writer held the lock past the busy timeout
    LOST = "lost"  # the server dropped the connection (restart, terminate, network)
    FULL = "full"  # the disk or the database's size limit is full
    READONLY = "readonly"  # the database file (or its folder) cannot be written


# SQLSTATE classes: 08 connection exception, 57P0x server shutting down or terminating us.
_LOST_STATES = ("08", "57P01", "57P02", "57P03")
_LOST_WORDS = ("terminating connection", "server closed the connection", "connection is closed",
               "connection already closed", "consuming input failed", "connection refused",
               "the connection is lost", "ssl connection has been closed",
               # A server restarting answers new connections with these (57P03 when it has a
               # SQLSTATE at all; at connect time psycopg gives only the message).
               "the database system is shutting down", "the database system is starting up",
               "the database system is in recovery mode", "could not connect to server",
               "connection to server", "no connection to the server")
_READONLY_WORDS = ("attempt to write a readonly database", "readonly database",
                   "read-only transaction")
_FULL_WORDS = ("database or disk is full", "disk is full", "no space left on device",
               "could not extend file")
_BUSY_WORDS = ("database is locked", "database table is locked", "database is busy")


def classify(error: BaseException | None) -> StorageFault | None:
    """Name the storage fault behind an error, or None for anything else (bugs, bad data)."""
    if not isinstance(error, DBAPIError):
        return None
    if error.connection_invalidated:
        return StorageFault.LOST
    orig = error.orig
    state = str(getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None) or "")
    text = str(orig).lower()
    if state == "53100" or any(word in text for word in _FULL_WORDS):
        return StorageFault.FULL
    if state == "25006" or any(word in text for word in _READONLY_WORDS):
        return StorageFault.READONLY
    if state.startswith(_LOST_STATES) or any(word in text for word in _LOST_WORDS):
        return StorageFault.LOST
    if state in ("55P03", "40P01") or any(word in text for word in _BUSY_WORDS):
        return StorageFault.BUSY
    return None


class Database:
    """Owns the engine and hands out units of work."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._readers = sessionmaker(engine.execution_options(**{READ_ONLY: True}),
                                     expire_on_commit=False)

    @classmethod
    def from_url(cls, url: str, *, echo: bool = False,
                 busy_timeout: float = BUSY_TIMEOUT) -> Database:
        return cls(make_engine(url, echo=echo, busy_timeout=busy_timeout))

    @contextmanager
    def uow(self) -> Iterator[Session]:
        """Open a transaction that commits on success and rolls back on any error."""
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session that only reads: it never takes the SQLite write lock."""
        with self._readers() as session, session.begin():
            yield session

    def unit(self) -> contextlib.AbstractContextManager[UnitOfWork]:
        """Open a unit of work for one use case (see storage.uow)."""
        return unit_of_work(self._sessions)

    def joined(self, uow: UnitOfWork | None) -> contextlib.AbstractContextManager[UnitOfWork]:
        """Join the caller's unit of work, or open one."""
        return joined(self._sessions, uow)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A plain connection for a hot read; ten times cheaper than a session."""
        with self.engine.connect().execution_options(**{READ_ONLY: True}) as conn:
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A plain transaction for a hot write of Core statements; commits on success."""
        with self.engine.begin() as conn:
            yield conn

    def fault(self, error: BaseException | None) -> StorageFault | None:
        """The storage fault behind an error (see `classify`), for callers above storage.

        A SQLite file opened while it could not be written stays read-only in that connection
        even once it can: the pool is emptied so the next use case opens it anew.
        """
        fault = classify(error)
        if fault is StorageFault.READONLY:
            self.engine.dispose()
        return fault

    def retrying(self, work: Callable[[], T], *, attempts: int = 3) -> T:
        """Run an idempotent unit of work; run it again on a fresh connection if the server
        dropped the one it had. Bounded: a server that stays away is the caller's to handle.

        Only a lost connection is retried: its transaction was rolled back with it. A busy
        SQLite file has already been waited for (the busy timeout), a full disk stays full.
        """
        for attempt in range(1, attempts + 1):
            try:
                return work()
            except DBAPIError as exc:
                if attempt == attempts or classify(exc) is not StorageFault.LOST:
                    raise
                log.warning("database connection lost (attempt %d of %d); retrying: %s",
                            attempt, attempts, exc.orig)
        raise AssertionError("unreachable")

    def dispose(self) -> None:
        self.engine.dispose()
