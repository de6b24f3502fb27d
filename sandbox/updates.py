"""The getUpdates queue and the long polls waiting on it, from threads and event loops alike."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
from typing import Any

from sandbox.objects import JSON, clone

# Telegram withholds these update kinds unless allowed_updates names them explicitly.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_MAX_POLL_SECONDS = 50.0


def poll_args(params: JSON) -> tuple[int | None, float]:
    """A getUpdates call's (offset, seconds to wait), the wait capped as Telegram caps it."""
    try:
        seconds = min(max(float(params.get("timeout") or 0), 0.0), _MAX_POLL_SECONDS)
        offset = params.get("offset")
        return (None if offset is None else int(offset)), seconds
    except (TypeError, ValueError):
        return None, 0.0  # malformed values get answered at once rather than waited on


class UpdateQueue:
    """Unconfirmed updates and the polls awaiting them; callers hold the lock, the waits take it."""

    def __init__(self, lock: threading.Lock) -> None:
        self._lock = lock
        self._changed = threading.Condition(lock)
        self.updates: list[JSON] = []
        self._ids = itertools.count(1)
        self._allowed: list[str] = []
        self._async_waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []
        self._generation = 0

    def push(self, payload: JSON) -> JSON:
        update = {"update_id": next(self._ids), **payload}
        self.updates.append(update)
        self._notify()
        return clone(update)

    def take(self, offset: int | None, allowed_updates: Any, limit: Any) -> list[JSON]:
        """Confirm what precedes `offset`, then the first `limit` updates the bot wants."""
        if offset is not None and offset < 0:
            self.updates = self.updates[offset:]
        elif offset is not None:  # asking from `offset` on confirms everything before it
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        if isinstance(allowed_updates, list):
            self._allowed = list(allowed_updates)
        allowed = set(self._allowed) or None

        def wanted(update: JSON) -> bool:
            kind = next(k for k in update if k != "update_id")
            return kind in allowed if allowed else kind not in _OPT_IN_UPDATES

        self.updates = [u for u in self.updates if wanted(u)]  # Telegram drops the rest
        return clone(self.updates[: max(1, min(int(limit or 100), 100))])

    def interrupt(self) -> None:
        self._generation += 1
        self._notify()

    def wait_sync(self, offset: int | None, seconds: float) -> None:
        """Block this thread until updates from `offset` on are queued (lock not held)."""
        with self._lock:
            generation = self._generation
            self._changed.wait_for(
                lambda: self._pending(offset) or self._generation != generation, seconds
            )

    async def wait_async(self, offset: int | None, seconds: float) -> None:
        """Await queued updates (lock not held); other threads wake us via the loop."""
        if seconds <= 0:
            return
        waiter = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            if self._pending(offset):
                return
            generation = self._generation
            self._async_waiters.append(waiter)
        try:
            async with asyncio.timeout(seconds):
                while True:
                    await waiter[1].wait()
                    waiter[1].clear()
                    with self._lock:
                        if self._pending(offset) or self._generation != generation:
                            return
        except TimeoutError:
            return
        finally:
            with self._lock:
                self._async_waiters.remove(waiter)

    def _pending(self, offset: int | None) -> bool:
        if offset is None or offset < 0:
            return bool(self.updates)
        return any(u["update_id"] >= offset for u in self.updates)

    def _notify(self) -> None:
        self._changed.notify_all()
        for loop, event in self._async_waiters:
            with contextlib.suppress(RuntimeError):  # a closed loop abandons its waiter anyway
                loop.call_soon_threadsafe(event.set)
