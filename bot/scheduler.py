"""The sender: a repeating tick that claims due notifications and delivers them through Telegram.

Renderers turn a notification row into a message at send time (so it reflects the subject as it
is now); feature modules register them by kind with @renders("kind").
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram import InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.services.notify import LATE_AFTER, Note, Planned
from bot.texts import normalize_lang, t

if TYPE_CHECKING:
    from bot.context import App, Ctx, Services

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rendered:
    """A message ready to send, and what to plan once it went out (e.g. tomorrow's nudge)."""

    text: str
    markup: InlineKeyboardMarkup | None = None
    then: tuple[Planned, ...] = ()
    photo: bytes | None = None  # sent with the text as caption (or after it, when too long)
    document: tuple[str, bytes] | None = None  # (file name, content)


# (app, note, lang, brief) -> message, or None when the subject no longer needs it.
# brief=True asks for one line for a downtime summary.
Renderer = Callable[["App", Note, str, bool], Awaitable[Rendered | None]]
RENDERERS: dict[str, Renderer] = {}


def renders(kind: str) -> Callable[[Renderer], Renderer]:
    """Register the renderer of one notification kind."""

    def register(renderer: Renderer) -> Renderer:
        if kind in RENDERERS and RENDERERS[kind] is not renderer:
            raise ValueError(f"two renderers for notification kind {kind!r}")
        RENDERERS[kind] = renderer
        return renderer

    return register


# Telegram's limit on a photo's or document's caption.
CAPTION_LIMIT = 1024


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


def in_quiet_hours(local: dt.datetime, start: str, end: str) -> bool:
    """Tell whether a local time falls in quiet hours (which may span midnight; start == end
    means none)."""
    now, a, b = local.time(), dt.time.fromisoformat(start), dt.time.fromisoformat(end)
    if a == b:
        return False
    return a <= now < b if a < b else (now >= a or now < b)


class Sender:
    """Deliver what is due, once, respecting quiet hours and Telegram's answers."""

    def __init__(self, app: App, holder: str, *, batch: int = 50,
                 lease_ttl: dt.timedelta = dt.timedelta(seconds=60)) -> None:
        self.app = app
        self.holder = holder
        self.batch = batch
        self.lease_ttl = lease_ttl
        self._last_to_chat: dict[int, float] = {}
        self._next_slot = 0.0

    @property
    def svc(self) -> Services:
        return self.app.bot_data.services

    async def tick(self) -> TickReport:
        """Send everything due now; return what happened. Safe to call from several instances."""
        report = TickReport()
        notify = self.svc.notify
        if not notify.hold_lease(self.holder, self.lease_ttl):
            return report
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
                return report
            for chat_id, notes in claim.stale.items():
                await self._summarise(chat_id, notes, report)
            for index, note in enumerate(claim.fresh):
                if not await self._deliver(note, report):
                    # Flood wait: hand the rest of the batch back untouched and stop this tick.
                    for rest in claim.fresh[index + 1:]:
                        notify.retry_later(rest.id, after=dt.timedelta(0), error="deferred",
                                           count_attempt=False)
                    return report
            notify.hold_lease(self.holder, self.lease_ttl)

    async def _deliver(self, note: Note, report: TickReport) -> bool:
        """Send one note; False means Telegram asked us to slow down."""
        notify = self.svc.notify
        renderer = RENDERERS.get(note.kind)
        if renderer is None:
            notify.fail(note.id, f"no renderer for kind {note.kind!r}")
            report.failed += 1
            return True
        lang = self._lang(note.chat_id)
        try:
            rendered = await renderer(self.app, note, lang, False)
        except Exception as exc:  # a broken renderer must not stop everyone else's messages
            log.exception("rendering notification %s failed", note.id)
            notify.fail(note.id, f"render: {exc!r}")
            report.failed += 1
            return True
        if rendered is None:
            notify.mark_skipped(note.id)
            report.skipped += 1
            return True
        text = rendered.text
        if self._late(note):
            text = t(lang, "notify.late_mark") + text
        await self._pace(note.chat_id)
        # Renew before every send: a sender that stalled past its lease must not send what a
        # new holder may already have reclaimed.
        if not notify.hold_lease(self.holder, self.lease_ttl):
            notify.retry_later(note.id, after=dt.timedelta(0), error="lease lost",
                               count_attempt=False)
            return False
        try:
            await self._send(note.chat_id, text, rendered)
        except RetryAfter as exc:
            notify.retry_later(note.id, after=_seconds(exc.retry_after), error="429",
                               count_attempt=False)
            report.retried += 1
            return False  # the rest waits for a later tick; nothing here sleeps
        except Forbidden as exc:
            await self._unreachable(note, str(exc))
            report.failed += 1
            return True
        except BadRequest as exc:
            # The message itself is wrong (chat not found, too long): retrying cannot help.
            notify.fail(note.id, f"400: {exc}")
            report.failed += 1
            report.errors.append(f"{note.kind} to {note.chat_id}: {exc}")
            return True
        except TelegramError as exc:
            backoff = dt.timedelta(minutes=2 ** min(note.attempts, 6))
            if notify.retry_later(note.id, after=backoff, error=repr(exc)):
                report.retried += 1
            else:
                report.failed += 1
                report.errors.append(f"{note.kind} to {note.chat_id}: {exc!r}")
            return True
        notify.mark_sent([note.id])
        if rendered.then:
            notify.plan(rendered.then)
        report.sent += 1
        return True

    async def _send(self, chat_id: int, text: str, rendered: Rendered) -> None:
        """Send text, a photo or a document; captions longer than Telegram allows go first."""
        bot = self.app.bot
        attachment = rendered.photo is not None or rendered.document is not None
        if not attachment or len(text) > CAPTION_LIMIT:
            await bot.send_message(chat_id, text, reply_markup=rendered.markup)
            if not attachment:
                return
        caption = text if len(text) <= CAPTION_LIMIT else None
        markup = rendered.markup if caption is not None else None
        if rendered.photo is not None:
            await bot.send_photo(chat_id, rendered.photo, caption=caption, reply_markup=markup)
        if rendered.document is not None:
            name, data = rendered.document
            await bot.send_document(chat_id, data, filename=name, caption=caption,
                                    reply_markup=markup)

    def _late(self, note: Note) -> bool:
        """Held up by downtime, not by quiet hours (those hold messages on purpose)."""
        config = self.svc.config
        if self.svc.clock.now() - note.due_at <= LATE_AFTER:
            return False
        quiet = config.reminders.quiet_hours
        return not in_quiet_hours(note.due_at.astimezone(config.tz), quiet.start, quiet.end)

    async def _summarise(self, chat_id: int, notes: list[Note], report: TickReport) -> None:
        """Fold what fell due long ago (downtime) into one message instead of a flood."""
        lang = self._lang(chat_id)
        lines = []
        follow_ups: list[Planned] = []
        for note in notes[:20]:
            renderer = RENDERERS.get(note.kind)
            rendered = await renderer(self.app, note, lang, True) if renderer else None
            if rendered is not None:
                lines.append("· " + rendered.text)
                follow_ups.extend(rendered.then)
        if lines:
            more = len(notes) - 20
            text = t(lang, "notify.summary", count=len(notes)) + "\n" + "\n".join(lines)
            if more > 0:
                text += "\n" + t(lang, "notify.summary_more", count=more)
            try:
                await self._pace(chat_id)
                await self.app.bot.send_message(chat_id, text)
            except Forbidden as exc:
                await self._unreachable(notes[0], str(exc))
                return
            except TelegramError as exc:
                for note in notes:
                    self.svc.notify.retry_later(note.id, after=dt.timedelta(minutes=1),
                                                error=repr(exc))
                return
        self.svc.notify.mark_sent([n.id for n in notes], summarised=True)
        if follow_ups:
            self.svc.notify.plan(follow_ups)  # a daily nudge keeps going after downtime
        report.summarised += len(notes)

    async def _unreachable(self, note: Note, error: str) -> None:
        """The person blocked the bot or the bot left the group: stop and tell the liaison."""
        self.svc.notify.fail_chat(note.chat_id, f"403: {error}")
        liaisons = self.svc.membership.mark_unreachable(note.chat_id)
        now = self.svc.clock.now()
        self.svc.notify.plan(
            Planned(key=f"unreachable:{note.chat_id}:{liaison}:{now:%Y%m%d}", chat_id=liaison,
                    kind="chat.unreachable", due_at=now, payload={"chat_id": note.chat_id})
            for liaison in liaisons if liaison != note.chat_id
        )

    async def _pace(self, chat_id: int) -> None:
        """Space a fan-out evenly under Telegram's overall and per-chat rates.

        python-telegram-bot's rate limiter lets a burst of 30 through at once and then drips;
        a server counting any one-second window sees more than 30 and answers 429. Evenly
        spaced sends, 1% under the limit, never trip it.
        """
        limits = self.svc.config.telegram.rate_limit
        loop = asyncio.get_running_loop()
        if limits.overall_per_second:
            wait = self._next_slot - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            self._next_slot = max(loop.time(), self._next_slot) + 1 / (
                limits.overall_per_second * 0.99)
        rate = limits.per_chat_per_second
        if not rate:
            return
        last = self._last_to_chat.get(chat_id)
        if last is not None:
            wait = 1.0 / rate - (loop.time() - last)
            if wait > 0:
                await asyncio.sleep(wait)
        self._last_to_chat[chat_id] = loop.time()
        if len(self._last_to_chat) > 10_000:
            self._last_to_chat.clear()

    def _lang(self, chat_id: int) -> str:
        default = self.svc.config.language
        if chat_id < 0:
            return default
        return normalize_lang(self.svc.membership.identify(chat_id).lang, default)


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
