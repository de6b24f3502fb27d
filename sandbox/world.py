"""The sandbox's world: users, chats, groups, files, sent messages and the updates people make."""

from __future__ import annotations

import itertools
import mimetypes
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from telegram import Bot, Update

from sandbox.objects import JSON, bad, clone, file_json, group_type, member_json, user_json
from sandbox.text import command_entities, visible_text
from sandbox.updates import UpdateQueue


@dataclass(frozen=True)
class SentMessage:
    """A message the bot sent, as stored by the sandbox (a snapshot: re-read after edits)."""

    chat_id: int
    message_id: int
    text: str | None
    reply_markup: JSON | None = None
    parse_mode: str | None = None
    document: tuple[str, bytes] | None = None
    photo: bytes | None = None
    edited: bool = False
    deleted: bool = False
    pinned: bool = False
    reply_to: int | None = None
    date: int = 0
    edit_date: int | None = None
    file_id: str | None = None

    @property
    def shown_text(self) -> str:
        """The text as the user sees it (HTML tags stripped, entities unescaped)."""
        return visible_text(self.text or "", self.parse_mode)

    def buttons(self) -> list[list[tuple[str, str]]]:
        """Keyboard rows of (text, callback_data or url or "") from inline or reply keyboards."""
        markup = self.reply_markup or {}
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        return [[_button_pair(button) for button in row] for row in rows]


def _button_pair(button: str | JSON) -> tuple[str, str]:
    if isinstance(button, str):  # reply keyboards may list bare strings
        return button, ""
    return button["text"], button.get("callback_data") or button.get("url") or ""


@dataclass
class _Group:
    title: str
    admins: list[int]
    members: set[int]


def _step_clock() -> Callable[[], datetime]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    ticks = itertools.count()
    return lambda: start + timedelta(seconds=next(ticks))


