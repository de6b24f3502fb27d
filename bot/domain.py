"""The campaign's vocabulary as enums: shared by handlers, services and storage (stdlib only)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


def problem_number(unit_code: str, seq: int) -> str:
    """An item's number in its unit's ledger: EDU-0001."""
    return f"{unit_code}-{seq:04d}"


class Role(enum.StrEnum):
    OFFICE = "office"  # 市委领导小组办公室
    LEADER = "leader"  # 责任领导
    LIAISON = "liaison"  # 联络员
    MEMBER = "member"  # 干部职工
    INSPECTOR = "inspector"  # 督导组: files 暗访监督 findings into any unit's ledger


class Status(enum.StrEnum):
    PENDING = "pending"  # 待整改
    IN_PROGRESS = "in_progress"  # 整改中
    AWAITING_SIGNOFF = "awaiting_signoff"  # 已整改（待销号）
    SIGNED_OFF = "signed_off"  # 已销号


# Items still being worked on: the ones deadlines, nudges and overdue counts are about.
OPEN = (Status.PENDING, Status.IN_PROGRESS)


class Track(enum.StrEnum):
    IMMEDIATE = "immediate"  # 立行立改
    DEADLINE = "deadline"  # 限期整改
    ONGOING = "ongoing"  # 长期坚持


class Level(enum.StrEnum):
    """层面: whose problem it is, in the order filing offers them."""

    LEADERSHIP = "leadership"  # 领导班子
    TEAM_MEMBER = "team_member"  # 班子成员
    INDIVIDUAL = "individual"  # 干部个人
    UNIT = "unit"  # 单位（科室）
    SECTOR = "sector"  # 行业


class Source(enum.StrEnum):
    SELF = "self"  # 自查自纠
    PUBLIC = "public"  # 群众反映
    BUSINESS = "business"  # 企业投诉
    INSPECTION = "inspection"  # 暗访监督
    SUPERVISION = "supervision"  # 上级督导
    PATROL = "patrol"  # 巡视巡察反馈
    AUDIT = "audit"  # 审计发现
    HOTLINE = "hotline"  # 12345热线


class EventKind(enum.StrEnum):
    FILED = "filed"
    PROGRESS = "progress"
    DONE = "done"
    APPROVED = "approved"
    REJECTED = "rejected"
    EDITED = "edited"
    EXTENSION_ASKED = "extension_asked"  # 申请延期
    EXTENDED = "extended"  # 延期获批
    EXTENSION_DECLINED = "extension_declined"  # 延期未获批
    REOPENED = "reopened"  # 复号: the complainant was not satisfied with a signed-off item
    LADDER_BLUE = "ladder_blue"  # 蓝色预警: the deadline is near
    LADDER_YELLOW = "ladder_yellow"  # 黄色预警: nothing moved for a while
    LADDER_RED = "ladder_red"  # 红色预警: overdue
    LADDER_CLEAR = "ladder_clear"  # back to no colour (progress, a later deadline)
    SUPERVISED = "supervised"  # 黄牌督办 / 红牌督办 marked by the office
    UNSUPERVISED = "unsupervised"  # 督办 mark removed by the office
    WITHDRAWN = "withdrawn"  # 撤回: filed by mistake; only in the kept copy and the audit


class Colour(enum.StrEnum):
    """The colour ladder of an open item, each step telling more people (蓝 → 黄 → 红)."""

    BLUE = "blue"
    YELLOW = "yellow"
    RED = "red"

    @property
    def rank(self) -> int:
        return LADDER_ORDER.index(self) + 1


LADDER_ORDER = (Colour.BLUE, Colour.YELLOW, Colour.RED)
# The event that records an item reaching each colour (None: no colour any more).
LADDER_EVENTS = {Colour.BLUE: EventKind.LADDER_BLUE, Colour.YELLOW: EventKind.LADDER_YELLOW,
                 Colour.RED: EventKind.LADDER_RED, None: EventKind.LADDER_CLEAR}


class Supervision(enum.StrEnum):
    """The office's 督办 mark on an item."""

    YELLOW = "yellow"  # 黄牌督办
    RED = "red"  # 红牌督办


