"""whole_days: the database's day count is Python's `(later - earlier).days`, to the microsecond."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, literal, select

from storage.dates import whole_days
from storage.types import UTCDateTime

NOW = dt.datetime(2026, 11, 30, 1, 0, 0, 5, tzinfo=dt.UTC)


def _instants() -> list[dt.datetime]:
    """Either side of every day boundary near NOW, far apart, and at random."""
    near = [NOW - dt.timedelta(days=d, microseconds=u)
            for d in (-2, -1, 0, 1, 2, 400) for u in (-1, 0, 1, 3_600_000_000)]
    midnight = dt.datetime(2026, 11, 30, tzinfo=dt.UTC)
    edges = [midnight + dt.timedelta(microseconds=u) for u in (-1, 0, 1)]
    rnd = random.Random(15)
    return near + edges + [NOW + dt.timedelta(microseconds=rnd.randint(-10**14, 10**14))
                           for _ in range(200)]


def test_whole_days_is_pythons_day_count_on_both_dialects(db_url: str) -> None:
    engine = create_engine(db_url)
    table = Table("instants", MetaData(), Column("id", Integer, primary_key=True),
                  Column("at", UTCDateTime()))
    instants = _instants()
    try:
        table.create(engine)
        with engine.begin() as conn:
            conn.execute(insert(table), [{"id": i, "at": at} for i, at in enumerate(instants)])
            now = literal(NOW, UTCDateTime())
            rows = conn.execute(select(table.c.id, whole_days(now, table.c.at),
                                       whole_days(table.c.at, now))).all()
    finally:
        table.drop(engine, checkfirst=True)
        engine.dispose()
    got = {i: (later, earlier) for i, later, earlier in rows}
    expected = {i: ((NOW - at).days, (at - NOW).days) for i, at in enumerate(instants)}
    assert got == expected
    # Both signs and both sides of a boundary are among them.
    assert {(NOW - at).days for at in instants} >= {-2, -1, 0, 1, 2, 400}
