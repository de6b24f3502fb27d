"""Telegram's 30 messages a second, shared: replies first, then prompt sends, then the fan-out.

Every request that names a chat takes a slot from one Budget. No window of a second (and a
little more, for the jitter between a grant here and its arrival there) holds more slots than
Telegram allows, however the requests are interleaved; within that, slots are spread at least
half an even spacing apart, so a slot granted late (the event loop was busy) is caught up on
instead of lost. Whoever waits with the highest priority gets
the next slot: a person tapping a button during a 09:00 wave waits for at most the slot being
granted, never for the wave's queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import gc
import heapq
import itertools
from collections import deque
from collections.abc import Callable, Coroutine, Iterator
from enum import IntEnum
from typing import Any

from telegram.ext import AIORateLimiter

# The window is this much longer than the second Telegram counts: jitter on the way bunches
# requests up, and a window that sees 31 answers 429 to every sender of the bot.
SAFETY_S = 0.035


class Priority(IntEnum):
    REPLY = 0   # an answer to the person whose update is being handled
    PROMPT = 1  # what a use case just planned for others (send_now)
    BULK = 2    # the scheduler's fan-out


_priority: contextvars.ContextVar[Priority] = contextvars.ContextVar(
    "send_priority", default=Priority.REPLY)


@contextlib.contextmanager
def sending_as(priority: Priority) -> Iterator[None]:
    """Requests made in this block (and the tasks it starts) take slots at `priority`."""
    token = _priority.set(priority)
    try:
        yield
    finally:
        _priority.reset(token)


_steady = 0  # waves under way in this process (ticks and send_now may overlap)
_thresholds: tuple[int, int, int] | None = None


@contextlib.contextmanager
def steady_collector() -> Iterator[None]:
    """No full garbage collection while a wave is sending; the threshold comes back after.

    A full collection walks every object the process holds and stops the event loop while it
    does (102 ms at 160k objects, measured during a 1,500-message wave). Sends granted before
    the pause then arrive late and those after it on time, so Telegram sees more than 30 in
    one second and answers 429, which stops the whole bot for a second. The young generations
    are still collected as usual (a few milliseconds at most); the full pass runs at its next
    turn once no wave is under way.
    """
    global _steady, _thresholds
    if _steady == 0:
        _thresholds = gc.get_threshold()
        young, middle, _ = _thresholds
        gc.set_threshold(young, middle, 1 << 30)
    _steady += 1
    try:
        yield
    finally:
        _steady -= 1
        if _steady == 0 and _thresholds is not None:
            gc.set_threshold(*_thresholds)
            _thresholds = None


class Budget:
    """At most `per_second` slots in any second (+ SAFETY_S), at least half an even spacing
    apart; 0 means no limit."""

    def __init__(self, per_second: float) -> None:
        self.interval = 1 / per_second if per_second else 0.0
        self.cap = max(1, int(per_second))
        self.window = self.cap * self.interval + SAFETY_S
        self._recent: deque[float] = deque(maxlen=self.cap)  # the last `cap` grants
        self._next = 0.0  # loop time of the next free slot
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._timer: asyncio.TimerHandle | None = None
        self.granted: dict[Priority, int] = dict.fromkeys(Priority, 0)

    @property
    def waiting(self) -> int:
        return sum(1 for *_, f in self._waiting if not f.done())

    async def take(self, priority: Priority | None = None) -> None:
        """Return once a request may go out."""
        if not self.interval:
            return
        priority = _priority.get() if priority is None else priority
        loop = asyncio.get_running_loop()
        if not self._waiting and self._next <= loop.time():
            self._grant_one(loop, priority)
            return
        future: asyncio.Future[None] = loop.create_future()
        heapq.heappush(self._waiting, (priority, next(self._order), future))
        self._arm(loop)
        await future  # a cancelled waiter is skipped when its turn comes

    def _grant_one(self, loop: asyncio.AbstractEventLoop, priority: int) -> None:
        now = loop.time()
        self._recent.append(now)
        self._next = now + self.interval / 2
        if len(self._recent) == self.cap:
            self._next = max(self._next, self._recent[0] + self.window)
        self.granted[Priority(priority)] += 1

    def _arm(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._timer is None:
            self._timer = loop.call_at(self._next, self._grant, loop)

    def _grant(self, loop: asyncio.AbstractEventLoop) -> None:
        self._timer = None
        while self._waiting:
            priority, _, future = heapq.heappop(self._waiting)
            if not future.done():
                future.set_result(None)
                self._grant_one(loop, priority)
                break
        if self._waiting:
            self._arm(loop)


Request = Callable[..., Coroutine[Any, Any, Any]]


class SharedRateLimiter(AIORateLimiter):
    """python-telegram-bot's AIORateLimiter (per-group limits, retries after a 429) with the
    overall rate kept by one Budget, so that replies overtake the fan-out."""

    def __init__(self, *, overall_per_second: float, group_per_minute: float,
                 max_retries: int) -> None:
        super().__init__(overall_max_rate=0, group_max_rate=group_per_minute,
                         group_time_period=60, max_retries=max_retries)
        self.budget = Budget(overall_per_second)

    async def process_request(self, callback: Request, args: Any, kwargs: dict[str, Any],
                              endpoint: str, data: dict[str, Any],
                              rate_limit_args: int | None) -> Any:
        if data.get("chat_id") is None:  # answers to callback queries and the like
            return await super().process_request(callback, args, kwargs, endpoint, data,
                                                 rate_limit_args)
        budget = self.budget

        async def paced(*a: Any, **kw: Any) -> Any:
            await budget.take()  # each retry takes a slot of its own
            return await callback(*a, **kw)

        return await super().process_request(paced, args, kwargs, endpoint, data,
                                              rate_limit_args)
