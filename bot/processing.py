"""Updates of different people at once, each person's in the order they were sent."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# Run before an update is routed (on the loop, awaiting worker threads): reading its
# conversation, so that routing itself touches no database.
Before = Callable[[object], Awaitable[None]]
After = Callable[[object], None]

# python-telegram-bot's own semaphore only has to let every waiting update reach the per-person
# queue; the real limit is `workers`, taken once it is the update's turn.
_QUEUED = 100_000


# Set while an update from the inbox is handled: called once its answer has gone out.
_answered: contextvars.ContextVar[Callable[[], Awaitable[None]] | None] = contextvars.ContextVar(
    "answered", default=None)


def on_answer(callback: Callable[[], Awaitable[None]]) -> contextvars.Token[Any]:
    """Run `callback` when the update being handled in this task is first answered."""
    return _answered.set(callback)


async def answered() -> None:
    """Say the update in hand has had its answer (handlers.common.answer calls this): from
    now on a crash must not make it answered again after the restart."""
    callback = _answered.get()
    if callback is not None:
        _answered.set(None)
        await callback()


def person_of(update: object) -> tuple[int, int] | None:
    """Who an update's order is kept for: its chat and its sender (either may be absent)."""
    if not isinstance(update, Update):
        return None
    chat, user = update.effective_chat, update.effective_user
    if chat is None and user is None:
        return None
    return (chat.id if chat else 0, user.id if user else 0)


class PersonalOrder(BaseUpdateProcessor):
    """Handle up to `workers` updates concurrently; one person's updates (per chat and sender)
    one at a time, in arrival order, so a conversation never sees its steps overtake each other.

    A waiting update holds no worker: one busy person never delays the others.
    """

    def __init__(self, workers: int = 32) -> None:
        super().__init__(max_concurrent_updates=_QUEUED)
        self._workers = asyncio.BoundedSemaphore(workers)
        self._queues: dict[tuple[int, int], asyncio.Lock] = {}
        self._waiting: dict[tuple[int, int], int] = {}
        self.before: list[Before] = []
        self.after: list[After] = []

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = person_of(update)
        if key is None:
            async with self._workers:
                await self._run(update, coroutine)
            return
        lock = self._queues.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock, self._workers:
                await self._run(update, coroutine)
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key]
                del self._queues[key]

    async def _run(self, update: object, coroutine: Awaitable[Any]) -> None:
        try:
            try:
                for before in self.before:
                    await before(update)
            except BaseException:
                close = getattr(coroutine, "close", None)
                if close is not None:
                    close()  # never awaited: say so to Python, not as a warning
                raise
            await coroutine
        finally:
            for after in self.after:
                after(update)

    async def initialize(self) -> None:
        """Nothing to allocate: the queues are made as people write."""

    async def shutdown(self) -> None:
        """Nothing to free: updates in hand finish before python-telegram-bot stops."""
