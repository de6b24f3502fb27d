"""Date arithmetic the database does exactly, on SQLite as on PostgreSQL.

A sum over tens of thousands of items is cheaper in SQL than decoding every datetime into
Python, but only if the SQL gives the very number Python would: `whole_days(later, earlier)`
is `(later - earlier).days` for two UTC datetime columns or parameters, the floor of the
difference in days, exact to the microsecond (no floating-point julian days, no epoch
division). Both are split into the UTC date, whose difference is a whole number of days, and
the time of day, which takes one day off when the earlier one's is later in its day.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql._typing import _ColumnExpressionArgument
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class whole_days(FunctionElement[int]):
    """`(later - earlier).days` in SQL, for UTCDateTime columns or parameters."""

    type = Integer()
    inherit_cache = True
    name = "whole_days"

    def __init__(self, later: _ColumnExpressionArgument[Any],
                 earlier: _ColumnExpressionArgument[Any]) -> None:
        super().__init__(later, earlier)


def _parts(element: whole_days, compiler: SQLCompiler, **kw: Any) -> tuple[str, str]:
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return later, earlier


@compiles(whole_days, "sqlite")
def _sqlite(element: whole_days, compiler: SQLCompiler, **kw: Any) -> str:
    # UTCDateTime keeps 'YYYY-MM-DD HH:MM:SS.ffffff' text on SQLite: the date is its first ten
    # characters (julianday of a bare date is a whole number plus one half, exactly), the time
    # of day the rest, which compares as text.
    later, earlier = _parts(element, compiler, **kw)
    return (f"(CAST(julianday(substr({later}, 1, 10)) - julianday(substr({earlier}, 1, 10))"
            f" AS INTEGER) - (substr({earlier}, 12) > substr({later}, 12)))")


@compiles(whole_days, "postgresql")
def _postgresql(element: whole_days, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = _parts(element, compiler, **kw)
    utc_later, utc_earlier = (f"(({side}) AT TIME ZONE 'UTC')" for side in (later, earlier))
    return (f"((CAST({utc_later} AS DATE) - CAST({utc_earlier} AS DATE))"
            f" - CAST(CAST({utc_earlier} AS TIME) > CAST({utc_later} AS TIME) AS INTEGER))")
