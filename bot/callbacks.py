"""Callback data codec: `feature:action:arg…`, at most 64 bytes, matched by anchored patterns."""

from __future__ import annotations

import re

MAX_BYTES = 64
_PART = re.compile(r"^[A-Za-z0-9_.\-]+$")


def encode(feature: str, action: str, *args: object) -> str:
    """Pack a button's meaning; refuses what Telegram would reject or a parser could misread."""
    parts = [feature, action, *(str(a) for a in args)]
    for part in parts:
        if not _PART.match(part):
            raise ValueError(f"callback part {part!r} has characters outside [A-Za-z0-9_.-]")
    data = ":".join(parts)
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data {data!r} is longer than {MAX_BYTES} bytes")
    return data


def pattern(feature: str, action: str | None = None) -> re.Pattern[str]:
    """Match the callbacks of one feature (and action) and nothing else."""
    act = re.escape(action) if action else r"[A-Za-z0-9_.\-]+"
    return re.compile(rf"^{re.escape(feature)}:{act}(:[A-Za-z0-9_.\-]+)*$")


def decode(data: str) -> tuple[str, str, list[str]]:
    """Split callback data back into feature, action and arguments."""
    feature, action, *args = data.split(":")
    return feature, action, args


# The largest id a database column (BIGINT) holds; a longer number is forged, not stale.
MAX_ID = 2**63 - 1


def number(arg: str) -> int | None:
    """Read an id argument: ASCII digits within a 64-bit integer, else None."""
    if not (arg.isascii() and arg.isdigit()) or len(arg) > 19:
        return None
    value = int(arg)
    return value if value <= MAX_ID else None


def args_of(data: str, count: int) -> list[str] | None:
    """The arguments of callback data when there are exactly `count`, else None."""
    args = decode(data)[2]
    return args if len(args) == count else None
