"""The sender: a repeating tick that claims due notifications and delivers them through Telegram.

What a notification says comes from its kind's renderer (bot/rendering.py), at send time.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import DBAPIError
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.pacing import Pacer
from bot.rendering import CAPTION_LIMIT, RENDERERS, Rendered, renders
from bot.services.notify import LATE_AFTER, SENT_PARTS, SUMMARISE, Note, Planned
from bot.texts import normalize_lang, t
from storage.db import StorageFault, classify

if TYPE_CHECKING:
    from bot.bootstrap import Services
    from bot.context import App, Ctx

log = logging.getLogger(__name__)


def instance_name() -> str:
    """A name for this process in leases and claims: host, pid and a random tail."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class TickReport:
    leader: bool = False
    sent: int = 0
    summarised: int = 0
    skipped: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    storage: StorageFault | None = None  # the database refused; the tick stopped early


def in_quiet_hours(local: dt.datetime, start: str, end: str) -> bool:
    """Tell whether a local time falls in quiet hours (which may span midnight; start == end
    means none)."""
    now, a, b = local.time(), dt.time.fromisoformat(start), dt.time.fromisoformat(end)
    if a == b:
        return False
    return a <= now < b if a < b else (now >= a or now < b)


Write = Callable[[], object]
Part = Callable[[], Awaitable[object]]


