"""Decoding PTB's form posts: String fields stay strings, the rest is JSON; multipart uploads."""

from __future__ import annotations

import json
import re
from typing import Any

from sandbox.objects import JSON, Files

# PTB posts every parameter as a form field, JSON-encoding all but strings. These fields are
# Strings in the Bot API, so they must not be JSON-decoded (a text of "123" must stay "123").
_STRING_FIELDS = frozenset(
    {"text", "caption", "parse_mode", "callback_query_id", "inline_message_id", "url"}
    | {"title", "description", "action", "document", "photo", "file_id", "language_code"}
    | {"business_connection_id", "message_effect_id", "secret_token", "custom_title"}
    | {"name", "short_description"}
)
_DISPOSITION_PARAM = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')
# httpx percent-escapes quotes and control characters inside multipart header values.
_FORM_ESCAPE = re.compile(r"%(22|[01][0-9A-F])")


def decode_field(name: str, value: str) -> Any:
    """Undo PTB's form encoding of one parameter (JSON for everything but String fields)."""
    if name in _STRING_FIELDS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value  # e.g. chat_id "@channelname"


def _unescape(value: str) -> str:
    return _FORM_ESCAPE.sub(lambda m: chr(int(m[1], 16)), value).replace("\\\\", "\\")


def parse_multipart(body: bytes, boundary: bytes) -> tuple[JSON, Files]:
    """Split a multipart/form-data body into decoded parameters and uploaded files."""
    params: JSON = {}
    files: Files = {}
    for part in body.split(b"--" + boundary)[1:]:
        if part.startswith(b"--"):
            break
        head, _, content = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        headers = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        attrs = dict(_DISPOSITION_PARAM.findall(headers.get("content-disposition", "")))
        name, content = _unescape(attrs.get("name", "")), content.removesuffix(b"\r\n")
        if "filename" in attrs:
            mime = headers.get("content-type") or "application/octet-stream"
            files[name] = (_unescape(attrs["filename"]), content, mime)
        else:
            params[name] = decode_field(name, content.decode("utf-8", "replace"))
    return params, files

