"""Fake Telegram Bot API (calls, faults, rate limits) and its in-process PTB transport."""

from __future__ import annotations

import asyncio
import json
import math
import mimetypes
import re
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.sandbox_updates import (
    JSON,
    Files,
    SandboxApiError,
    SandboxWorld,
    SentMessage,
    bad,
    clone,
    visible_text,
)

__all__ = ["ApiCall", "BotApiSandbox", "Files", "Reply", "SandboxRequest", "SentMessage"]

FaultKind = Literal["429", "403", "400", "500", "502", "timeout", "reset"]
FAULT_KINDS: tuple[str, ...] = ("429", "403", "400", "500", "502", "timeout", "reset")
_FAULT_REPLIES = {
    "403": (403, "Forbidden: bot was blocked by the user"),
    "400": (400, "Bad Request: injected by the sandbox"),
    "500": (500, "Internal Server Error"),
    "502": (502, "Bad Gateway"),
}
# Telegram withholds these update kinds unless allowed_updates names them explicitly.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_MAX_POLL_SECONDS = 50.0
_FILE_URL = re.compile(r"/file/bot[^/]*/(?P<path>.+)$")
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a content and reply markup of the current message"
)


@dataclass(frozen=True)
class ApiCall:
    """One Bot API request as received; `fault` names an injected failure or "untaught"."""

    method: str
    params: dict[str, Any]
    files: dict[str, bytes]
    fault: str | None = None
    status: int = 200


@dataclass(frozen=True)
class Reply:
    """The sandbox's answer; `drop` tells the transport to time out or reset instead."""

    status: int
    body: JSON
    drop: Literal["timeout", "reset"] | None = None

    @property
    def payload(self) -> bytes:
        return json.dumps(self.body, ensure_ascii=False).encode()


def _ok(result: Any) -> Reply:
    return Reply(200, {"ok": True, "result": result})


def _error(status: int, description: str, retry_after: int | None = None) -> Reply:
    body: JSON = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return Reply(status, body)


def _chat_of(params: JSON) -> int | None:
    try:
        return int(params["chat_id"])
    except (KeyError, TypeError, ValueError):
        return None


def _inline(markup: JSON | None) -> JSON | None:
    return markup if markup and "inline_keyboard" in markup else None


def _commands_key(p: JSON) -> str:
    return json.dumps([p.get("scope") or {"type": "default"}, p.get("language_code") or ""])


@dataclass
class _Fault:
    method: str
    kind: str
    times: int
    retry_after: int
    description: str | None
    chat_id: int | None

    def reply(self) -> Reply:
        if self.kind == "timeout":
            return Reply(0, {}, drop="timeout")
        if self.kind == "reset":
            return Reply(0, {}, drop="reset")
        if self.kind == "429":
            text = self.description or f"Too Many Requests: retry after {self.retry_after}"
            return _error(429, text, self.retry_after)
        status, default = _FAULT_REPLIES[self.kind]
        return _error(status, self.description or default)


@dataclass
class _Limits:
    """Sliding windows over sends, mirroring Telegram's documented broadcast limits."""

    per_second: int | None
    per_chat_per_second: int | None
    per_group_per_minute: int | None
    clock: Callable[[], float]
    everywhere: deque[float] = field(default_factory=deque)
    per_chat: dict[int, deque[float]] = field(default_factory=dict)

    def admit(self, chat_id: int | None) -> int | None:
        """Record a send and return None, or return retry_after seconds and record nothing."""
        now = self.clock()
        chat_log = self.per_chat.setdefault(chat_id, deque()) if chat_id is not None else None
        windows = [(self.everywhere, 1.0, self.per_second)]
        if chat_log is not None:
            windows.append((chat_log, 1.0, self.per_chat_per_second))
            if chat_id is not None and chat_id < 0:
                windows.append((chat_log, 60.0, self.per_group_per_minute))
        wait = 0.0
        for log, window, cap in windows:
            recent = [t for t in log if now - t < window]
            if cap and len(recent) >= cap:
                # The window frees up when the cap-th most recent send ages out.
                wait = max(wait, recent[-cap] + window - now)
        if wait > 0:
            return max(1, math.ceil(wait))
        logs = [(self.everywhere, 1.0)] + ([(chat_log, 60.0)] if chat_log is not None else [])
        for log, horizon in logs:
            log.append(now)
            while now - log[0] >= horizon:
                log.popleft()
        return None


