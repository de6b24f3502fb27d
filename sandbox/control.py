"""The /sandbox/* routes: queue what people do and read what the bot did, over HTTP as JSON."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any
from urllib.parse import parse_qs

from sandbox.api import BotApiSandbox
from sandbox.objects import JSON, ApiCall
from sandbox.world import SentMessage


def answer(sandbox: BotApiSandbox, route: str, query: str, data: JSON) -> tuple[int, Any]:
    """The status and JSON body for one control request (`data` is its decoded POST body)."""
    try:
        result: Any
        if route == "message":
            chat_id = data.get("chat_id")
            text = str(data.get("text", ""))
            result = sandbox.message(
                int(data["user_id"]), text, None if chat_id is None else int(chat_id)
            )
        elif route in ("callback", "click"):
            chat, user = int(data.get("chat_id") or data["user_id"]), int(data["user_id"])
            wanted = str(data["text"] if route == "click" else data["data"])
            if message_id := data.get("message_id"):
                message = sandbox.find(chat, int(message_id))
            else:
                message = _newest_with_button(sandbox, chat, wanted, by_label=route == "click")
            if route == "click":
                result = sandbox.click(user, message, wanted)
            else:
                result = sandbox.callback(user, message, wanted)
        elif route == "sent":
            only = parse_qs(query).get("chat_id")
            result = [_sent_json(m) for m in sandbox.sent(int(only[0]) if only else None)]
        elif route == "calls":
            result = [_call_json(call) for call in list(sandbox.calls)]
        else:
            return 404, {"error": f"unknown control route /sandbox/{route}"}
    except (KeyError, TypeError, ValueError, LookupError) as exc:
        return 400, {"error": f"{type(exc).__name__}: {exc}"}
    return 200, result


def _sent_json(message: SentMessage) -> JSON:
    data = asdict(message)
    if message.document is not None:
        data["document"] = {"filename": message.document[0], "size": len(message.document[1])}
    data["photo"] = None if message.photo is None else {"size": len(message.photo)}
    data["buttons"] = message.buttons()
    return data


def _newest_with_button(
    sandbox: BotApiSandbox, chat_id: int, wanted: str, *, by_label: bool
) -> SentMessage:
    """The latest live message in the chat offering that button (label or callback_data)."""
    for message in reversed(sandbox.sent(chat_id)):
        pairs = [pair for row in message.buttons() for pair in row]
        if not message.deleted and any(wanted == pair[0 if by_label else 1] for pair in pairs):
            return message
    raise LookupError(f"no message in chat {chat_id} offers a button {wanted!r}")


def _call_json(call: ApiCall) -> JSON:
    files = {name: len(content) for name, content in call.files.items()}
    return {**asdict(call), "files": files}