class Sender:
    """Deliver what is due, once, respecting quiet hours and Telegram's answers.

    What Telegram answers decides a message's fate:
      - 429: back to pending after retry_after, no attempt counted; the rest of the batch
        is handed back untouched and the tick stops (nothing here sleeps);
      - 403 (blocked, kicked): the chat's pending messages fail and the unit's liaison is told;
      - 400 (message too long, can't parse entities, chat not found): the message itself is
        wrong and no retry can fix it: it fails at once with the reason, and the admin chat is
        told;
      - anything else (5xx, timeouts, connection resets): backs off 1, 2, 4, 8 minutes and
        then fails with the reason (the admin chat is told).
    When the database refuses (locked, connection lost, disk full) the tick stops; outcomes
    not yet recorded are kept in memory and recorded first on the next tick, so a message that
    went out is never sent again, and claims never tried are handed back.
    """

    def __init__(self, app: App, holder: str, *, batch: int = 50,
                 lease_ttl: dt.timedelta = dt.timedelta(seconds=60)) -> None:
        self.app = app
        self.holder = holder
        self.batch = batch
        self.lease_ttl = lease_ttl
        self.pacer = Pacer()
        self._owed: list[Write] = []  # outcomes a storage fault kept us from recording
        self._unsent: list[int] = []  # claimed in this tick, not yet tried

    @property
    def svc(self) -> Services:
        return self.app.bot_data.services

    async def tick(self) -> TickReport:
        """Send everything due now; return what happened. Safe to call from several instances."""
        report = TickReport()
        try:
            await self._tick(report)
        except DBAPIError as exc:
            fault = classify(exc)
            if fault is None:
                raise
            if self._unsent:
                ids, self._unsent = list(self._unsent), []
                self._owed.append(lambda: self.svc.notify.release(ids, self.holder))
            log.warning("scheduler: database %s; this tick stops, the next one carries on: %s",
                        fault, exc.orig)
            report.storage = fault
            report.errors.append(f"database {fault}")
        return report

    async def _tick(self, report: TickReport) -> None:
        notify = self.svc.notify
        self._settle()
        if not notify.hold_lease(self.holder, self.lease_ttl):
            return
        report.leader = True
        for hook in list(TICK_HOOKS):
            await hook(self.app, report)
        config = self.svc.config
        while True:
            local = self.svc.clock.now().astimezone(config.tz)
            quiet = in_quiet_hours(local, config.reminders.quiet_hours.start,
                                   config.reminders.quiet_hours.end)
            claim = notify.claim(self.holder, limit=self.batch, quiet=quiet)
            if not claim.fresh and not claim.stale:
                return
            self._unsent = [n.id for n in claim.fresh]
            self._unsent += [n.id for notes in claim.stale.values() for n in notes]
            for chat_id, notes in claim.stale.items():
                await self._summarise(chat_id, notes, report)
            for note in claim.fresh:
                if not await self._deliver(note, report):
                    # Flood wait or a lost lease: hand the rest back untouched, stop this tick.
                    ids, self._unsent = list(self._unsent), []
                    notify.release(ids, self.holder)
                    return
            notify.hold_lease(self.holder, self.lease_ttl)

    def _settle(self) -> None:
        """Record what an earlier tick could not (the database refused), before claiming more."""
        while self._owed:
            self._owed[0]()
            self._owed.pop(0)

    def _record(self, *writes: Write) -> None:
        """Record a send's outcome; if the database refuses, keep the rest for the next tick."""
        pending = list(writes)
        try:
            while pending:
                pending[0]()
                pending.pop(0)
        except DBAPIError as exc:
            if classify(exc) is not None:
                self._owed.extend(pending)
            raise

    def _tried(self, *notes: Note) -> None:
        """From here on the note's outcome is recorded (or owed), never handed back."""
        done = {n.id for n in notes}
        self._unsent = [i for i in self._unsent if i not in done]

    async def _deliver(self, note: Note, report: TickReport) -> bool:
        """Send one note; False means stop this tick (a flood wait, or the lease was lost)."""
        notify = self.svc.notify
        renderer = RENDERERS.get(note.kind)
        if renderer is None:
            self._tried(note)
            self._record(lambda: notify.fail(note.id, f"no renderer for kind {note.kind!r}"))
            report.failed += 1
            return True
        lang = self._lang(note.chat_id)
        try:
            rendered = await renderer(self.app, note, lang, False)
        except Exception as exc:  # a broken renderer must not stop everyone else's messages
            if classify(exc) is not None:
                raise  # the database, not the renderer: the note is handed back, not failed
            log.exception("rendering notification %s failed", note.id)
            self._tried(note)
            reason = f"render: {exc!r}"
            self._record(lambda: notify.fail(note.id, reason))
            report.failed += 1
            return True
        if rendered is None:
            self._tried(note)
            self._record(lambda: notify.mark_skipped(note.id))
            report.skipped += 1
            return True
        text = rendered.text
        if self._late(note):
            text = t(lang, "notify.late_mark") + text
        await self.pacer.wait(note.chat_id, self.svc.config.telegram.rate_limit)
        # Renew before every send: a sender that stalled past its lease must not send what a
        # new holder may already have reclaimed.
        if not notify.hold_lease(self.holder, self.lease_ttl):
            return False
        self._tried(note)
        parts = self._parts(note.chat_id, text, rendered)
        done = int(note.payload.get(SENT_PARTS, 0))
        try:
            for part in parts[done:]:
                await part()
                done += 1
        except RetryAfter as exc:
            after = _seconds(exc.retry_after)
            self._record(lambda: notify.retry_later(note.id, after=after, error="429",
                                                    count_attempt=False,
                                                    remember={SENT_PARTS: done}))
            report.retried += 1
            return False  # the rest waits for a later tick; nothing here sleeps
        except Forbidden as exc:
            reason = str(exc)
            self._record(lambda: self._unreachable(note, reason))
            report.failed += 1
            return True
        except BadRequest as exc:
            # The message itself is wrong (too long, bad markup, chat not found): permanent.
            reason = f"400: {exc}"
            self._record(lambda: notify.fail(note.id, reason),
                         lambda: self._tell_admin(note, reason))
            report.failed += 1
            report.errors.append(f"{note.kind} to {note.chat_id}: {exc}")
            return True
        except TelegramError as exc:
            reason = repr(exc)
            self._record(lambda: self._back_off(note, reason, done, report))
            return True
        self._record(lambda: notify.mark_sent([note.id]),
                     lambda: rendered.then and notify.plan(rendered.then))
        report.sent += 1
        return True

    def _back_off(self, note: Note, error: str, done: int, report: TickReport) -> None:
        """A transient failure: try again later (1, 2, 4, 8 minutes), then fail visibly."""
        backoff = dt.timedelta(minutes=2 ** min(note.attempts, 6))
        if self.svc.notify.retry_later(note.id, after=backoff, error=error,
                                       remember={SENT_PARTS: done}):
            report.retried += 1
            return
        report.failed += 1
        report.errors.append(f"{note.kind} to {note.chat_id}: {error}")
        self._tell_admin(note, error)

    def _parts(self, chat_id: int, text: str, rendered: Rendered) -> list[Part]:
        """Text, a photo or a document; captions longer than Telegram allows go first."""
        bot = self.app.bot
        attachment = rendered.photo is not None or rendered.document is not None
        parts: list[Part] = []
        if not attachment or len(text) > CAPTION_LIMIT:
            parts.append(lambda: bot.send_message(chat_id, text, reply_markup=rendered.markup))
            if not attachment:
                return parts
        caption = text if len(text) <= CAPTION_LIMIT else None
        markup = rendered.markup if caption is not None else None
        if rendered.photo is not None:
            photo = rendered.photo
            parts.append(lambda: bot.send_photo(chat_id, photo, caption=caption,
                                                reply_markup=markup))
        if rendered.document is not None:
            name, data = rendered.document
            parts.append(lambda: bot.send_document(chat_id, data, filename=name,
                                                   caption=caption, reply_markup=markup))
        return parts

    def _late(self, note: Note) -> bool:
        """Held up by downtime, not by quiet hours (those hold messages on purpose)."""
        config = self.svc.config
        if self.svc.clock.now() - note.due_at <= LATE_AFTER:
            return False
        quiet = config.reminders.quiet_hours
        return not in_quiet_hours(note.due_at.astimezone(config.tz), quiet.start, quiet.end)

    async def _summarise(self, chat_id: int, notes: list[Note], report: TickReport) -> None:
        """Fold what fell due long ago (downtime) into one message instead of a flood."""
        notify = self.svc.notify
        lang = self._lang(chat_id)
        lines = []
        follow_ups: list[Planned] = []
        for note in notes[:20]:
            renderer = RENDERERS.get(note.kind)
            try:
                rendered = await renderer(self.app, note, lang, True) if renderer else None
            except Exception as exc:
                if classify(exc) is not None:
                    raise
                log.exception("rendering notification %s for a summary failed", note.id)
                continue
            if rendered is not None:
                lines.append("· " + rendered.text)
                follow_ups.extend(rendered.then)
        ids = [n.id for n in notes]
        summary = {SUMMARISE: True}
        if lines:
            more = len(notes) - 20
            text = t(lang, "notify.summary", count=len(notes)) + "\n" + "\n".join(lines)
            if more > 0:
                text += "\n" + t(lang, "notify.summary_more", count=more)
            await self.pacer.wait(chat_id, self.svc.config.telegram.rate_limit)
            self._tried(*notes)
            try:
                await self.app.bot.send_message(chat_id, text)
            except RetryAfter as exc:
                after = _seconds(exc.retry_after)
                self._record(*(
                    (lambda i=i: notify.retry_later(i, after=after, error="429",
                                                    count_attempt=False, remember=summary))
                    for i in ids))
                report.retried += len(ids)
                return
            except Forbidden as exc:
                reason = str(exc)
                self._record(lambda: self._unreachable(notes[0], reason))
                return
            except BadRequest as exc:
                reason = f"400: {exc}"
                self._record(*((lambda n=n: notify.fail(n.id, reason)) for n in notes),
                             lambda: self._tell_admin(notes[0], reason))
                report.failed += len(notes)
                return
            except TelegramError as exc:
                reason = repr(exc)
                self._record(*(
                    (lambda i=i: notify.retry_later(i, after=dt.timedelta(minutes=1),
                                                    error=reason, remember=summary))
                    for i in ids))
                return
        self._tried(*notes)
        self._record(lambda: notify.mark_sent(ids, summarised=True),
                     # a daily nudge keeps going after downtime
                     lambda: follow_ups and notify.plan(follow_ups))
        report.summarised += len(notes)

    def _unreachable(self, note: Note, error: str) -> None:
        """The person blocked the bot or the bot left the group: stop and tell the liaison."""
        self.svc.notify.fail_chat(note.chat_id, f"403: {error}")
        liaisons = self.svc.db.retrying(
            lambda: self.svc.membership.mark_unreachable(note.chat_id))
        now = self.svc.clock.now()
        self.svc.notify.plan(
            Planned(key=f"unreachable:{note.chat_id}:{liaison}:{now:%Y%m%d}", chat_id=liaison,
                    kind="chat.unreachable", due_at=now, payload={"chat_id": note.chat_id})
            for liaison in liaisons if liaison != note.chat_id
        )

    def _tell_admin(self, note: Note, reason: str) -> None:
        """Plan one message to the admin chat about a notification given up for good."""
        admin = self.svc.config.telegram.admin_chat
        if admin is None or note.kind == FAILED_KIND:
            return  # a report that cannot be sent is not reported again
        self.svc.notify.plan([Planned(
            key=f"failed:{note.id}", chat_id=admin, kind=FAILED_KIND, due_at=self.svc.clock.now(),
            payload={"kind": note.kind, "chat_id": note.chat_id, "key": note.key,
                     "error": reason[:300]},
        )])

    def _lang(self, chat_id: int) -> str:
        default = self.svc.config.language
        if chat_id < 0:
            return default
        ident = self.svc.db.retrying(lambda: self.svc.membership.identify(chat_id))
        return normalize_lang(ident.lang, default)


FAILED_KIND = "notify.failed"


@renders(FAILED_KIND)
async def render_failed(app: App, note: Note, lang: str, brief: bool) -> Rendered:
    """Tell the admin chat which notification was given up, to whom, and why."""
    p = note.payload
    return Rendered(t(lang, "notify.failed", kind=p["kind"], chat=p["chat_id"], note_key=p["key"],
                      error=p["error"]))


def _seconds(value: Any) -> dt.timedelta:
    return value if isinstance(value, dt.timedelta) else dt.timedelta(seconds=float(value))


# Called at the start of each tick by the lease holder (daily planners: office hours, digests).
TickHook = Callable[["App", TickReport], Awaitable[None]]
TICK_HOOKS: list[TickHook] = []


async def tick_job(context: Ctx) -> None:
    """The JobQueue callback: one tick of the application's sender."""
    sender: Sender = context.bot_data.sender
    report = await sender.tick()
    if report.errors:
        log.warning("scheduler: %d failed: %s", report.failed, "; ".join(report.errors[:5]))
