"""Even spacing of outgoing messages under Telegram's overall and per-chat rates."""

from __future__ import annotations

import asyncio

from bot.config import RateLimitConfig


class Pacer:
    """Space a fan-out evenly under Telegram's overall and per-chat rates.

    python-telegram-bot's rate limiter lets a burst of 30 through at once and then drips; a
    server counting any one-second window sees more than 30 and answers 429. Evenly spaced
    sends, 1% under the limit, never trip it.
    """

    def __init__(self) -> None:
        self._last_to_chat: dict[int, float] = {}
        self._next_slot = 0.0

    def reset(self) -> None:
        """Forget past sends (a test's clock jumps days while real time stands still)."""
        self._last_to_chat.clear()
        self._next_slot = 0.0

    async def wait(self, chat_id: int, limits: RateLimitConfig) -> None:
        """Return when a message to `chat_id` may go out."""
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
