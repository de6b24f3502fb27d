"""The sender: claims due notifications and delivers them through Telegram, once each.

What a notification says comes from its kind's renderer, at send time. Every database call
runs on a worker thread, so a slow or locked database never stalls the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.exc import DBAPIError
from telegram import Bot
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.delivery.budget import Priority, sending_as, steady_collector
from bot.delivery.coalesce import COALESCED, split_batch
from bot.delivery.outcomes import Outcomes, Run
from bot.delivery.pacing import Pacer
from bot.delivery.quiet import in_quiet_hours, personal_wait
from bot.delivery.rendering import CAPTION_LIMIT, Rendered, Renderers
from bot.delivery.wave import Wave
from bot.services.notify import LATE_AFTER, SENT_PARTS, Note, Planned
from bot.texts import normalize_lang, t
from storage.db import StorageFault, classify

if TYPE_CHECKING:
    from bot.bootstrap import Services

log = logging.getLogger(__name__)
T = TypeVar("T")

Part = Callable[[], Awaitable[object]]
# Work the lease holder does at the start of each tick (planning digests, office hours, …).
Planner = Callable[[], object]


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
    When the database refuses (locked, connection lost, disk full) the run stops; outcomes
    not yet recorded are kept and recorded first next time, so a message that went out is
    never sent again, and claims never tried are handed back.
    """

    def __init__(self, bot: Bot, services: Services, renderers: Renderers, *, holder: str,
                 batch: int = 50, lease_ttl: dt.timedelta = dt.timedelta(seconds=60),
                 planners: Sequence[Planner] = ()) -> None:
        self.bot = bot
        self.svc = services
        # A copy: tests add a renderer to one application without touching another's.
        self.renderers = dict(renderers)
        self.planners = list(planners)
        self.holder = holder
        self.batch = batch
        self.lease_ttl = lease_ttl
        self.pacer = Pacer()
        self.outcomes = Outcomes(services, holder)
        self._ticking = asyncio.Lock()
        self._leasing = asyncio.Lock()
        self._renewed: dt.datetime | None = None

    async def _db(self, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await asyncio.to_thread(work, *args, **kwargs)

    # -- the tick ----------------------------------------------------------------------------

    async def tick(self) -> TickReport:
        """Send everything due now; return what happened. Safe to call from several instances."""
        report = TickReport()
        async with self._ticking:
            run = self.outcomes.run()
            with sending_as(Priority.BULK), steady_collector():
                await self._guarded(self._tick(run, report), run, report)
        return report

    async def send_now(self, chat_ids: Iterable[int]) -> TickReport:
        """Deliver at once what a use case just planned for these chats, instead of at the
        next tick; any instance may, as claims are atomic per row."""
        report = TickReport()
        run = self.outcomes.run()
        with sending_as(Priority.PROMPT), steady_collector():
            await self._guarded(self._send_now(run, sorted(set(chat_ids)), report), run, report)
        return report

    async def _guarded(self, work: Awaitable[None], run: Run, report: TickReport) -> None:
        try:
            await work
        except DBAPIError as exc:
            fault = self.svc.db.fault(exc)
            if fault is None:
                raise
            with contextlib.suppress(DBAPIError):  # owed: recorded first on the next tick
                await self._db(run.hand_back)
            log.warning("sender: database %s; this run stops, the next one carries on: %s",
                        fault, exc.orig)
            report.storage = fault
            report.errors.append(f"database {fault}")
        self.svc.metrics.record(report)

    async def _tick(self, run: Run, report: TickReport) -> None:
        notify = self.svc.notify
        await self._db(self.outcomes.settle)
        if not await self._renew():
            return
        report.leader = True
        for planner in list(self.planners):
            try:
                await self._db(planner)
            except Exception as exc:  # planning must never stop the tick from delivering
                if classify(exc) is not None:
                    raise
                log.exception("planning before the tick failed")
                report.errors.append(f"planning: {exc!r}")

        async def refill() -> list[Note]:
            while True:
                if not await self._renew():
                    return []
                claim = await self._db(notify.claim, self.holder, limit=self.batch,
                                       quiet=self._quiet(), together=COALESCED)
                if not claim.fresh and not claim.stale:
                    return []
                run.claimed(n.id for n in claim.fresh)
                run.claimed(n.id for notes in claim.stale.values() for n in notes)
                for chat_id, notes in claim.stale.items():
                    await self._summarise(run, chat_id, notes, report)
                fresh, folded = split_batch(claim.fresh)  # said by their group's first
                run.tried(*folded)
                await self._db(self.outcomes.sent, folded, [])  # said in the group's message
                report.skipped += len(folded)
                if fresh:
                    return fresh

        wave = self._wave(run, report, leased=True)
        try:
            await wave.run(refill, low=self.batch // 2)
        finally:
            if wave.stopped:  # a flood wait or a lost lease: the rest goes back untouched
                await self._db(run.hand_back)

    async def _send_now(self, run: Run, chat_ids: list[int], report: TickReport) -> None:
        await self._db(self.outcomes.settle)
        notes = await self._db(self.svc.notify.claim_for_chats, self.holder, chat_ids,
                               quiet=self._quiet())
        run.claimed(n.id for n in notes)
        wave = self._wave(run, report, leased=False)
        wave.add(notes)
        try:
            await wave.run()
        finally:
            if wave.stopped:
                await self._db(run.hand_back)

    def _wave(self, run: Run, report: TickReport, *, leased: bool) -> Wave:
        limits = self.svc.config.telegram.rate_limit
        outcomes = self.outcomes

        async def write_sent(notes: list[Note], then: list[Planned]) -> None:
            await self._db(outcomes.sent, notes, then)
            report.sent += len(notes)

        wave: Wave

        async def deliver(note: Note) -> bool:
            return await self._deliver(run, note, report, wave, leased=leased)

        wave = Wave(deliver, self.pacer, per_chat_per_second=limits.per_chat_per_second,
                    in_flight=limits.in_flight, write_sent=write_sent,
                    keep_sent=outcomes.owe_sent)
        return wave

    async def _renew(self) -> bool:
        """Hold the lease; renewed at most every quarter of its time, so that a wave does not
        pay a write per message, yet a sender that stalled past it stops before sending."""
        async with self._leasing:
            now = self.svc.clock.now()
            if self._renewed is not None and dt.timedelta(0) <= now - self._renewed \
                    < self.lease_ttl / 4:
                return True
            held = await self._db(self.svc.notify.hold_lease, self.holder, self.lease_ttl)
            self._renewed = now if held else None
            return held

    def _quiet(self) -> bool:
        config = self.svc.config
        local = self.svc.clock.now().astimezone(config.tz)
        return in_quiet_hours(local, config.reminders.quiet_hours.start,
                              config.reminders.quiet_hours.end)

    async def _render(self, note: Note, lang: str, brief: bool) -> Rendered | None:
        renderer = self.renderers[note.kind]
        return await self._db(renderer, self.svc, note, lang, brief)

    async def _deliver(self, run: Run, note: Note, report: TickReport, wave: Wave, *,
                       leased: bool) -> bool:
        """Send one note; False means stop this run (a flood wait, or the lease was lost)."""
        outcomes = self.outcomes
        if note.kind not in self.renderers:
            run.tried(note)
            await self._db(outcomes.failed, note, f"no renderer for kind {note.kind!r}")
            report.failed += 1
            return True
        lang, window = await self._db(self._prefs, note.chat_id)
        if (wait := personal_wait(self.svc, note, window)) is not None:
            run.tried(note)  # the person's own quiet hours: back when they end
            await self._db(outcomes.quiet_until, note, wait)
            return True
        try:
            rendered = await self._render(note, lang, False)
        except Exception as exc:  # a broken renderer must not stop everyone else's messages
            if classify(exc) is not None:
                raise  # the database, not the renderer: the note is handed back, not failed
            log.exception("rendering notification %s failed", note.id)
            run.tried(note)
            await self._db(outcomes.failed, note, f"render: {exc!r}")
            report.failed += 1
            return True
        if rendered is None:
            run.tried(note)
            await self._db(outcomes.skipped, note)
            report.skipped += 1
            return True
        text = rendered.text
        if self._late(note):
            text = t(lang, "notify.late_mark") + text
        # A sender that stalled past its lease must not send what a new holder may already
        # have reclaimed.
        if leased and not await self._renew():
            return False
        if wave.stopped:
            return True  # another send of this run hit a flood wait: this one goes back
        run.tried(note)
        parts = self._parts(note.chat_id, text, rendered)
        done = int(note.payload.get(SENT_PARTS, 0))
        try:
            try:
                for part in parts[done:]:
                    await part()
                    done += 1
            finally:
                # Counted from the answer: the next one then arrives a second after this did.
                self.pacer.sent(note.chat_id)
        except RetryAfter as exc:
            self.svc.metrics.flood_waits.inc()
            await self._db(outcomes.flood_wait, note, _seconds(exc.retry_after), done)
            report.retried += 1
            return False  # the rest waits for a later run; nothing here sleeps
        except Forbidden as exc:
            await self._db(outcomes.unreachable, note, str(exc))
            report.failed += 1
            return True
        except BadRequest as exc:
            # The message itself is wrong (too long, bad markup, chat not found): permanent.
            await self._db(outcomes.refused, note, f"400: {exc}")
            report.failed += 1
            report.errors.append(f"{note.kind} to {note.chat_id}: {exc}")
            return True
        except TelegramError as exc:
            if await self._db(outcomes.back_off, note, repr(exc), done):
                report.retried += 1
            else:
                report.failed += 1
                report.errors.append(f"{note.kind} to {note.chat_id}: {exc!r}")
            return True
        wave.sent(note, rendered.then)
        return True

    def _parts(self, chat_id: int, text: str, rendered: Rendered) -> list[Part]:
        """Text, a photo or a document; captions longer than Telegram allows go first."""
        bot = self.bot
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

    # -- a downtime summary ------------------------------------------------------------------

    async def _summarise(self, run: Run, chat_id: int, notes: list[Note],
                         report: TickReport) -> None:
        """Fold what fell due long ago (downtime) into one message instead of a flood."""
        outcomes = self.outcomes
        lang, _ = await self._db(self._prefs, chat_id)
        lines: list[str] = []
        follow_ups: list[Planned] = []
        for note in notes[:20]:
            try:
                rendered = (await self._render(note, lang, True)
                            if note.kind in self.renderers else None)
            except Exception as exc:
                if classify(exc) is not None:
                    raise
                log.exception("rendering notification %s for a summary failed", note.id)
                continue
            if rendered is not None:
                lines.append("· " + rendered.text)
                follow_ups.extend(rendered.then)
        if not lines:
            run.tried(*notes)
            await self._db(outcomes.sent, notes, (), summarised=True)
            report.summarised += len(notes)
            return
        more = len(notes) - 20
        text = t(lang, "notify.summary", count=len(notes)) + "\n" + "\n".join(lines)
        if more > 0:
            text += "\n" + t(lang, "notify.summary_more", count=more)
        limits = self.svc.config.telegram.rate_limit
        await self.pacer.wait(chat_id, limits.per_chat_per_second)
        run.tried(*notes)
        try:
            try:
                await self.bot.send_message(chat_id, text)
            finally:
                self.pacer.sent(chat_id)
        except RetryAfter as exc:
            self.svc.metrics.flood_waits.inc()
            await self._db(outcomes.summary_later, notes, _seconds(exc.retry_after), "429",
                           count_attempt=False)
            report.retried += len(notes)
            return
        except Forbidden as exc:
            await self._db(outcomes.unreachable, notes[0], str(exc))
            return
        except BadRequest as exc:
            await self._db(outcomes.refused_all, notes, f"400: {exc}")
            report.failed += len(notes)
            return
        except TelegramError as exc:
            await self._db(outcomes.summary_later, notes, dt.timedelta(minutes=1), repr(exc))
            return
        # A daily nudge keeps going after downtime.
        await self._db(outcomes.sent, notes, tuple(follow_ups), summarised=True)
        report.summarised += len(notes)

    def _prefs(self, chat_id: int) -> tuple[str, tuple[str, str] | None]:
        """A chat's language and, for a person, their own quiet hours: one read."""
        default = self.svc.config.language
        if chat_id < 0:
            return default, None
        lang, window = self.svc.db.retrying(lambda: self.svc.membership.delivery_prefs(chat_id))
        return normalize_lang(lang, default), window


def _seconds(value: Any) -> dt.timedelta:
    return value if isinstance(value, dt.timedelta) else dt.timedelta(seconds=float(value))
