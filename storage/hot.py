"""The statements of every update, sent straight to the driver.

A private chat's step is read before and saved after every update of a conversation
(storage.dialogs). Through SQLAlchemy's Connection the read costs ~77 µs and the save ~90 µs on
SQLite in a tight loop; here ~26 and ~30 µs, and the filing conversation of
`python bench/bench_filing.py` does ~15% more updates a second. The statements stay Core
constructs, compiled here once per dialect, and what the engine does around a statement is done
here too:

- parameters and result columns go through the column types' own processors (JSON, enums,
  dates), the ones SQLAlchemy's execution would apply;
- NUL characters are dropped from text, as the engine's listener drops them (storage.db);
- a write on SQLite begins IMMEDIATE, as every writer does (storage.db._sqlite_begin), and
  commits; anything raised rolls it back;
- a driver error is raised as SQLAlchemy's DBAPIError, so `classify` and `retrying` read it
  as they read any other; a connection the server dropped is invalidated, not pooled again.

What is not done: the engine's events (`before_cursor_execute` listeners, echo) do not see
these statements. Everything else goes through SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.types import TypeEngine

from storage.db import SQLITE_BEGIN, drop_nul_characters

Processor = Callable[[Any], Any] | None


def _bind_processor(type_: TypeEngine[Any], dialect: Dialect) -> Processor:
    return type_.dialect_impl(dialect).bind_processor(dialect)


def _result_processor(type_: TypeEngine[Any], dialect: Dialect) -> Processor:
    return type_.dialect_impl(dialect).result_processor(dialect, None)


class Compiled:
    """One Core statement compiled for one dialect, with its types' processors."""

    def __init__(self, statement: ClauseElement, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        if compiled.escaped_bind_names:
            raise ValueError("bind parameter names the driver cannot take as they are")
        self._compiled = compiled
        self.sql = str(compiled)
        self._order = tuple(compiled.positiontup or ()) if compiled.positional else None
        self._binds = {name: _bind_processor(bind.type, dialect)
                       for name, bind in compiled.binds.items()}
        # A SELECT's columns have types; a text() statement's come back as the driver gives them.
        columns = getattr(statement, "selected_columns", None)
        self._results = None if columns is None else tuple(
            _result_processor(column.type, dialect) for column in columns)

    def parameters(self, values: Mapping[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        """The driver's parameters for `values` (by bind name), processed and cleaned."""
        processed: dict[str, Any] = {}
        for name, value in self._compiled.construct_params(values).items():
            process = self._binds.get(name)
            processed[name] = process(value) if process is not None and value is not None \
                else value
        cleaned: dict[str, Any] = drop_nul_characters(processed)
        if self._order is None:
            return cleaned
        return tuple(cleaned[name] for name in self._order)

    def row(self, raw: tuple[Any, ...]) -> tuple[Any, ...]:
        if self._results is None:
            return raw
        return tuple(value if process is None else process(value)
                     for process, value in zip(self._results, raw, strict=True))


class Run:
    """Statements on one DBAPI connection, inside `HotPath.reading` or `HotPath.writing`."""

    def __init__(self, hot: HotPath, cursor: Any) -> None:
        self._hot = hot
        self.cursor = cursor
        self.sql = ""
        self.params: Any = None

    def _execute(self, statement: ClauseElement, values: Mapping[str, Any]) -> Compiled:
        compiled = self._hot.compiled(statement)
        self.sql, self.params = compiled.sql, compiled.parameters(values)
        self.cursor.execute(self.sql, self.params)
        return compiled

    def first(self, statement: ClauseElement, values: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """The first row of a SELECT, its columns processed; None when there is none."""
        compiled = self._execute(statement, values)
        raw = self.cursor.fetchone()
        return None if raw is None else compiled.row(tuple(raw))

    def rowcount(self, statement: ClauseElement, values: Mapping[str, Any]) -> int:
        """Run an INSERT, UPDATE or DELETE; how many rows it touched."""
        self._execute(statement, values)
        return int(self.cursor.rowcount)


class HotPath:
    """Run compiled Core statements on the engine's pooled DBAPI connections."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect
        self._sqlite = engine.dialect.name == "sqlite"
        self._cache: dict[int, tuple[ClauseElement, Compiled]] = {}

    def compiled(self, statement: ClauseElement) -> Compiled:
        # Keyed by identity and holding the statement, so the id is never reused while cached:
        # the statements here are module constants.
        found = self._cache.get(id(statement))
        if found is None:
            found = self._cache[id(statement)] = (statement, Compiled(statement, self.dialect))
        return found[1]

    @contextmanager
    def reading(self) -> Iterator[Run]:
        """A connection for reads; each statement sees what is committed (no BEGIN on SQLite,
        the driver's own transaction on a server, rolled back when the connection is pooled)."""
        with self._connection(write=False) as run:
            yield run

    @contextmanager
    def writing(self) -> Iterator[Run]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with self._connection(write=True) as run:
            yield run

    @contextmanager
    def _connection(self, *, write: bool) -> Iterator[Run]:
        error = self.dialect.loaded_dbapi.Error
        try:
            pooled = self.engine.raw_connection()
        except error as exc:  # no connection at all (a server away): named as the engine would
            raise DBAPIError.instance(None, None, exc, error, dialect=self.dialect,
                                      connection_invalidated=bool(
                                          self.dialect.is_disconnect(exc, None, None))) from exc
        driver: Any = pooled.driver_connection
        cursor: Any = None
        run = Run(self, None)
        try:
            try:
                run.cursor = cursor = driver.cursor()
                if write and self._sqlite:
                    run.sql, run.params = SQLITE_BEGIN, ()
                    cursor.execute(run.sql)
                yield run
                if write:
                    run.sql, run.params = "COMMIT", ()
                    driver.commit()
            except BaseException:
                if write:
                    self._roll_back(driver)
                raise
        except error as exc:
            invalidated = bool(self.dialect.is_disconnect(exc, driver, cursor))
            if invalidated:
                pooled.invalidate(exc)
            raise DBAPIError.instance(run.sql, run.params, exc, error, dialect=self.dialect,
                                      connection_invalidated=invalidated) from exc
        finally:
            if cursor is not None and pooled.is_valid:
                cursor.close()
            pooled.close()

    def _roll_back(self, driver: Any) -> None:
        # A connection that is gone cannot roll back; the error that ended the block is the one
        # to raise.
        with suppress(self.dialect.loaded_dbapi.Error):
            driver.rollback()
