"""The notification engine's data side: plan, cancel, claim what is due, and record outcomes.

Every planned message is a row; a repeating tick claims due rows and the sender records what
happened. Claims are committed before sending, so a crash never resends what was confirmed
sent; a row left in `sending` by a crash is retried once its claim is stale (at-least-once
only for the instant between Telegram's answer and our commit).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import Select

from bot.clock import Clock
from bot.domain import NoteState
from storage.db import Database
from storage.notify import Lease, Notification

# Sent this long after its due time, a message counts (and reads) as late.
LATE_AFTER = dt.timedelta(minutes=5)
# In a payload: how many parts of a multi-part message (text, photo, document) went out,
# and that a message is due in a downtime summary (its retry must not be sent on its own).
SENT_PARTS = "sent_parts"
SUMMARISE = "summarise"


@dataclass(frozen=True)
class Planned:
    """A message to send later. `key` makes planning idempotent; `subject` groups for cancel."""

    key: str
    chat_id: int
    kind: str
    due_at: dt.datetime
    payload: dict[str, Any] = field(default_factory=dict)
    subject: str | None = None
    urgent: bool = False


@dataclass(frozen=True)
class Note:
    id: int
    key: str
    chat_id: int
    kind: str
    subject: str | None
    due_at: dt.datetime
    urgent: bool
    payload: dict[str, Any]
    state: NoteState
    attempts: int
    late: bool
    last_error: str | None


_NOTE_COLUMNS = (
    Notification.id, Notification.key, Notification.chat_id, Notification.kind,
    Notification.subject, Notification.due_at, Notification.urgent, Notification.payload,
    Notification.state, Notification.attempts, Notification.late, Notification.last_error,
)


def _note(row: Any) -> Note:
    return Note(*row)


@dataclass(frozen=True)
class Claim:
    """What one tick may send now, and what fell due so long ago it is only summarised."""

    fresh: list[Note]
    stale: dict[int, list[Note]]  # chat id -> notes folded into one summary


# Built once: planning runs inside every ledger change.
_DROP_PENDING = delete(Notification).where(Notification.subject == bindparam("subject"),
                                           Notification.state == NoteState.PENDING)
_KNOWN_KEYS = select(Notification.key).where(
    Notification.key.in_(bindparam("keys", expanding=True)))
_INSERT = insert(Notification)
INSERT_SLICE = 500


class NotificationService:
    def __init__(
        self, db: Database, clock: Clock, *, late_window: dt.timedelta,
        max_attempts: int = 5, claim_timeout: dt.timedelta = dt.timedelta(minutes=2),
    ) -> None:
        self.db = db
        self.clock = clock
        self.late_window = late_window
        self.max_attempts = max_attempts
        self.claim_timeout = claim_timeout

    # -- planning ----------------------------------------------------------------------------

    def plan(
        self, items: Iterable[Planned], *, replace_subject: str | None = None,
        conn: Connection | None = None,
    ) -> int:
        """Insert planned messages, skipping keys already planned; return how many were new.

        With replace_subject, the subject's pending messages are dropped first, in the same
        transaction, so a changed deadline never leaves the old plan behind. Pass `conn` to
        plan inside the caller's transaction (the ledger change and its reminders commit
        together).
        """
        if conn is None:
            with self.db.write() as own:
                return self.plan(items, replace_subject=replace_subject, conn=own)
        now = self.clock.now()
        items = list(items)
        if replace_subject is not None:
            conn.execute(_DROP_PENDING, {"subject": replace_subject})
        keys = [i.key for i in items]
        existing: set[str] = set()
        for start in range(0, len(keys), 500):
            existing |= set(conn.execute(_KNOWN_KEYS, {"keys": keys[start:start + 500]}).scalars())
        fresh = [i for i in items if i.key not in existing]
        # In slices: one executemany is one long call into the driver that keeps the GIL from
        # the event loop's thread until it returns (40,000 rows at once stalled it 0.2 s).
        for start in range(0, len(fresh), INSERT_SLICE):
            conn.execute(_INSERT, [
                {"key": i.key, "chat_id": i.chat_id, "kind": i.kind, "subject": i.subject,
                 "due_at": i.due_at, "urgent": i.urgent, "payload": i.payload,
                 "state": NoteState.PENDING, "attempts": 0, "late": False,
                 "created_at": now}
                for i in fresh[start:start + INSERT_SLICE]
            ])
        return len(fresh)

    def cancel_subject(self, subject: str, *, conn: Connection | None = None) -> int:
        """Cancel every pending message about a subject (a signed-off item, a cancelled meeting);
        pass `conn` to do it inside the caller's transaction."""
        if conn is not None:
            return self._cancel(conn, subject)
        with self.db.write() as own:
            return self._cancel(own, subject)

    @staticmethod
    def _cancel(conn: Any, subject: str) -> int:
        result = conn.execute(update(Notification).where(
            Notification.subject == subject, Notification.state == NoteState.PENDING,
        ).values(state=NoteState.CANCELLED))
        return int(result.rowcount)

    def cancel(self, note_id: int) -> bool:
        with self.db.write() as conn:
            result = conn.execute(update(Notification).where(
                Notification.id == note_id, Notification.state == NoteState.PENDING,
            ).values(state=NoteState.CANCELLED))
            return bool(result.rowcount)

    def get(self, note_id: int) -> Note | None:
        def read() -> Any:
            with self.db.read() as conn:
                return conn.execute(select(*_NOTE_COLUMNS)
                                    .where(Notification.id == note_id)).first()

        row = self.db.retrying(read)
        return _note(row) if row else None

    def siblings(self, note: Note, kinds: Iterable[str]) -> list[Note]:
        """The notes of these kinds due to the same chat at the same moment as `note` (itself
        included; cancelled ones not), in the order they were planned."""
        query = select(*_NOTE_COLUMNS).where(
            Notification.kind.in_(list(kinds)), Notification.due_at == note.due_at,
            Notification.chat_id == note.chat_id, Notification.state != NoteState.CANCELLED,
        ).order_by(Notification.id).limit(100)

        def read() -> list[Any]:
            with self.db.read() as conn:
                return list(conn.execute(query))

        return [_note(r) for r in self.db.retrying(read)]

    def listing(
        self, *, chat_ids: Iterable[int] | None = None, subject_prefix: str | None = None,
        due_before: dt.datetime | None = None, states: Iterable[NoteState] = (NoteState.PENDING,),
        limit: int = 1000,
    ) -> list[Note]:
        """List planned messages, soonest first (for /reminders and the admin CLI)."""
        query = select(*_NOTE_COLUMNS).where(Notification.state.in_(list(states)))
        if chat_ids is not None:
            query = query.where(Notification.chat_id.in_(list(chat_ids)))
        if subject_prefix is not None:
            query = query.where(Notification.subject.startswith(subject_prefix))
        if due_before is not None:
            query = query.where(Notification.due_at <= due_before)
        def read() -> list[Any]:
            with self.db.read() as conn:
                return list(conn.execute(query.order_by(Notification.due_at).limit(limit)))

        return [_note(r) for r in self.db.retrying(read)]

    # -- the lease ---------------------------------------------------------------------------

    def hold_lease(self, holder: str, ttl: dt.timedelta, name: str = "scheduler") -> bool:
        """Take or renew the sender's lease; only one holder per database sends."""
        return self.db.retrying(lambda: self._hold_lease(holder, ttl, name))

    def _hold_lease(self, holder: str, ttl: dt.timedelta, name: str) -> bool:
        now = self.clock.now()
        with self.db.write() as conn:
            taken = conn.execute(update(Lease).where(
                Lease.name == name, or_(Lease.holder == holder, Lease.expires_at < now),
            ).values(holder=holder, expires_at=now + ttl)).rowcount
            if taken:
                return True
        try:
            with self.db.write() as conn:
                conn.execute(insert(Lease).values(name=name, holder=holder,
                                                  expires_at=now + ttl))
            return True
        except IntegrityError:
            return False  # someone else holds it

    def release_lease(self, holder: str, name: str = "scheduler") -> None:
        with self.db.write() as conn:
            conn.execute(update(Lease).where(Lease.name == name, Lease.holder == holder)
                         .values(expires_at=self.clock.now()))

    # -- sending -----------------------------------------------------------------------------

    def claim(self, holder: str, *, limit: int, quiet: bool,
              together: Iterable[str] = ()) -> Claim:
        """Claim due messages for sending; during quiet hours only urgent ones.

        Committed before anything is sent. Claims older than claim_timeout were left by a
        sender that died: due again. A note of a kind in `together` comes with the pending
        ones of those kinds due to its chat at its moment (one message says them all), even
        past `limit`, so that none is left over for a later claim to render for nothing.
        """
        kinds = list(together)
        return self.db.retrying(lambda: self._claim(holder, limit, quiet, kinds))

    def _claim(self, holder: str, limit: int, quiet: bool, together: list[str]) -> Claim:
        now = self.clock.now()
        due = and_(Notification.state == NoteState.PENDING, Notification.due_at <= now)
        abandoned = and_(Notification.state == NoteState.SENDING,
                         Notification.claimed_at < now - self.claim_timeout)
        # Ties in the order they were planned: the same order on every backend and plan.
        query = self._quiet(select(*_NOTE_COLUMNS).where(or_(due, abandoned)), quiet)
        with self.db.write() as conn:
            notes = [_note(r) for r in conn.execute(self._locked(
                query.order_by(Notification.due_at, Notification.id).limit(limit)))]
            groups = {(n.chat_id, n.due_at) for n in notes if n.kind in together}
            if groups:
                mates = self._quiet(select(*_NOTE_COLUMNS).where(
                    Notification.state == NoteState.PENDING, Notification.kind.in_(together),
                    Notification.chat_id.in_({c for c, _ in groups}),
                    Notification.id.not_in([n.id for n in notes])), quiet)
                notes += [m for m in map(_note, conn.execute(self._locked(
                    mates.order_by(Notification.id)))) if (m.chat_id, m.due_at) in groups]
            if notes:
                conn.execute(update(Notification).where(
                    Notification.id.in_([n.id for n in notes]),
                ).values(state=NoteState.SENDING, claimed_by=holder, claimed_at=now))
        fresh: list[Note] = []
        stale: dict[int, list[Note]] = {}
        for note in notes:
            if not note.urgent and (now - note.due_at > self.late_window
                                    or note.payload.get(SUMMARISE)):
                stale.setdefault(note.chat_id, []).append(note)
            else:
                fresh.append(note)
        return Claim(fresh, stale)

    def _locked(self, query: Select[Any]) -> Select[Any]:
        """Several instances may tick at once; each takes rows the others have not locked."""
        if self.db.engine.dialect.name == "postgresql":
            return query.with_for_update(skip_locked=True)
        return query

    @staticmethod
    def _quiet(query: Select[Any], quiet: bool) -> Select[Any]:
        return query.where(Notification.urgent.is_(True)) if quiet else query

    def claim_for_chats(self, holder: str, chat_ids: Iterable[int], *, quiet: bool) -> list[Note]:
        """Claim what is due now for a few chats (a use case just planned it), so it goes out
        at once rather than at the next tick; during quiet hours only urgent ones. Claims are
        atomic per row: a tick running meanwhile never gets the same note."""
        chats = sorted(set(chat_ids))
        return self.db.retrying(lambda: self._claim_for_chats(holder, chats, quiet)) if chats \
            else []

    def _claim_for_chats(self, holder: str, chats: list[int], quiet: bool) -> list[Note]:
        now = self.clock.now()
        query = self._quiet(select(*_NOTE_COLUMNS).where(
            Notification.chat_id.in_(chats), Notification.state == NoteState.PENDING,
            Notification.due_at <= now, Notification.due_at > now - self.late_window), quiet)
        query = self._locked(query.order_by(Notification.due_at, Notification.id).limit(100))
        with self.db.write() as conn:
            notes = [_note(r) for r in conn.execute(query)]
            if notes:
                conn.execute(update(Notification).where(
                    Notification.id.in_([n.id for n in notes]),
                    Notification.state == NoteState.PENDING,
                ).values(state=NoteState.SENDING, claimed_by=holder, claimed_at=now))
        return notes

    def mark_sent(self, note_ids: Iterable[int], *, summarised: bool = False) -> None:
        now = self.clock.now()
        ids = list(note_ids)

        def write() -> None:
            # One statement for a whole batch: a wave writes what went out in few round trips.
            with self.db.write() as conn:
                for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
                    conn.execute(update(Notification).where(Notification.id.in_(chunk)).values(
                        state=NoteState.SUMMARISED if summarised else NoteState.SENT,
                        sent_at=now, late=Notification.due_at < now - LATE_AFTER,
                    ))

        self.db.retrying(write)

    def release(self, note_ids: Iterable[int], holder: str) -> None:
        """Hand back claimed messages that were never tried, due as they were (no attempt)."""
        ids = list(note_ids)

        def write() -> None:
            with self.db.write() as conn:
                conn.execute(update(Notification).where(
                    Notification.id.in_(ids), Notification.state == NoteState.SENDING,
                    Notification.claimed_by == holder,
                ).values(state=NoteState.PENDING, claimed_by=None, claimed_at=None))

        if ids:
            self.db.retrying(write)

    def mark_skipped(self, note_id: int) -> None:
        """The subject no longer needs this message (item signed off, meeting over)."""
        def write() -> None:
            with self.db.write() as conn:
                conn.execute(update(Notification).where(Notification.id == note_id)
                             .values(state=NoteState.CANCELLED))

        self.db.retrying(write)

    def retry_later(self, note_id: int, *, after: dt.timedelta, error: str,
                    count_attempt: bool = True, remember: dict[str, Any] | None = None) -> bool:
        """Put a message back for later; False once it has used up its attempts (failed).

        `remember` is merged into the payload: how many parts of a multi-part message went out
        (SENT_PARTS, so the retry sends only the rest), or that it belongs in a summary
        (SUMMARISE: the retry of a downtime summary stays one summary, not a flood).
        """
        now = self.clock.now()
        with self.db.write() as conn:
            attempts, payload = conn.execute(select(
                Notification.attempts, Notification.payload,
            ).where(Notification.id == note_id)).one()
            attempts += 1 if count_attempt else 0
            failed = attempts >= self.max_attempts
            values: dict[str, Any] = {
                "attempts": attempts, "last_error": error[:500],
                "state": NoteState.FAILED if failed else NoteState.PENDING,
                "due_at": now if failed else now + after,
            }
            if remember:
                values["payload"] = {**payload, **remember}
            conn.execute(update(Notification).where(Notification.id == note_id).values(values))
            return not failed

    def fail(self, note_id: int, error: str) -> None:
        """Give a message up for good (visible in `reminders --failed`), with the reason."""
        def write() -> None:
            with self.db.write() as conn:
                conn.execute(update(Notification).where(
                    Notification.id == note_id, Notification.state != NoteState.FAILED,
                ).values(state=NoteState.FAILED, last_error=error[:500],
                         attempts=Notification.attempts + 1))

        self.db.retrying(write)

    def fail_chat(self, chat_id: int, error: str) -> int:
        """A chat that blocked the bot gets nothing more: fail its pending messages at once."""
        def write() -> int:
            with self.db.write() as conn:
                return int(conn.execute(update(Notification).where(
                    Notification.chat_id == chat_id,
                    Notification.state.in_([NoteState.PENDING, NoteState.SENDING]),
                ).values(state=NoteState.FAILED, last_error=error[:500])).rowcount)

        return self.db.retrying(write)

    def counts(self) -> dict[str, int]:
        def read() -> list[Any]:
            with self.db.read() as conn:
                return list(conn.execute(select(Notification.state, func.count())
                                         .group_by(Notification.state)))

        return {str(state): n for state, n in self.db.retrying(read)}
