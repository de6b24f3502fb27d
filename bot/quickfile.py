"""One-message filing: split `问题：… 措施：… 责任人：… 时限：…` into the fields of a draft."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.dates import WorkdayCalendar, parse_when
from bot.domain import Level, Source, Track
from bot.services.problem import Draft
from bot.words import split_measures

# Longer labels first so that 问题描述 is not read as 问题 + 描述.
LABELS: dict[str, str] = {
    "问题描述": "description", "问题来源": "source", "问题类别": "category",
    "整改措施": "measures", "整改类型": "track", "整改时限": "deadline", "整改目标": "goal",
    "责任领导": "leader", "责任人": "owner", "问题": "description", "措施": "measures",
    "类别": "category", "类型": "track", "时限": "deadline", "来源": "source", "目标": "goal",
    "层级": "level", "层面": "level",
}
_LABEL = re.compile(
    r"(?:^|(?<=[\s，,；;。.、!！]))(" + "|".join(map(re.escape, LABELS)) + r")\s*[:：]\s*"
)
# A message that opens with a label is a one-message filing, not chat.
# The limits of what one field holds, the same in the guided steps.
MAX_TEXT = 2000
MAX_NAME = 100
MAX_MEASURES = 20
# The label a field is shown under when it is refused.
LABEL_OF = {"description": "问题描述", "goal": "整改目标", "owner": "责任人", "leader": "责任领导",
            "measures": "整改措施"}
_LIMITED = (("description", "description", MAX_TEXT), ("goal", "goal", MAX_TEXT),
            ("owner", "owner_name", MAX_NAME), ("leader", "leader_name", MAX_NAME))
STARTS_LABELLED = re.compile(r"^\s*(问题描述|问题|措施|整改措施)\s*[:：]")
_TRIM = " \t\r\n，,；;。.、"

TRACK_WORDS = {"立行立改": Track.IMMEDIATE, "限期整改": Track.DEADLINE, "长期坚持": Track.ONGOING}
SOURCE_WORDS = {
    "自查": Source.SELF, "自查自纠": Source.SELF, "群众反映": Source.PUBLIC,
    "企业投诉": Source.BUSINESS, "暗访监督": Source.INSPECTION, "暗访": Source.INSPECTION,
    "上级督导": Source.SUPERVISION, "督导": Source.SUPERVISION,
    "巡视巡察反馈": Source.PATROL, "巡视": Source.PATROL, "巡察": Source.PATROL,
    "审计发现": Source.AUDIT, "审计": Source.AUDIT, "12345热线": Source.HOTLINE,
    "12345": Source.HOTLINE, "热线": Source.HOTLINE,
}
LEVEL_WORDS = {"领导班子": Level.LEADERSHIP, "班子成员": Level.TEAM_MEMBER,
               "干部个人": Level.INDIVIDUAL, "个人": Level.INDIVIDUAL,
               "单位（科室）": Level.UNIT, "科室": Level.UNIT, "单位": Level.UNIT,
               "行业": Level.SECTOR}


@dataclass
class Parsed:
    draft: Draft
    # Text keys (with parameters) telling the person what could not be read.
    problems: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def split_fields(text: str) -> dict[str, str]:
    """Cut labelled text into {field: value}; unlabelled text before any label is the problem."""
    found = list(_LABEL.finditer(text))
    fields: dict[str, str] = {}
    head = text[: found[0].start()] if found else text
    if head.strip(_TRIM):
        fields["description"] = head.strip(_TRIM)
    for i, match in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(text)
        value = text[match.end():end].strip(_TRIM)
        name = LABELS[match.group(1)]
        if value:
            fields[name] = f"{fields[name]}；{value}" if name in fields else value
    return fields


def parse_message(text: str, *, now: dt.datetime, categories: Sequence[str],
                  calendar: WorkdayCalendar | None = None) -> Parsed:
    """Turn one message into a draft; what cannot be read is left empty and reported."""
    fields = split_fields(text)
    parsed = Parsed(Draft())
    values: dict[str, Any] = {}
    # Nothing is cut without a word: a field over its limit is left out and the person told.
    for name, key, limit in _LIMITED:
        if name in fields:
            if len(fields[name]) > limit:
                parsed.problems.append(("quick.too_long", {"field": LABEL_OF[name],
                                                           "max": limit}))
            else:
                values[key] = fields[name]
    if "measures" in fields:
        kept = tuple(split_measures(fields["measures"]))
        if len(kept) > MAX_MEASURES:
            parsed.problems.append(("quick.too_many_measures", {"max": MAX_MEASURES,
                                                                "count": len(kept)}))
        elif any(len(m) > MAX_TEXT for m in kept):
            parsed.problems.append(("quick.too_long", {"field": LABEL_OF["measures"],
                                                       "max": MAX_TEXT}))
        else:
            values["measures"] = kept
    if "category" in fields:
        category = _match_category(fields["category"], categories)
        if category is None:
            parsed.problems.append(("quick.bad_category", {"value": fields["category"]}))
        values["category"] = category
    if "track" in fields:
        track = TRACK_WORDS.get(fields["track"])
        if track is None:
            parsed.problems.append(("quick.bad_track", {"value": fields["track"]}))
        values["track"] = track.value if track else None
    if "source" in fields:
        source = SOURCE_WORDS.get(fields["source"])
        if source is None:
            parsed.problems.append(("quick.bad_source", {"value": fields["source"]}))
        values["source"] = source.value if source else None
    if "level" in fields and fields["level"] in LEVEL_WORDS:
        values["level"] = LEVEL_WORDS[fields["level"]].value
    if "deadline" in fields:
        when = parse_when(fields["deadline"], now, calendar=calendar)
        if when is None:
            parsed.problems.append(("quick.bad_deadline", {"value": fields["deadline"]}))
        elif when <= now:
            parsed.problems.append(("quick.past_deadline", {"value": fields["deadline"]}))
        else:
            values["deadline"] = when.isoformat()
            # A stated deadline with no track named is the ordinary 限期整改.
            values.setdefault("track", Track.DEADLINE.value)
    # A one-message filing is usually the cadre's own finding; the card shows it and can change it.
    values.setdefault("source", Source.SELF.value)
    if values.get("track") is None:
        values.pop("track", None)
    parsed.draft = Draft(**values)
    return parsed


def _match_category(value: str, categories: Sequence[str]) -> str | None:
    value = value.strip()
    # ASCII digits only: int() refuses ² and numbers of thousands of digits.
    if value.isascii() and value.isdigit() and len(value) <= 3 and 1 <= int(value) <= len(
            categories):
        return categories[int(value) - 1]
    exact = [c for c in categories if c == value]
    partial = [c for c in categories if value in c or c in value]
    candidates = exact or partial
    return candidates[0] if len(candidates) == 1 else None
