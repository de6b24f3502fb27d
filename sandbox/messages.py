"""Bot API methods for the bot's messages: send, edit, delete, pin, answer a button press."""

from __future__ import annotations

import mimetypes
from dataclasses import replace
from typing import Any, Literal

from sandbox.objects import JSON, Files, SandboxApiError, bad, clone
from sandbox.text import visible_text
from sandbox.world import SandboxWorld, SentMessage

_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a content and reply markup of the current message"
)


def _inline(markup: JSON | None) -> JSON | None:
    return markup if markup and "inline_keyboard" in markup else None


class MessageMethods(SandboxWorld):
    """Message methods, held to Telegram's rules; each _api_<method> runs under self._lock."""

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

