"""The update inbox: every update recorded before Telegram is told it arrived, handled once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.clock import Clock
from bot.domain import InboxState
from storage.db import Database
from storage.inbox import InboxUpdate

# Handled updates are kept this long, so a redelivery is still recognised.
KEEP_DONE = dt.timedelta(days=7)
# Telegram numbers updates in sequence unless none came for a week.
FRESH_IDS = dt.timedelta(days=6)


@dataclass(frozen=True)
class Arrival:
    """One update as received, and why it must not be handled (None: handle it)."""

    update_id: int
    payload: dict[str, Any]
    refused: str | None = None


class InboxService:
    def __init__(self, db: Database, clock: Clock, *, retake_after: dt.timedelta) -> None:
        self.db = db
        self.clock = clock
        self.retake_after = retake_after

    def record(self, arrivals: Sequence[Arrival], *, holder: str) -> list[int]:
        """Record updates in one transaction, taken by `holder`; return the ids that are new
        and to be handled (a repeated update_id, or a refused update, is not)."""
        if not arrivals:
            return []
        now = self.clock.now()
        rows = [{"update_id": a.update_id, "payload": a.payload, "received_at": now,
                 "state": InboxState.DROPPED if a.refused else InboxState.TAKEN,
                 "reason": a.refused, "taken_by": None if a.refused else holder,
                 "taken_at": None if a.refused else now} for a in arrivals]
        dialect = self.db.engine.dialect.name
        statement: Any = (pg_insert(InboxUpdate) if dialect == "postgresql"
                          else sqlite_insert(InboxUpdate))
        statement = statement.on_conflict_do_nothing(index_elements=["update_id"]).returning(
            InboxUpdate.update_id)

        def write() -> set[int]:
            with self.db.write() as conn:
                fresh: set[int] = set()
                for row in rows:  # one statement per row: RETURNING says which were new
                    fresh.update(conn.execute(statement.values(row)).scalars())
                return fresh

        fresh = self.db.retrying(write)
        return [a.update_id for a in arrivals if a.update_id in fresh and not a.refused]

    def done(self, update_ids: Iterable[int]) -> None:
        ids = list(update_ids)
        if not ids:
            return
        now = self.clock.now()

        def write() -> None:
            with self.db.write() as conn:
                conn.execute(update(InboxUpdate).where(InboxUpdate.update_id.in_(ids))
                             .values(state=InboxState.DONE, done_at=now))

        self.db.retrying(write)

    def drop(self, update_id: int, reason: str) -> None:
        """Mark a recorded update as not handled (one person's flood), with the reason."""
        def write() -> None:
            with self.db.write() as conn:
                conn.execute(update(InboxUpdate).where(InboxUpdate.update_id == update_id)
                             .values(state=InboxState.DROPPED, reason=reason,
                                     done_at=self.clock.now()))

        self.db.retrying(write)

    def retake(self, holder: str, *, gone: Callable[[str], bool] = lambda taker: False,
               ) -> list[tuple[int, dict[str, Any]]]:
        """Take over updates recorded but never finished: those of a taker `gone` says is no
        longer running (a killed process on this host, at start-up), and any taken longer
        ago than retake_after (an instance elsewhere that died). In update_id order, which is
        each person's order."""
        now = self.clock.now()
        query = select(InboxUpdate.update_id, InboxUpdate.payload, InboxUpdate.taken_by,
                       InboxUpdate.taken_at).where(InboxUpdate.state == InboxState.TAKEN)
        if self.db.engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        stale = now - self.retake_after

        def write() -> list[tuple[int, dict[str, Any]]]:
            with self.db.write() as conn:
                rows = [(r[0], dict(r[1])) for r in conn.execute(
                    query.order_by(InboxUpdate.update_id).limit(1000))
                    if r[2] != holder and (r[3] is None or r[3] < stale or gone(r[2] or ""))]
                if rows:
                    conn.execute(update(InboxUpdate).where(
                        InboxUpdate.update_id.in_([r[0] for r in rows]))
                        .values(taken_by=holder, taken_at=now))
                return rows

        return self.db.retrying(write)

    def last_update_id(self) -> int | None:
        """The newest update recorded lately: long polling continues after it. Only lately:
        after a week without updates Telegram numbers the next one at random, maybe lower."""
        since = self.clock.now() - FRESH_IDS
        with self.db.read() as conn:
            return conn.execute(select(func.max(InboxUpdate.update_id))
                                .where(InboxUpdate.received_at >= since)).scalar()

    def counts(self) -> dict[str, int]:
        with self.db.read() as conn:
            rows = conn.execute(select(InboxUpdate.reason, InboxUpdate.state, func.count())
                                .group_by(InboxUpdate.reason, InboxUpdate.state))
            return {f"{state}:{reason}" if reason else str(state): n
                    for reason, state, n in rows}

    def forget_old(self) -> int:
        """Delete what was handled long enough ago that Telegram will not send it again."""
        cutoff = self.clock.now() - KEEP_DONE
        with self.db.write() as conn:
            return int(conn.execute(delete(InboxUpdate).where(
                InboxUpdate.state != InboxState.TAKEN, InboxUpdate.received_at < cutoff)
            ).rowcount)
