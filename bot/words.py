"""Words people type for a choice (filters, on/off), in every language the bot reads."""

from __future__ import annotations

import re

# Role names people type after /invite, in Chinese or English.
ROLE_WORDS = {"联络员": "liaison", "责任领导": "leader", "领导": "leader", "干部": "member",
              "干部职工": "member", "职工": "member", "成员": "member", "办公室": "office",
              "领导小组办公室": "office", "督导组": "inspector", "督导员": "inspector"}


# /ledger and /my filters by status; English values pass through as they are.
FILTER_ALIASES = {"超期": "overdue", "逾期": "overdue", "待整改": "pending",
                  "整改中": "in_progress", "待销号": "awaiting_signoff", "已销号": "signed_off",
                  "全部": "all"}
ON, OFF, DEFAULT = ("on", "开", "开启"), ("off", "关", "关闭"), ("default", "默认")
# A private message that asks for a reminder in so many words.
ASKS_FOR_REMINDER = re.compile(r"^\s*(提醒我|(?i:remind me)\b)")
# Numbering that opens a measure: 1. 2、 3) （1） (2) ① 一、 and bullets. A number is numbering
# only when a mark follows it and no digit after that (2026.12.31 and 1.5倍 are text).
_NUMBER = r"(?:[（(]\s*\d{1,2}\s*[)）]|\d{1,2}\s*[.．、)）](?!\d)|[①-⑳])"
_OPENING = re.compile(rf"^(?:{_NUMBER}|[一二三四五六七八九十]{{1,3}}、|[-•·*])\s*")
# Where one measure ends and the next begins: a line break, ； or ;, a number after a space or
# after 。, and （2） or ② anywhere (they are never anything but numbering).
_BREAK = re.compile(rf"\n|[；;]|\s+(?={_NUMBER})|(?<=。)(?={_NUMBER})"
                    r"|(?<=\S)(?=[（(]\s*\d{1,2}\s*[)）]|[①-⑳])")


def split_measures(text: str) -> list[str]:
    """The measures in typed text, each exactly as written but for surrounding whitespace and
    the numbering or bullet that opens it: 1.建立台账；2.每周回访 → [建立台账, 每周回访]."""
    measures = []
    for piece in _BREAK.split(text):
        measure = _OPENING.sub("", piece.strip(), count=1).strip()
        if measure:
            measures.append(measure)
    return measures