class ExtensionState(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


class CaseState(enum.StrEnum):
    NEW = "new"  # 待处理
    TRANSFERRED = "transferred"  # 转办: became a ledger item of the unit concerned
    MERGED = "merged"  # 合并: joined to an item already in the ledger
    REFUSED = "refused"  # 不予受理, with a reason the complainant sees


class Rating(enum.StrEnum):
    VERY_SATISFIED = "very_satisfied"  # 非常满意
    SATISFIED = "satisfied"  # 满意
    FAIRLY_SATISFIED = "fairly_satisfied"  # 基本满意
    DISSATISFIED = "dissatisfied"  # 不满意
    VERY_DISSATISFIED = "very_dissatisfied"  # 非常不满意


# Ratings that count as satisfied in 满意率; the other two reopen the item (复号).
SATISFIED = (Rating.VERY_SATISFIED, Rating.SATISFIED, Rating.FAIRLY_SATISFIED)


class MeetingState(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class Answer(enum.StrEnum):
    PENDING = "pending"  # 未确认
    ATTEND = "attend"  # 参加
    DECLINE = "decline"  # 请假


class LeaveKind(enum.StrEnum):
    PERSONAL = "personal"  # 事假
    SICK = "sick"  # 病假
    ANNUAL = "annual"  # 年休假
    BUSINESS = "business"  # 公出
    OTHER = "other"  # 其他


class LeaveState(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"  # 撤回, before it started


class NoteState(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a sender; left behind only by a crash mid-send
    SENT = "sent"
    SUMMARISED = "summarised"  # too late after downtime; folded into one summary message
    FAILED = "failed"
    CANCELLED = "cancelled"


class InboxState(enum.StrEnum):
    TAKEN = "taken"  # recorded and being handled by the instance that took it
    DONE = "done"
    DROPPED = "dropped"  # never handled: forged, malformed, or one person's flood


class NoteKind(enum.StrEnum):
    """Every kind of message the bot sends on its own initiative; each has one renderer."""

    DEADLINE_BEFORE = "deadline.before"
    DEADLINE_TODAY = "deadline.today"
    DEADLINE_OVERDUE = "deadline.overdue"
    DEADLINE_ESCALATE = "deadline.escalate"
    DEADLINE_ESCALATE_OFFICE = "deadline.escalate_office"
    ONGOING_CHECKIN = "ongoing.checkin"
    SIGNOFF_REQUEST = "signoff.request"
    SIGNOFF_APPROVED = "signoff.approved"
    SIGNOFF_REJECTED = "signoff.rejected"
    SIGNOFF_REMIND = "signoff.remind"
    NEW_PROBLEMS = "unit.new_problems"
    EXTENSION_REQUEST = "extension.request"
    EXTENSION_DECIDED = "extension.decided"
    CHAT_UNREACHABLE = "chat.unreachable"
    NOTIFY_FAILED = "notify.failed"
    REMINDER = "remind.personal"
    OFFICE_HOURS = "office.hours"
    CALENDAR_MISSING = "office.calendar"
    MEETING_NOTICE = "meeting.notice"
    MEETING_REMINDER = "meeting.reminder"
    MEETING_MOVED = "meeting.moved"
    MEETING_CANCELLED = "meeting.cancelled"
    LEAVE_REQUEST = "leave.request"
    LEAVE_DECIDED = "leave.decided"
    LEAVE_NUDGE = "leave.nudge"
    LEAVE_RETURNED = "leave.returned"
    DIGEST_UNIT = "digest.unit"
    DIGEST_PRIVATE = "digest.private"
    DIGEST_CITY = "digest.city"
    CAMPAIGN_PHASE = "campaign.phase"
    CAMPAIGN_END = "campaign.end"
    CASE_REOPENED = "case.reopened"
    CASE_HANDED = "case.handed"  # 转办: the unit is asked to 签收
    CASE_ACK_REMIND = "case.ack_remind"
    CASE_ACK_OVERDUE = "case.ack_overdue"  # not 签收 in time: the office is told
    CASE_RATE_ASK = "case.rate_ask"  # a /complain complainant asked to rate a sign-off
    LADDER_STEP = "ladder.step"
    SUPERVISION_MARK = "supervision.mark"
    ROUND_ASK = "round.ask"  # 进展报送: an owner asked for a line on his open items
    ROUND_MISSING = "round.missing"  # 未报送 list to a unit's leaders and liaisons


@dataclass
class DialogState:
    """A conversation in progress: its flow, its step and the draft so far."""

    flow: str
    state: int
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DialogRef:
    """One person's conversation in one chat, at the step a use case expects it to be."""

    chat_id: int
    user_id: int
    flow: str
    state: int | None = None  # None: at any step
