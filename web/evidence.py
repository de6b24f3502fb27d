"""Evidence files through the bot: fetched from the Bot API by file id, kept in memory a while.

The one web module that speaks Telegram: the browser asks this server, this server asks the
Bot API with the bot's token, and neither the token nor a file id ever reaches a page.
"""

from __future__ import annotations

import collections
import logging
from typing import Any

from telegram import Bot
from telegram.error import TelegramError
from telegram.request import HTTPXRequest

from bot.config import Config
from bot.images import image_type

log = logging.getLogger(__name__)

__all__ = ["EvidenceFiles", "image_type"]

# The Bot API serves files up to 20 MB; evidence is photos and scans, far smaller.
MAX_FILE = 20 * 1024 * 1024
CACHE_BYTES = 64 * 1024 * 1024


class EvidenceFiles:
    """Bytes of evidence by file id: from the cache, else from the Bot API (None: not there)."""

    def __init__(self, bot: Any | None, *, owned: bool = False,
                 cache_bytes: int = CACHE_BYTES) -> None:
        self.bot = bot
        # A Bot made here is shut down here; the running bot's own Bot is the bot's to stop.
        self.owned = owned
        self.cache_bytes = cache_bytes
        self._cache: collections.OrderedDict[str, bytes] = collections.OrderedDict()
        self._size = 0
        self._ready = False

    @classmethod
    def from_config(cls, config: Config) -> EvidenceFiles:
        """For `python -m bot web`: a Bot of its own when a token is configured."""
        token = config.token
        if not token:
            return cls(None)
        # The same route to the Bot API as the bot's: its server, file address and proxy.
        proxy = config.telegram.proxy
        bot = Bot(token, base_url=config.base_url or "https://api.telegram.org/bot",
                  base_file_url=config.telegram.base_file_url
                  or "https://api.telegram.org/file/bot",
                  request=HTTPXRequest(proxy=proxy) if proxy else None)
        return cls(bot, owned=True)

    async def fetch(self, file_id: str) -> bytes | None:
        if file_id in self._cache:
            self._cache.move_to_end(file_id)
            return self._cache[file_id]
        if self.bot is None:
            return None
        try:
            found = await (await self._started()).get_file(file_id)
            if found.file_size and found.file_size > MAX_FILE:
                return None
            content = bytes(await found.download_as_bytearray())
        except TelegramError as exc:
            log.warning("evidence %s not fetched: %s", file_id[:12], exc)
            return None
        self._keep(file_id, content)
        return content

    async def upload(self, chat_id: int, content: bytes, caption: str) -> str | None:
        """Hand a photo taken on the web to the Bot API, into `chat_id`'s chat with the bot
        (the person's own, as a receipt); its file id is then evidence like any photo sent in
        chat. None: no bot here, or the Bot API refused it."""
        if self.bot is None:
            return None
        try:
            sent = await (await self._started()).send_photo(chat_id, content, caption=caption)
        except TelegramError as exc:
            log.warning("web photo not uploaded: %s", exc)
            return None
        if not sent.photo:
            return None
        file_id: str = sent.photo[-1].file_id
        self._keep(file_id, content)
        return file_id

    async def _started(self) -> Any:
        """The bot, initialised on first use (getMe once)."""
        assert self.bot is not None
        if not self._ready:
            await self.bot.initialize()
            self._ready = True
        return self.bot

    def _keep(self, file_id: str, content: bytes) -> None:
        if len(content) > self.cache_bytes // 4:
            return
        self._cache[file_id] = content
        self._size += len(content)
        while self._size > self.cache_bytes:
            _, dropped = self._cache.popitem(last=False)
            self._size -= len(dropped)

    async def close(self) -> None:
        if self.bot is not None and self._ready and self.owned:
            await self.bot.shutdown()