class SandboxWorld:
    """Who exists, what was said, and the update queue; one lock guards it all."""

    def __init__(
        self,
        *,
        bot_id: int = 1000,
        bot_username: str = "zhenggai_bot",
        strict: bool = True,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.strict = strict
        self.clock: Callable[[], datetime] = clock or _step_clock()
        self._lock = threading.Lock()
        self._users: dict[int, JSON] = {}
        self._groups: dict[int, _Group] = {}
        self._bot_status: dict[int, str] = {}
        self._sent: dict[int, dict[int, SentMessage]] = {}
        self._incoming: dict[tuple[int, int], JSON] = {}
        self._last_message_id: Counter[int] = Counter()
        self._queue = UpdateQueue(self._lock)
        self._query_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._open_queries: set[str] = set()
        self._files: dict[str, tuple[str, bytes, str]] = {}

    # ----- setup and inspection ------------------------------------------------------------
    def add_user(
        self,
        user_id: int,
        first_name: str,
        username: str | None = None,
        language_code: str = "zh-hans",
    ) -> JSON:
        """Register a user who has started the bot, so their private chat accepts messages."""
        with self._lock:
            self._users[user_id] = user_json(user_id, first_name, username, language_code)
            self._bot_status.setdefault(user_id, "member")
            return clone(self._users[user_id])

    def add_group(
        self, chat_id: int, title: str, admins: list[int], members: list[int] | None = None
    ) -> None:
        """Register a group; admins[0] owns it; the bot is a member (an admin if listed)."""
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        with self._lock:
            for user_id in [*admins, *(members or [])]:
                self._ensure_user(user_id)
            self._groups[chat_id] = _Group(title, list(admins), {*admins, *(members or [])})
            self._bot_status[chat_id] = "administrator" if self.bot_id in admins else "member"

    def sent(self, chat_id: int | None = None) -> list[SentMessage]:
        """What the bot sent to one chat (or anywhere), oldest first, deleted ones included."""
        with self._lock:
            chats = [chat_id] if chat_id is not None else list(self._sent)
            return [m for chat in chats for m in self._sent.get(chat, {}).values()]

    def last(self, chat_id: int) -> SentMessage:
        if sent := self.sent(chat_id):
            return sent[-1]
        raise LookupError(f"the bot sent nothing to chat {chat_id}")

    def find(self, chat_id: int, message_id: int) -> SentMessage:
        with self._lock:
            if found := self._sent.get(chat_id, {}).get(message_id):
                return found
        raise LookupError(f"the bot sent no message {message_id} to chat {chat_id}")

    def buttons(self, message: SentMessage) -> list[list[tuple[str, str]]]:
        """Keyboard rows of (text, callback_data or url) as the message looks now."""
        with self._lock:
            current = self._sent.get(message.chat_id, {}).get(message.message_id, message)
        return current.buttons()

    def file_bytes(self, file_path: str) -> bytes | None:
        """Content behind a getFile file_path (the transports' download route)."""
        with self._lock:
            stored = self._files.get(file_path.removeprefix("files/"))
        return stored[1] if stored else None

    # ----- incoming updates ----------------------------------------------------------------
    @staticmethod
    def update(data: JSON, bot: Bot) -> Update:
        return Update.de_json(data, bot)

    def message(
        self,
        user_id: int,
        text: str = "",
        chat_id: int | None = None,
        *,
        reply_to: SentMessage | int | None = None,
        photo: bool | bytes = False,
        document: tuple[str, bytes] | None = None,
        media_group_id: str | None = None,
    ) -> JSON:
        """Queue and return a `message` update from a user (private chat unless chat_id); with
        `media_group_id`, one part of an album."""
        with self._lock:
            chat = user_id if chat_id is None else chat_id
            msg: JSON = {"from": self._ensure_user(user_id)}
            self._ensure_chat(chat, user_id)
            msg.update(message_id=self._next_message_id(chat), chat=self._chat_json(chat))
            msg["date"] = self._now()
            if document is not None:
                name, data = document
                mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
                file_id = self._store_file(name, data, mime)
                msg["document"] = file_json(file_id, data, file_name=name, mime_type=mime)
            elif photo is not False:
                data = photo if isinstance(photo, bytes) else b"\xff\xd8sandbox\xff\xd9"
                file_id = self._store_file("photo.jpg", data, "image/jpeg")
                msg["photo"] = [file_json(file_id, data, width=1280, height=960)]
            elif not text:
                raise ValueError("an incoming message needs text, a photo or a document")
            self._set_text(msg, text)
            if media_group_id is not None:
                msg["media_group_id"] = media_group_id
            if reply_to is not None:
                target_id = reply_to if isinstance(reply_to, int) else reply_to.message_id
                if (target := self._stored_json(chat, target_id)) is None:
                    raise LookupError(f"no message {target_id} in chat {chat} to reply to")
                msg["reply_to_message"] = target
            self._incoming[(chat, msg["message_id"])] = msg
            return self._queue.push({"message": msg})

    def edited_message(self, original: JSON, text: str) -> JSON:
        """Queue an `edited_message` update for a message (or update) made by `message()`."""
        msg = original.get("message") or original.get("edited_message") or original
        key = (msg["chat"]["id"], msg["message_id"])
        with self._lock:
            if key not in self._incoming:
                raise LookupError(f"no incoming message {key[1]} in chat {key[0]}")
            edited = clone(self._incoming[key])
            self._set_text(edited, text)
            edited["edit_date"] = self._now()
            self._incoming[key] = edited
            return self._queue.push({"edited_message": edited})

    def callback(self, user_id: int, message: SentMessage, data: str) -> JSON:
        """Queue a `callback_query` update: the user pressed a button on a bot message."""
        with self._lock:
            current = self._sent.get(message.chat_id, {}).get(message.message_id)
            if current is None or current.deleted:
                raise LookupError(f"message {message.message_id} is gone from {message.chat_id}")
            offered = [value for row in current.buttons() for _, value in row]
            if self.strict and data not in offered:
                raise ValueError(f"no button with callback_data {data!r}; buttons: {offered}")
            query_id = str(next(self._query_ids))
            self._open_queries.add(query_id)
            query: JSON = {
                "id": query_id,
                "from": self._ensure_user(user_id),
                "message": self._message_json(current),
                "chat_instance": f"sandbox{message.chat_id}",
                "data": data,
            }
            return self._queue.push({"callback_query": query})

    def click(self, user_id: int, message: SentMessage, button_text: str) -> JSON:
        """Like `callback`, picking the button by its label."""
        for row in self.buttons(message):
            for text, value in row:
                if text == button_text:
                    return self.callback(user_id, message, value)
        raise LookupError(f"no button labelled {button_text!r}: {self.buttons(message)}")

    def my_chat_member(self, chat_id: int, user_id: int, new_status: str) -> JSON:
        """Queue a `my_chat_member` update: user_id changed the bot's status in chat_id."""
        with self._lock:
            # Read the old status first: _ensure_chat assumes the bot is in chats it creates.
            old_member = member_json(self._bot_user(), self._bot_status.get(chat_id, "left"))
            new_member = member_json(self._bot_user(), new_status)
            actor = self._ensure_user(user_id)
            self._ensure_chat(chat_id, user_id)
            self._bot_status[chat_id] = new_status
            change = {"chat": self._chat_json(chat_id), "from": actor, "date": self._now()}
            change.update(old_chat_member=old_member, new_chat_member=new_member)
            return self._queue.push({"my_chat_member": change})

    def interrupt(self) -> None:
        """Wake every waiting long poll so it answers now (used when a server shuts down)."""
        with self._lock:
            self._queue.interrupt()

    # ----- internals (callers hold self._lock unless noted) --------------------------------
    def _now(self) -> int:
        return int(self.clock().timestamp())

    def _next_message_id(self, chat_id: int) -> int:
        self._last_message_id[chat_id] += 1
        return self._last_message_id[chat_id]

    def _bot_user(self) -> JSON:
        return user_json(self.bot_id, "Sandbox Bot", self.bot_username) | {"is_bot": True}

    def _ensure_user(self, user_id: int) -> JSON:
        if user_id not in self._users:
            self._users[user_id] = user_json(user_id, f"User {user_id}", None, "zh-hans")
        return clone(self._users[user_id])

    def _ensure_chat(self, chat_id: int, user_id: int) -> None:
        if 0 < chat_id != user_id:
            raise ValueError(f"a private chat's id is its user's id ({user_id})")
        if chat_id < 0:
            self._groups.setdefault(chat_id, _Group(f"Group {chat_id}", [], set()))
            self._groups[chat_id].members.add(user_id)
        self._bot_status.setdefault(chat_id, "member")

    def _chat(self, p: JSON) -> int:
        """The request's chat_id if the chat exists (strict) or after creating it (lenient)."""
        try:
            chat_id = int(p["chat_id"])
        except (KeyError, TypeError, ValueError):
            raise bad("chat not found") from None
        if chat_id not in (self._users if chat_id > 0 else self._groups):
            if self.strict:
                raise bad("chat not found")
            if chat_id > 0:
                self._ensure_user(chat_id)
            self._ensure_chat(chat_id, chat_id)
        return chat_id

    def _chat_json(self, chat_id: int) -> JSON:
        if chat_id > 0:
            user = self._users[chat_id]
            names = {k: v for k, v in user.items() if k in ("first_name", "username")}
            return {"id": chat_id, "type": "private", **names}
        return {"id": chat_id, "type": group_type(chat_id), "title": self._groups[chat_id].title}

    def _set_text(self, msg: JSON, text: str) -> None:
        msg.pop("entities", None)
        if "document" in msg or "photo" in msg:
            msg.pop("caption", None)
            if text:
                msg["caption"] = text
        else:
            msg["text"] = text
            if entities := command_entities(text):
                msg["entities"] = entities

    def _store_file(self, name: str, data: bytes, mime: str) -> str:
        file_id = f"sandbox-file-{next(self._file_ids)}"
        self._files[file_id] = (name, data, mime)
        return file_id

    def _stored_json(self, chat_id: int, message_id: int) -> JSON | None:
        if (sent := self._sent.get(chat_id, {}).get(message_id)) and not sent.deleted:
            return self._message_json(sent, with_reply=False)
        if (incoming := self._incoming.get((chat_id, message_id))) is None:
            return None
        return {k: clone(v) for k, v in incoming.items() if k != "reply_to_message"}

    def _message_json(self, sent: SentMessage, *, with_reply: bool = True) -> JSON:
        msg: JSON = {"message_id": sent.message_id, "from": self._bot_user()}
        msg.update(chat=self._chat_json(sent.chat_id), date=sent.date)
        text = visible_text(sent.text or "", sent.parse_mode)
        if sent.file_id and sent.document:
            name, mime = sent.document[0], self._files[sent.file_id][2]
            msg["document"] = file_json(
                sent.file_id, sent.document[1], file_name=name, mime_type=mime
            )
        elif sent.file_id and sent.photo is not None:
            msg["photo"] = [file_json(sent.file_id, sent.photo, width=1280, height=960)]
        if text or not sent.file_id:
            msg["caption" if sent.file_id else "text"] = text
        if sent.edit_date is not None:
            msg["edit_date"] = sent.edit_date
        if sent.reply_markup and "inline_keyboard" in sent.reply_markup:
            msg["reply_markup"] = clone(sent.reply_markup)
        target = self._stored_json(sent.chat_id, sent.reply_to) if sent.reply_to else None
        if with_reply and target is not None:
            msg["reply_to_message"] = target
        return msg
