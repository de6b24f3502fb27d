"""When a chat may have its next message: Telegram allows about one a second to each."""

from __future__ import annotations

import asyncio

# Chats remembered at most; older entries have long cooled down.
_REMEMBERED = 10_000


class Pacer:
    """Remember when each chat last had a message from the fan-out.

    The overall rate is the Budget's (bot/delivery/budget.py), shared with replies; this
    keeps the per-chat spacing, so that a chat cooling down can be deferred instead of waited on.
    """

    def __init__(self) -> None:
        self._last_to_chat: dict[int, float] = {}

    def reset(self) -> None:
        """Forget past sends (a test's clock jumps days while real time stands still)."""
        self._last_to_chat.clear()

    def ready_at(self, chat_id: int, per_second: float) -> float:
        """Loop time from which a message to `chat_id` may go out."""
        last = self._last_to_chat.get(chat_id)
        if last is None or not per_second:
            return 0.0
        return last + 1.0 / per_second

    def sent(self, chat_id: int) -> None:
        """A message to `chat_id` is going out now."""
        now = asyncio.get_running_loop().time()
        if len(self._last_to_chat) >= _REMEMBERED:
            horizon = now - 60
            self._last_to_chat = {c: t for c, t in self._last_to_chat.items() if t > horizon}
        self._last_to_chat[chat_id] = now

    async def wait(self, chat_id: int, per_second: float) -> None:
        """Return when a message to `chat_id` may go out (for the rare send made alone)."""
        wait = self.ready_at(chat_id, per_second) - asyncio.get_running_loop().time()
        if wait > 0:
            await asyncio.sleep(wait)
