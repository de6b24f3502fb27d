"""Recording what happened to each send, so that nothing sent goes twice and nothing is lost."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from sqlalchemy.exc import DBAPIError

from bot.delivery.rendering import Rendered, Renderer
from bot.domain import NoteKind
from bot.services.notify import SENT_PARTS, SUMMARISE, Note, Planned
from bot.texts import t
from storage.db import classify

if TYPE_CHECKING:
    from bot.bootstrap import Services

Write = Callable[[], object]
# Tries of an owed write failing for a reason that is not the database's state.
GIVE_UP_AFTER = 5
log = logging.getLogger(__name__)


class Run:
    """The notes one run claimed and has not tried yet: handed back if the run stops early."""

    def __init__(self, outcomes: Outcomes) -> None:
        self._outcomes = outcomes
        self._unsent: list[int] = []

    def claimed(self, ids: Iterable[int]) -> None:
        self._unsent.extend(ids)

    def tried(self, *notes: Note) -> None:
        """From here on the note's outcome is recorded (or owed), never handed back."""
        done = {n.id for n in notes}
        self._unsent = [i for i in self._unsent if i not in done]

    def hand_back(self) -> None:
        """Release what was claimed and never tried, due as it was; owed if the database
        refuses now."""
        ids, self._unsent = list(self._unsent), []
        if ids:
            notify, holder = self._outcomes.svc.notify, self._outcomes.holder
            self._outcomes.record(lambda: notify.release(ids, holder))


