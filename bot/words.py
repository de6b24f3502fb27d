"""Words people type for a choice (filters, on/off), in every language the bot reads."""

from __future__ import annotations

import re

# /ledger and /my filters by status; English values pass through as they are.
FILTER_ALIASES = {"超期": "overdue", "逾期": "overdue", "待整改": "pending",
                  "整改中": "in_progress", "待销号": "awaiting_signoff", "已销号": "signed_off",
                  "全部": "all"}
ON, OFF, DEFAULT = ("on", "开", "开启"), ("off", "关", "关闭"), ("default", "默认")
# A private message that asks for a reminder in so many words.
ASKS_FOR_REMINDER = re.compile(r"^\s*(提醒我|(?i:remind me)\b)")
# What a typed measure line may start or end with that is not the measure (list marks).
MEASURE_MARKS = " \t-•·、.0123456789"
