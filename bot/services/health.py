"""Is the bot alive: database reachable, schema current, a sender ticking, who holds the lease."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, select, text
from sqlalchemy.exc import SQLAlchemyError

from bot.clock import Clock
from storage.migrate import current_revision, head_revision
from storage.notify import Lease


@dataclass(frozen=True)
class Health:
    database: str | None  # None: reachable; else why not
    revision: str | None
    head: str
    holder: str | None  # who holds the sender lease now (None: nobody)
    last_tick_seconds: float | None  # how long ago the lease was last renewed, about

    @property
    def ok(self) -> bool:
        return self.database is None and self.revision == self.head and self.holder is not None

    def lines(self) -> list[str]:
        """One line per check, for the terminal."""
        db = "ok" if self.database is None else f"unreachable ({self.database})"
        schema = ("current" if self.revision == self.head
                  else f"{self.revision or 'empty'}, this version needs {self.head}")
        if self.holder is not None:
            sender = f"{self.holder}, last tick ≤ {self.last_tick_seconds:.0f} s ago"
        elif self.last_tick_seconds is not None:
            sender = f"nobody holds the lease; last tick {self.last_tick_seconds:.0f} s ago"
        else:
            sender = "no sender has ever run"
        return [f"database: {db}", f"schema: {schema}", f"sender: {sender}",
                f"health: {'ok' if self.ok else 'FAILING'}"]

    def as_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "database": self.database or "ok", "revision": self.revision,
                "head": self.head, "holder": self.holder,
                "last_tick_seconds": self.last_tick_seconds}


def check_health(engine: Engine, clock: Clock, lease_seconds: float) -> Health:
    """Look at the database as the running bots leave it; never raises for a database fault.

    The lease is renewed by ticks (at most every quarter of its time), so "last tick" is the
    last renewal, expires_at - lease_seconds: exact to within a quarter of the lease.
    """
    head = head_revision()
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        revision = current_revision(engine)
        row = None
        if revision is not None:
            with engine.connect() as conn:
                row = conn.execute(select(Lease.holder, Lease.expires_at)
                                   .where(Lease.name == "scheduler")).first()
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        return Health(reason, None, head, None, None)
    if row is None:
        return Health(None, revision, head, None, None)
    now = clock.now()
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=dt.UTC)
    age = max(0.0, (now - (expires - dt.timedelta(seconds=lease_seconds))).total_seconds())
    holder = row.holder if expires > now else None
    return Health(None, revision, head, holder, age)
