"""Taking updates in: screened, recorded in the inbox before they are acknowledged, then handled."""

from __future__ import annotations

import asyncio
import collections
import logging
import os
import socket
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from telegram import Update

from bot.processing import on_answer
from bot.services.inbox import Arrival
from bot.texts import t

if TYPE_CHECKING:
    from bot.context import App

log = logging.getLogger(__name__)

# The kinds of update Telegram sends; a real update carries exactly one of them.
UPDATE_KINDS = frozenset(Update.ALL_TYPES)
FLOOD_WINDOW = 10.0  # seconds, for limits.updates_per_10s


def screen(data: Any) -> str | None:
    """Why an update must not be handled ("malformed", "forged"), or None to handle it.

    Telegram never sends a private-chat update whose chat is not its sender's: one that does
    was made by someone posting to the webhook with another person's id in `from`.
    """
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        return "malformed"
    kinds = [k for k in data if k != "update_id"]
    if len(kinds) != 1 or kinds[0] not in UPDATE_KINDS or not isinstance(data[kinds[0]], dict):
        return "malformed"
    body = data[kinds[0]]
    sender = body.get("from")
    chats = [body.get("chat"), (body.get("message") or {}).get("chat")]
    for chat in chats:
        if not isinstance(chat, dict) or chat.get("type") != "private":
            continue
        if not isinstance(sender, dict) or sender.get("id") != chat.get("id"):
            return "forged"
    return None


def process_gone(taker: str) -> bool:
    """Tell whether a taker (host:pid:tail, as bot.delivery.sender.instance_name makes them)
    was a process on this host that no longer runs."""
    host, _, rest = taker.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, someone else's
    return int(pid) != os.getpid() and _zombie(int(pid))


def _zombie(pid: int) -> bool:
    """A killed child not yet reaped still answers kill(0): it is gone all the same."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


def _person(data: dict[str, Any]) -> int | None:
    body = next((v for k, v in data.items() if k != "update_id"), None)
    sender = body.get("from") if isinstance(body, dict) else None
    return sender.get("id") if isinstance(sender, dict) else None


class Intake:
    """Record, then handle: nothing Telegram was told it delivered lives only in memory."""

    def __init__(self, app: App, holder: str) -> None:
        self.app = app
        self.holder = holder
        self.inbox = app.bot_data.services.inbox
        self.limit = app.bot_data.services.config.limits.updates_per_10s
        self.refused: collections.Counter[str] = collections.Counter()
        self._recent: dict[int, collections.deque[float]] = {}
        self._warned: dict[int, float] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def receive(self, datas: Iterable[Any]) -> list[int]:
        """Screen and record updates (the caller acknowledges them only after this returns),
        then start handling the new ones; return their ids."""
        arrivals = []
        for data in datas:
            reason = screen(data)
            if reason is not None:
                self.refused[reason] += 1
                log.warning("update refused (%s): %.300r", reason, data)
                if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                    continue  # nothing to key it by: not recorded
            arrivals.append(Arrival(data["update_id"], data, reason))
        fresh = await asyncio.to_thread(self.inbox.record, arrivals, holder=self.holder)
        by_id = {a.update_id: a.payload for a in arrivals}
        for update_id in fresh:
            await self._admit(update_id, by_id[update_id])
        return fresh

    async def recover(self) -> int:
        """Handle what was recorded and not finished by a process that is gone: one on this
        host that was killed (at once), or any instance that stopped handling (once stale)."""
        rows = await asyncio.to_thread(self.inbox.retake, self.holder, gone=process_gone)
        for update_id, payload in rows:
            self._start(update_id, payload)
        if rows:
            log.info("handling %d update(s) recorded before and not finished", len(rows))
        return len(rows)

    async def _admit(self, update_id: int, data: dict[str, Any]) -> None:
        person = _person(data)
        if person is not None and self.limit and self._flooding(person):
            self.refused["flood"] += 1
            await asyncio.to_thread(self.inbox.drop, update_id, "flood")
            await self._warn(person)
            return
        self._start(update_id, data)

    def _flooding(self, person: int) -> bool:
        now = asyncio.get_running_loop().time()
        recent = self._recent.setdefault(person, collections.deque())
        while recent and recent[0] <= now - FLOOD_WINDOW:
            recent.popleft()
        recent.append(now)
        if len(self._recent) > 10_000:  # people who stopped writing long ago
            self._recent = {p: q for p, q in self._recent.items() if q and q[-1] > now - 60}
        return len(recent) > self.limit

    async def _warn(self, person: int) -> None:
        """Tell a flooding person once per window; everything else from them is dropped."""
        now = asyncio.get_running_loop().time()
        if self._warned.get(person, -FLOOD_WINDOW) > now - FLOOD_WINDOW:
            return
        self._warned[person] = now
        lang = self.app.bot_data.services.config.language
        try:
            await self.app.bot.send_message(person, t(lang, "limits.flood",
                                                      seconds=int(FLOOD_WINDOW)))
        except Exception:  # a flooder who cannot be told is still throttled
            log.info("could not tell %s to slow down", person, exc_info=True)

    def _start(self, update_id: int, data: dict[str, Any]) -> None:
        task = asyncio.create_task(self._handle(update_id, data), name=f"update-{update_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle(self, update_id: int, data: dict[str, Any]) -> None:
        app = self.app
        update = Update.de_json(data, app.bot)
        marked = False

        async def mark() -> None:
            nonlocal marked
            if not marked:
                marked = True
                await asyncio.to_thread(self.inbox.done, [update_id])

        # Done as soon as the person has their answer: a kill after that must not answer
        # them twice. Before it, the update is handled again after the restart.
        on_answer(mark)
        try:
            await app.update_processor.process_update(update, app.process_update(update))
        except asyncio.CancelledError:
            raise  # stopped in hand: it stays taken, and is handled after the restart
        except Exception:
            log.exception("update %s could not be handled", update_id)
        # Done even when a handler failed: the error handler has answered, and doing it
        # again would repeat whatever part of it went through.
        await mark()

    @property
    def in_hand(self) -> int:
        return len(self._tasks)

    async def drain(self, grace: float) -> None:
        """Let updates in hand finish for `grace` seconds; the rest stay in the inbox (taken
        by this instance) and are handled after the restart."""
        if not self._tasks:
            return
        _, pending = await asyncio.wait(set(self._tasks), timeout=grace)
        for task in pending:
            task.cancel()
        if pending:
            log.info("%d update(s) left in the inbox for the next start", len(pending))
            await asyncio.gather(*pending, return_exceptions=True)