class BotApiSandbox(SandboxWorld):
    """Fake Bot API: answers, records and optionally fails or rate-limits PTB's calls."""

    def __init__(
        self,
        *,
        bot_id: int = 1000,
        bot_username: str = "zhenggai_bot",
        strict: bool = True,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(bot_id=bot_id, bot_username=bot_username, strict=strict, clock=clock)
        self.calls: list[ApiCall] = []
        self.untaught: list[str] = []
        self.stats: Counter[str] = Counter()
        self.webhook_url = ""
        self._commands: dict[str, list[JSON]] = {}
        self._menu_buttons: dict[int | None, JSON] = {}
        self._faults: list[_Fault] = []
        self._limits: _Limits | None = None
        self._allowed_updates: list[str] = []

    @classmethod
    def taught(cls) -> frozenset[str]:
        return frozenset(n.removeprefix("_api_") for n in dir(cls) if n.startswith("_api_"))

    def calls_to(self, method: str) -> list[ApiCall]:
        return [call for call in list(self.calls) if call.method == method]

    def fail(
        self,
        method: str,
        kind: FaultKind | str,
        *,
        times: int = 1,
        retry_after: int = 1,
        description: str | None = None,
        chat_id: int | None = None,
    ) -> None:
        """Make the next `times` calls of `method` ("*" = any; optionally only for chat_id)
        fail with `kind`: "429", "403", "400", "500", "502", "timeout" or "reset"."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; use one of {FAULT_KINDS}")
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._faults.append(_Fault(method, kind, times, retry_after, description, chat_id))

    def enforce_limits(
        self,
        per_second: int | None = 30,
        per_chat_per_second: int | None = 1,
        per_group_per_minute: int | None = 20,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Answer send*/edit* calls over these limits with 429 (None lifts a limit)."""
        with self._lock:
            self._limits = _Limits(per_second, per_chat_per_second, per_group_per_minute, clock)

    # ----- transport entry points ----------------------------------------------------------
    def dispatch(self, method: str, params: JSON, files: Files | None = None) -> Reply:
        """Answer one call; a getUpdates long poll blocks this thread (HTTP server path)."""
        early = self._prepare(method, params)
        if early is None and method == "getUpdates" and not self.webhook_url:
            self._wait_sync(*self._poll_args(params))
        return self._finish(method, params, files or {}, early)

    async def dispatch_async(self, method: str, params: JSON, files: Files | None = None) -> Reply:
        """Answer one call; a getUpdates long poll awaits without blocking the event loop."""
        early = self._prepare(method, params)
        if early is None and method == "getUpdates" and not self.webhook_url:
            await self._wait_async(*self._poll_args(params))
        return self._finish(method, params, files or {}, early)

    def _prepare(self, method: str, params: JSON) -> tuple[Reply, str] | None:
        """An early answer (fault, untaught, rate limit), or None to run the method."""
        with self._lock:
            chat = _chat_of(params)
            for fault in self._faults:
                if fault.method in (method, "*") and fault.chat_id in (None, chat):
                    fault.times -= 1
                    if not fault.times:
                        self._faults.remove(fault)
                    self.stats["429"] += 1 if fault.kind == "429" else 0
                    return fault.reply(), fault.kind
            if not hasattr(self, f"_api_{method}"):
                if not self.strict:
                    return _ok(True), "untaught"
                self.untaught.append(method)
                text = f"Bad Request: method {method} not taught to the sandbox"
                return _error(400, text), "untaught"
            sends = method.startswith(("send", "edit", "copy", "forward"))
            limited = self._limits and sends and method != "sendChatAction"
            if limited and self._limits and (retry := self._limits.admit(chat)) is not None:
                self.stats["429"] += 1
                return _error(429, f"Too Many Requests: retry after {retry}", retry), "limit"
        return None

    def _finish(
        self, method: str, params: JSON, files: Files, early: tuple[Reply, str] | None
    ) -> Reply:
        with self._lock:
            reply, fault = early or (None, None)
            if reply is None:
                try:
                    reply = _ok(getattr(self, f"_api_{method}")(params, files))
                except SandboxApiError as exc:
                    reply = _error(exc.status, exc.description)
                except (KeyError, TypeError, ValueError) as exc:  # malformed parameters
                    reply = _error(400, f"Bad Request: invalid {method} parameters: {exc!r}")
            self.stats["calls"] += 1
            uploads = {name: content for name, (_, content, _) in files.items()}
            self.calls.append(ApiCall(method, params, uploads, fault, reply.status))
        return reply

    @staticmethod
    def _poll_args(params: JSON) -> tuple[int | None, float]:
        try:
            seconds = min(max(float(params.get("timeout") or 0), 0.0), _MAX_POLL_SECONDS)
            offset = params.get("offset")
            return (None if offset is None else int(offset)), seconds
        except (TypeError, ValueError):
            return None, 0.0  # malformed values get answered at once rather than waited on

    # ----- Bot API methods (called with self._lock held) -----------------------------------
    def _api_logOut(self, p: JSON, files: Files) -> bool:
        return True

    _api_close = _api_logOut

    def _api_setWebhook(self, p: JSON, files: Files) -> bool:
        self.webhook_url = str(p.get("url") or "")
        return True

    def _api_deleteWebhook(self, p: JSON, files: Files) -> bool:
        if p.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook_url = ""
        return True

    def _api_getWebhookInfo(self, p: JSON, files: Files) -> JSON:
        info: JSON = {"url": self.webhook_url, "has_custom_certificate": False}
        return info | {"pending_update_count": len(self._updates)}

    def _api_getUpdates(self, p: JSON, files: Files) -> list[JSON]:
        if self.webhook_url:
            raise SandboxApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset, _ = self._poll_args(p)
        if offset is not None and offset < 0:
            self._updates = self._updates[offset:]
        elif offset is not None:  # asking from `offset` on confirms everything before it
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if isinstance(p.get("allowed_updates"), list):
            self._allowed_updates = list(p["allowed_updates"])
        allowed = set(self._allowed_updates) or None

        def wanted(update: JSON) -> bool:
            kind = next(k for k in update if k != "update_id")
            return kind in allowed if allowed else kind not in _OPT_IN_UPDATES

        self._updates = [u for u in self._updates if wanted(u)]  # Telegram drops the rest
        limit = max(1, min(int(p.get("limit") or 100), 100))
        return clone(self._updates[:limit])

    def _api_sendMessage(self, p: JSON, files: Files) -> JSON:
        chat = self._writable_chat(p)
        text = str(p.get("text") or "")
        self._check_text(text, p.get("parse_mode"), "message")
        return self._message_json(self._store(chat, p, text))

    def _api_sendDocument(self, p: JSON, files: Files) -> JSON:
        return self._send_file(p, files, "document")

    def _api_sendPhoto(self, p: JSON, files: Files) -> JSON:
        return self._send_file(p, files, "photo")

    def _api_sendChatAction(self, p: JSON, files: Files) -> bool:
        self._writable_chat(p)
        return True

    def _api_editMessageText(self, p: JSON, files: Files) -> JSON | bool:
        return self._edit(p, text_too=True)

    def _api_editMessageReplyMarkup(self, p: JSON, files: Files) -> JSON | bool:
        return self._edit(p, text_too=False)

    def _api_deleteMessage(self, p: JSON, files: Files) -> bool:
        chat, message_id = self._chat(p), int(p["message_id"])
        current = self._sent.get(chat, {}).get(message_id)
        if current is not None and not current.deleted:
            self._sent[chat][message_id] = replace(current, deleted=True)
        elif self._incoming.pop((chat, message_id), None) is None:
            raise bad("message to delete not found")
        return True

    def _api_pinChatMessage(self, p: JSON, files: Files) -> bool:
        chat, message_id = self._writable_chat(p), int(p["message_id"])
        if chat < 0 and self._bot_status.get(chat) != "administrator":
            raise bad("not enough rights to manage pinned messages in the chat")
        current = self._sent.get(chat, {}).get(message_id)
        if current is not None and not current.deleted:
            self._sent[chat][message_id] = replace(current, pinned=True)
        elif (chat, message_id) not in self._incoming:
            raise bad("message to pin not found")
        return True

    def _api_answerCallbackQuery(self, p: JSON, files: Files) -> bool:
        query_id = str(p.get("callback_query_id"))
        if query_id not in self._open_queries:
            raise bad("query is too old and response timeout expired or query ID is invalid")
        self._open_queries.discard(query_id)
        return True

    def _api_setMyCommands(self, p: JSON, files: Files) -> bool:
        self._commands[_commands_key(p)] = list(p.get("commands") or [])
        return True

    def _api_deleteMyCommands(self, p: JSON, files: Files) -> bool:
        self._commands.pop(_commands_key(p), None)
        return True

    def _api_getMyCommands(self, p: JSON, files: Files) -> list[JSON]:
        return clone(self._commands.get(_commands_key(p), []))

    def _api_setChatMenuButton(self, p: JSON, files: Files) -> bool:
        self._menu_buttons[_chat_of(p)] = p.get("menu_button") or {"type": "default"}
        return True

    # ----- helpers for the methods ---------------------------------------------------------
    def _writable_chat(self, p: JSON) -> int:
        chat_id = self._chat(p)
        status = self._bot_status.get(chat_id, "member")
        if chat_id > 0 and status == "kicked":
            raise SandboxApiError(403, "Forbidden: bot was blocked by the user")
        if chat_id < 0 and status in ("left", "kicked"):
            what = "was kicked from" if status == "kicked" else "is not a member of"
            kind = "supergroup" if str(chat_id).startswith("-100") else "group"
            raise SandboxApiError(403, f"Forbidden: bot {what} the {kind} chat")
        return chat_id

    def _check_text(self, text: str, parse_mode: Any, what: Literal["message", "caption"]) -> None:
        shown = visible_text(text, parse_mode)
        if what == "message" and not shown.strip():
            raise bad("message text is empty")
        # Telegram counts the limit in UTF-16 code units: an emoji or 𝕏 counts twice.
        if len(shown.encode("utf-16-le")) // 2 > (4096 if what == "message" else 1024):
            raise bad("message is too long" if what == "message" else "message caption is too long")

    def _send_file(self, p: JSON, files: Files, kind: Literal["document", "photo"]) -> JSON:
        chat = self._writable_chat(p)
        caption = None if p.get("caption") is None else str(p["caption"])
        if caption is not None:
            self._check_text(caption, p.get("parse_mode"), "caption")
        name, data, file_id = self._input_file(p, files, kind)
        media = {"document": (name, data)} if kind == "document" else {"photo": data}
        return self._message_json(self._store(chat, p, caption, file_id=file_id, **media))

    def _input_file(self, p: JSON, files: Files, name: str) -> tuple[str, bytes, str]:
        """(filename, content, file_id) for an upload, a known file_id or a URL."""
        value = p.get(name)
        upload = files.get(name) if value is None else None
        if isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value.removeprefix("attach://"))
        if upload is not None:
            return upload[0], upload[1], self._store_file(*upload)
        if isinstance(value, str) and value in self._files:
            return self._files[value][0], self._files[value][1], value
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            filename = value.rsplit("/", 1)[-1] or name
            mime = mimetypes.guess_type(filename)[0] or "application/octet-stream"
            return filename, b"", self._store_file(filename, b"", mime)
        raise bad("wrong file identifier/HTTP URL specified")

    def _store(self, chat: int, p: JSON, text: str | None, **media: Any) -> SentMessage:
        reply = p.get("reply_parameters") or {}
        reply_to = reply.get("message_id", p.get("reply_to_message_id"))
        if reply_to is not None and self._stored_json(chat, int(reply_to)) is None:
            if not (
                reply.get("allow_sending_without_reply") or p.get("allow_sending_without_reply")
            ):
                raise bad("message to be replied not found")
            reply_to = None
        message_id = self._next_message_id(chat)
        media.update(reply_markup=clone(p.get("reply_markup")), date=self._now())
        reply_to = None if reply_to is None else int(reply_to)
        sent = SentMessage(
            chat, message_id, text, parse_mode=p.get("parse_mode"), reply_to=reply_to, **media
        )
        self._sent.setdefault(chat, {})[message_id] = sent
        return sent

    def _edit(self, p: JSON, *, text_too: bool) -> JSON | bool:
        if p.get("inline_message_id"):
            return True  # inline messages are not tracked; Telegram answers True for them
        chat, message_id = self._writable_chat(p), int(p["message_id"])
        current = self._sent.get(chat, {}).get(message_id)
        if current is None or current.deleted:
            theirs = (chat, message_id) in self._incoming
            raise bad("message can't be edited" if theirs else "message to edit not found")
        text, parse_mode = current.text, current.parse_mode
        if text_too:
            if current.file_id is not None:
                raise bad("there is no text in the message to edit")
            text, parse_mode = str(p.get("text") or ""), p.get("parse_mode")
            self._check_text(text, parse_mode, "message")
        # Omitting reply_markup in an edit removes the inline keyboard, as on Telegram.
        markup = clone(p.get("reply_markup"))
        if text == current.text and markup == _inline(current.reply_markup):
            raise bad(_NOT_MODIFIED)
        updated = replace(
            current,
            text=text,
            parse_mode=parse_mode,
            reply_markup=markup,
            edited=True,
            edit_date=self._now(),
        )
        self._sent[chat][message_id] = updated
        return self._message_json(updated)