class Outcomes:
    """Every write that follows a send; the ones the database refused are kept and written
    first next time (the tick stops meanwhile), so a message that went out is never resent."""

    def __init__(self, services: Services, holder: str) -> None:
        self.svc = services
        self.holder = holder
        self._owed: list[Write] = []
        self._failures: dict[int, int] = {}
        self._lock = threading.Lock()

    def run(self) -> Run:
        return Run(self)

    def settle(self) -> None:
        """Record what an earlier run could not, before claiming more.

        A write that keeps failing for a reason that is not the database's state (a bug, bad
        data) is given up after a few tries, loudly, rather than stopping every later tick.
        """
        while True:
            with self._lock:
                if not self._owed:
                    return
                write = self._owed[0]
            try:
                write()
            except DBAPIError as exc:
                if classify(exc) is not None:
                    raise
                self._failures[id(write)] = self._failures.get(id(write), 0) + 1
                if self._failures[id(write)] < GIVE_UP_AFTER:
                    raise
                log.error("giving up recording a send's outcome after %d tries: %s",
                          GIVE_UP_AFTER, exc)
            with self._lock:
                self._owed.pop(0)
                self._failures.pop(id(write), None)

    @property
    def owed(self) -> int:
        return len(self._owed)

    def record(self, *writes: Write) -> None:
        """Run the writes in order; if the database refuses one, whatever the reason, keep it
        and the rest: the message went out, and must never be sent again."""
        pending = list(writes)
        try:
            while pending:
                pending[0]()
                pending.pop(0)
        except DBAPIError:
            with self._lock:
                self._owed.extend(pending)
            raise

    # -- the outcomes of one send -----------------------------------------------------------

    def sent(self, notes: Sequence[Note], then: Sequence[Planned], *,
             summarised: bool = False) -> None:
        self.record(*self._sent_writes(notes, then, summarised))

    def owe_sent(self, notes: Sequence[Note], then: Sequence[Planned]) -> None:
        """These went out and were not written (the database refused meanwhile): write them
        first next time."""
        with self._lock:
            self._owed.extend(self._sent_writes(notes, then, False))

    def _sent_writes(self, notes: Sequence[Note], then: Sequence[Planned],
                     summarised: bool) -> tuple[Write, Write]:
        notify = self.svc.notify
        ids = [n.id for n in notes]
        planned = list(then)
        return (lambda: notify.mark_sent(ids, summarised=summarised),
                lambda: planned and notify.plan(planned))

    def skipped(self, note: Note) -> None:
        self.record(lambda: self.svc.notify.mark_skipped(note.id))

    def failed(self, note: Note, reason: str) -> None:
        self.record(lambda: self.svc.notify.fail(note.id, reason))

    def refused(self, note: Note, reason: str) -> None:
        """Telegram refused the message itself (400): no retry helps; the admin chat is told."""
        self.record(lambda: self.svc.notify.fail(note.id, reason),
                    lambda: self.tell_admin(note, reason))

    def refused_all(self, notes: Sequence[Note], reason: str) -> None:
        self.record(*((lambda n=n: self.svc.notify.fail(n.id, reason)) for n in notes),
                    lambda: self.tell_admin(notes[0], reason))

    def flood_wait(self, note: Note, after: dt.timedelta, done: int) -> None:
        self.record(lambda: self.svc.notify.retry_later(
            note.id, after=after, error="429", count_attempt=False, remember={SENT_PARTS: done}))

    def quiet_until(self, note: Note, after: dt.timedelta) -> None:
        self.record(lambda: self.svc.notify.retry_later(
            note.id, after=after, error="quiet hours", count_attempt=False))

    def summary_later(self, notes: Sequence[Note], after: dt.timedelta, error: str, *,
                      count_attempt: bool = True) -> None:
        notify = self.svc.notify
        summary = {SUMMARISE: True}
        self.record(*((lambda i=n.id: notify.retry_later(
            i, after=after, error=error, count_attempt=count_attempt, remember=summary))
            for n in notes))

    def back_off(self, note: Note, error: str, done: int) -> bool:
        """A transient failure: try again later (1, 2, 4, 8 minutes), then fail visibly.
        Tell whether it will be retried."""
        retried: list[bool] = []

        def write() -> None:
            backoff = dt.timedelta(minutes=2 ** min(note.attempts, 6))
            again = self.svc.notify.retry_later(note.id, after=backoff, error=error,
                                                remember={SENT_PARTS: done})
            retried.append(again)
            if not again:
                self.tell_admin(note, error)

        self.record(write)
        return bool(retried and retried[0])

    def unreachable(self, note: Note, error: str) -> None:
        """The person blocked the bot or the bot left the group: stop and tell the liaison."""
        def write() -> None:
            svc = self.svc
            svc.notify.fail_chat(note.chat_id, f"403: {error}")
            liaisons = svc.db.retrying(lambda: svc.membership.mark_unreachable(note.chat_id))
            now = svc.clock.now()
            svc.notify.plan(
                Planned(key=f"unreachable:{note.chat_id}:{liaison}:{now:%Y%m%d}",
                        chat_id=liaison, kind=NoteKind.CHAT_UNREACHABLE, due_at=now,
                        payload={"chat_id": note.chat_id})
                for liaison in liaisons if liaison != note.chat_id
            )

        self.record(write)

    def tell_admin(self, note: Note, reason: str) -> None:
        """Plan one message to the admin chat about a notification given up for good."""
        admin = self.svc.config.telegram.admin_chat
        if admin is None or note.kind == NoteKind.NOTIFY_FAILED:
            return  # a report that cannot be sent is not reported again
        self.svc.notify.plan([Planned(
            key=f"failed:{note.id}", chat_id=admin, kind=NoteKind.NOTIFY_FAILED,
            due_at=self.svc.clock.now(),
            payload={"kind": note.kind, "chat_id": note.chat_id, "key": note.key,
                     "error": reason[:300]},
        )])


def render_failed(svc: Services, note: Note, lang: str, brief: bool) -> Rendered:
    """Tell the admin chat which notification was given up, to whom, and why."""
    p = note.payload
    return Rendered(t(lang, "notify.failed", kind=p["kind"], chat=p["chat_id"], note_key=p["key"],
                      error=p["error"]))


def render_unreachable(svc: Services, note: Note, lang: str, brief: bool) -> Rendered:
    """Tell a liaison that a member (or the unit's group) no longer takes the bot's messages."""
    chat_id = int(note.payload["chat_id"])
    who = str(chat_id)
    if chat_id > 0:
        who = svc.membership.name_of(chat_id) or who
    return Rendered(t(lang, "notify.unreachable", who=who))


RENDERERS: dict[str, Renderer] = {
    NoteKind.NOTIFY_FAILED: render_failed,
    NoteKind.CHAT_UNREACHABLE: render_unreachable,
}
