"""Telegram's rules for message text: HTML parse mode, visible text, command entities."""

from __future__ import annotations

import html
import re

from sandbox.objects import JSON, bad

# Telegram only marks `/cmd` or `/cmd@bot` made of these characters as a bot_command.
_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{1,64})?(?=\s|$)")
_HTML_TAGS = frozenset(
    {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a"}
    | {"code", "pre", "blockquote", "tg-emoji"}
)
_HTML_TAG = re.compile(r"<(/?)([A-Za-z][\w-]*)[^>]*>")
_HTML_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")


def command_entities(text: str) -> list[JSON]:
    """The bot_command entity PTB's CommandHandler needs on a message starting with /cmd."""
    match = _COMMAND_RE.match(text)
    if not match:
        return []
    length = len(match.group().encode("utf-16-le")) // 2  # entity units are UTF-16 code units
    return [{"type": "bot_command", "offset": 0, "length": length}]


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