class SandboxRequest(BaseRequest):
    """In-process transport: hands PTB's requests to a BotApiSandbox, no sockets involved."""

    def __init__(self, sandbox: BotApiSandbox, *, read_timeout: float | None = None) -> None:
        self.sandbox = sandbox
        self._read_timeout = read_timeout

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        # A real transport always yields to the loop; doing the same keeps interleavings honest.
        await asyncio.sleep(0)
        if method == "GET" and (match := _FILE_URL.search(url)):
            content = self.sandbox.file_bytes(match["path"])
            if content is None:
                return 404, _error(404, "Not Found: file not found").payload
            return 200, content
        params: JSON = {}
        files: Files = {}
        if request_data is not None:
            # A JSON round trip turns tuples into lists etc., just as the wire would.
            params = json.loads(json.dumps(request_data.parameters))
            for name, (filename, upload, mime) in request_data.multipart_data.items():
                raw = upload if isinstance(upload, bytes) else upload.read()
                files[name] = (filename or name, raw, mime or "application/octet-stream")
        reply = await self.sandbox.dispatch_async(url.rsplit("/", 1)[-1], params, files)
        if reply.drop == "timeout":
            raise TimedOut("Timed out (injected by the sandbox)")
        if reply.drop == "reset":
            raise NetworkError("connection reset (injected by the sandbox)")
        return reply.status, reply.payload
