"""Sandbox world state (users, chats, files, update queue) and Bot API JSON builders."""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import mimetypes
import re
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from telegram import Bot, Update

JSON = dict[str, Any]
Files = dict[str, tuple[str, bytes, str]]  # multipart field -> (filename, content, mime type)

# "restricted" is left out: PTB demands a dozen permission flags for it and nothing needs it.
MEMBER_STATUSES = ("creator", "administrator", "member", "left", "kicked")
# Telegram only marks `/cmd` or `/cmd@bot` made of these characters as a bot_command.
_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{1,64})?(?=\s|$)")
_HTML_TAGS = frozenset(
    {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a"}
    | {"code", "pre", "blockquote", "tg-emoji"}
)
_HTML_TAG = re.compile(r"<(/?)([A-Za-z][\w-]*)[^>]*>")
_HTML_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")
# PTB's ChatMemberAdministrator requires all of these; the sandbox grants all but editing.
_ADMIN_FLAGS = (  # noqa: SIM905 -- a word list reads better than a 12-line literal
    "is_anonymous can_manage_chat can_delete_messages can_manage_video_chats can_pin_messages "
    "can_restrict_members can_promote_members can_change_info can_invite_users "
    "can_post_stories can_edit_stories can_delete_stories"
).split()
# getChat must carry accepted_gift_types (Bot API 9), and PTB requires each of these flags.
_GIFT_TYPES = (  # noqa: SIM905 -- as above
    "unlimited_gifts limited_gifts unique_gifts premium_subscription gifts_from_channels"
).split()


_T = TypeVar("_T")


def clone(value: _T) -> _T:
    """Deep-copy Bot API JSON; a JSON round trip is several times faster than copy.deepcopy."""
    copied: _T = json.loads(json.dumps(value))
    return copied


class SandboxApiError(Exception):
    """A Bot API error answer (HTTP status + Telegram's description)."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def bad(description: str) -> SandboxApiError:
    return SandboxApiError(400, f"Bad Request: {description}")


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


def command_entities(text: str) -> list[JSON]:
    """The bot_command entity PTB's CommandHandler needs on a message starting with /cmd."""
    match = _COMMAND_RE.match(text)
    if not match:
        return []
    length = len(match.group().encode("utf-16-le")) // 2  # entity units are UTF-16 code units
    return [{"type": "bot_command", "offset": 0, "length": length}]


def user_json(
    user_id: int, first_name: str, username: str | None = None, language_code: str | None = None
) -> JSON:
    user: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
    if username:
        user["username"] = username
    if language_code:
        user["language_code"] = language_code
    return user


def group_type(chat_id: int) -> str:
    return "supergroup" if str(chat_id).startswith("-100") else "group"


def member_json(user: JSON, status: str) -> JSON:
    """A ChatMember of the given status, with every field PTB's de_json requires."""
    if status not in MEMBER_STATUSES:
        raise ValueError(f"unsupported member status {status!r}; use one of {MEMBER_STATUSES}")
    member: JSON = {"status": status, "user": user}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update(dict.fromkeys(_ADMIN_FLAGS, True), can_be_edited=False, is_anonymous=False)
    elif status == "kicked":
        member["until_date"] = 0
    return member


def file_json(file_id: str, data: bytes, **extra: Any) -> JSON:
    return {"file_id": file_id, "file_unique_id": f"u-{file_id}", "file_size": len(data), **extra}


def visible_text(text: str, parse_mode: str | None) -> str:
    """What the user would see; raises SandboxApiError with Telegram's wording for bad HTML."""
    if (parse_mode or "").upper() != "HTML":
        return text
    stack: list[str] = []
    for match in _HTML_TAG.finditer(text):
        closing, tag = match.group(1), match.group(2).lower()
        at = f"at byte offset {len(text[: match.start()].encode())}"
        if tag not in _HTML_TAGS:
            raise bad(f'can\'t parse entities: Unsupported start tag "{tag}" {at}')
        if not closing:
            stack.append(tag)
        elif not stack or stack.pop() != tag:
            raise bad(f'can\'t parse entities: Unmatched end tag "{tag}" {at}')
    if stack:
        raise bad(
            f"can't parse entities: Can't find end tag corresponding to start tag \"{stack[-1]}\""
        )
    bare = _HTML_TAG.sub("", text)
    # Telegram: every <, > and & that is not part of a tag or an entity must be escaped.
    stray = re.search(r"[<>&]", _HTML_ENTITY.sub("", bare))
    if stray:
        at = f"at byte offset {len(text[: text.find(stray.group())].encode())}"
        raise bad(f"can't parse entities: unescaped \"{stray.group()}\" {at}")
    return html.unescape(bare)


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
    """Who exists, what was said, and the update queue; methods named _api_<method> answer
    Bot API calls (holding self._lock, raising SandboxApiError)."""

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
        self._changed = threading.Condition(self._lock)
        self._users: dict[int, JSON] = {}
        self._groups: dict[int, _Group] = {}
        self._bot_status: dict[int, str] = {}
        self._sent: dict[int, dict[int, SentMessage]] = {}
        self._incoming: dict[tuple[int, int], JSON] = {}
        self._last_message_id: Counter[int] = Counter()
        self._updates: list[JSON] = []
        self._update_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._open_queries: set[str] = set()
        self._files: dict[str, tuple[str, bytes, str]] = {}
        self._async_waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []
        self._generation = 0

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
    ) -> JSON:
        """Queue and return a `message` update from a user (private chat unless chat_id)."""
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
            if reply_to is not None:
                target_id = reply_to if isinstance(reply_to, int) else reply_to.message_id
                if (target := self._stored_json(chat, target_id)) is None:
                    raise LookupError(f"no message {target_id} in chat {chat} to reply to")
                msg["reply_to_message"] = target
            self._incoming[(chat, msg["message_id"])] = msg
            return self._enqueue({"message": msg})

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
            return self._enqueue({"edited_message": edited})

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
            return self._enqueue({"callback_query": query})

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
            return self._enqueue({"my_chat_member": change})

    def interrupt(self) -> None:
        """Wake every waiting long poll so it answers now (used when a server shuts down)."""
        with self._lock:
            self._generation += 1
            self._notify()

    # ----- chat and member methods ---------------------------------------------------------
    def _api_getMe(self, p: JSON, files: Files) -> JSON:
        return self._bot_user() | {"can_join_groups": True, "can_read_all_group_messages": False}

    def _api_getChat(self, p: JSON, files: Files) -> JSON:
        chat = self._chat_json(self._chat(p))
        gifts = dict.fromkeys(_GIFT_TYPES, False)
        return chat | {"accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": gifts}

    def _api_getChatAdministrators(self, p: JSON, files: Files) -> list[JSON]:
        chat_id = self._chat(p)
        if chat_id > 0:
            raise bad("there are no administrators in the private chat")
        admins = list(self._groups[chat_id].admins)
        if self._bot_status.get(chat_id) == "administrator" and self.bot_id not in admins:
            admins.append(self.bot_id)
        return [self._member(chat_id, user_id) for user_id in admins]

    def _api_getChatMember(self, p: JSON, files: Files) -> JSON:
        return self._member(self._chat(p), int(p["user_id"]))

    def _api_leaveChat(self, p: JSON, files: Files) -> bool:
        chat_id = self._chat(p)
        if chat_id > 0:
            raise bad("chat member status can't be changed in private chats")
        self._bot_status[chat_id] = "left"
        return True

    def _api_getFile(self, p: JSON, files: Files) -> JSON:
        file_id = str(p.get("file_id"))
        if file_id not in self._files:
            raise bad("invalid file_id")
        return file_json(file_id, self._files[file_id][1], file_path=f"files/{file_id}")

    # ----- internals (callers hold self._lock unless noted) --------------------------------
    def _member(self, chat_id: int, user_id: int) -> JSON:
        if user_id == self.bot_id:
            return member_json(self._bot_user(), self._bot_status.get(chat_id, "left"))
        if user_id not in self._users:
            raise bad("user not found")
        user = clone(self._users[user_id])
        if chat_id > 0:
            return member_json(user, "member" if user_id == chat_id else "left")
        group = self._groups[chat_id]
        if group.admins and group.admins[0] == user_id:
            return member_json(user, "creator")
        status = "member" if user_id in group.members else "left"
        return member_json(user, "administrator" if user_id in group.admins else status)

    def _pending(self, offset: int | None) -> bool:
        if offset is None or offset < 0:
            return bool(self._updates)
        return any(u["update_id"] >= offset for u in self._updates)

    def _wait_sync(self, offset: int | None, seconds: float) -> None:
        with self._lock:
            generation = self._generation
            self._changed.wait_for(
                lambda: self._pending(offset) or self._generation != generation, seconds
            )

    async def _wait_async(self, offset: int | None, seconds: float) -> None:
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

    def _notify(self) -> None:
        self._changed.notify_all()
        for loop, event in self._async_waiters:
            with contextlib.suppress(RuntimeError):  # a closed loop abandons its waiter anyway
                loop.call_soon_threadsafe(event.set)

    def _enqueue(self, payload: JSON) -> JSON:
        update = {"update_id": next(self._update_ids), **payload}
        self._updates.append(update)
        self._notify()
        return clone(update)

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
