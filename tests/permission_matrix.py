"""Who may do what in chat: every user-facing action against every role, as data.

The permission-matrix test drives each pair through the bot and compares the observed effect
with this table; the reliability report renders the same table into the docs. "Unit A" is the
unit whose items, meetings and requests the actions touch (市教育局 in the test).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain import Role
from bot.permissions import Action

ROLES: tuple[str, ...] = ("outsider", "other_unit", "member", "liaison", "leader", "office",
                          "inspector")

ROLE_NAMES: dict[str, tuple[str, str]] = {
    "outsider": ("未加入单位的人", "someone in no unit"),
    "other_unit": ("其他单位的责任领导", "a leader of another unit"),
    "member": ("本单位干部职工", "a cadre of unit A"),
    "liaison": ("本单位联络员", "the liaison of unit A"),
    "leader": ("本单位责任领导", "the leader of unit A"),
    "office": ("市委领导小组办公室", "the campaign office"),
    "inspector": ("督导组成员（属市委办公室）", "an inspector (督导组), of the office's unit"),
}

# The matrix roles that are roles of bot.permissions (outsider: no role at all).
AS_ROLE: dict[str, Role | None] = {
    "outsider": None, "member": Role.MEMBER, "liaison": Role.LIAISON, "leader": Role.LEADER,
    "office": Role.OFFICE, "inspector": Role.INSPECTOR,
}


@dataclass(frozen=True)
class Row:
    """One action: its id, a short description in both languages, who may take it."""

    id: str
    zh: str
    en: str
    allowed: frozenset[str]
    # The bot.permissions action this row must agree with, where there is one.
    permission: Action | None = None

    def expected(self, role: str) -> str:
        return "allow" if role in self.allowed else "deny"


def _row(id: str, zh: str, en: str, allowed: str, permission: Action | None = None) -> Row:
    roles = frozenset(allowed.split())
    assert roles <= set(ROLES), roles - set(ROLES)
    return Row(id, zh, en, roles, permission)


_UNIT = "member liaison leader office"
_ADMINS = "liaison leader office"
_OWN_UNIT = "other_unit member liaison leader office inspector"  # within one's own unit

MATRIX: tuple[Row, ...] = (
    _row("file", "在本单位登记问题（/file）", "File a problem in one's own unit (/file)",
         _OWN_UNIT, Action.FILE),
    _row("my_items", "查看自己的问题（/my）", "List one's own items (/my)", _OWN_UNIT),
    _row("view_item", "查看单位A他人的问题卡片（/item）",
         "Open another person's item card in unit A", _UNIT),
    _row("view_unit_ledger", "查看单位A的台账（/ledger）", "See unit A's ledger (/ledger)", _ADMINS,
         Action.VIEW_UNIT_LEDGER),
    _row("view_all_units", "查看全市台账（/ledger）", "See every unit's ledger (/ledger)", "office",
         Action.VIEW_ALL_UNITS),
    _row("export_unit", "导出单位A的台账（/export）", "Export unit A's ledger (/export)", _ADMINS,
         Action.EXPORT),
    _row("export_all", "导出全市台账（/export）", "Export every unit's ledger (/export)", "office",
         Action.VIEW_ALL_UNITS),
    _row("invite_member", "邀请干部职工加入单位A", "Invite a cadre to unit A", _ADMINS,
         Action.INVITE_MEMBER),
    _row("invite_liaison", "邀请联络员加入单位A", "Invite a liaison to unit A", "leader office",
         Action.INVITE_LIAISON),
    _row("invite_leader", "邀请责任领导加入单位A", "Invite a leader to unit A", "leader office",
         Action.INVITE_LEADER),
    _row("invite_office", "邀请办公室成员", "Invite a campaign-office member", "office",
         Action.INVITE_OFFICE),
    _row("bind_group", "把群绑定为单位A的工作群（/bindgroup）",
         "Bind a group to unit A (/bindgroup)", _ADMINS, Action.BIND_GROUP),
    _row("update_progress", "更新单位A他人问题的进展",
         "Add progress to another person's item in unit A", _ADMINS, Action.UPDATE_UNIT_ITEMS),
    _row("mark_done", "替他人报告完成（单位A）", "Report another person's item in unit A done",
         _ADMINS, Action.UPDATE_UNIT_ITEMS),
    _row("approve", "销号审核：通过", "Sign an item of unit A off", "leader office",
         Action.SIGN_OFF),
    _row("reject", "销号审核：驳回（回炉）", "Reject an item of unit A (rework)", "leader office",
         Action.SIGN_OFF),
    _row("supervise", "督办：给单位A的问题标记红牌", "Mark a unit A item for red-card supervision",
         "office", Action.SUPERVISE),
    _row("unsupervise", "督办：解除单位A问题的督办", "Lift the supervision of a unit A item",
         "office", Action.SUPERVISE),
    _row("set_rounds", "设置本单位进展报送（/rounds；办公室设置全部单位的）",
         "Set one's own unit's progress round (/rounds; the office: every unit's)",
         "other_unit liaison leader office", Action.SET_ROUNDS),
    _row("see_scores", "查看各单位考核得分及其构成（/stats）",
         "See the units' scores and what they are made of (/stats)", "office"),
    _row("call_meeting", "召集本单位会议（/meeting）", "Call a meeting of one's own unit",
         "other_unit liaison leader office"),
    _row("answer_meeting", "答复单位A会议通知（参加；联络员召集，通知干部和领导）",
         "Answer a unit A meeting notice (called by the liaison, sent to the cadre and leader)",
         "member leader"),
    _row("meeting_roll", "查看会议未确认名单（召集人或办公室）",
         "See who has not answered a unit A meeting (its organiser or the office)",
         "liaison office"),
    _row("cancel_meeting", "取消单位A的会议（召集人或办公室）",
         "Call off a unit A meeting (its organiser or the office)", "liaison office"),
    _row("request_leave", "请假（/leave）", "Ask for leave (/leave)", _OWN_UNIT),
    _row("approve_leave", "审批单位A人员的请假", "Approve leave of a unit A cadre",
         "leader office"),
    _row("set_office_hours", "设置本单位上下班时间（/officehours）",
         "Set one's own unit's office hours", "other_unit liaison leader office"),
    _row("stats_unit", "查看单位A的统计（/stats）", "See unit A's figures (/stats)", _UNIT),
    _row("stats_city", "查看全市统计与图表（/stats）", "See the city's figures and chart (/stats)",
         "office"),
    _row("delete_others_reminder", "删除他人的提醒", "Delete another person's reminder", ""),
    # The public's cases and the 督导组.
    _row("complain", "反映问题（/complain，群众反映 / 企业投诉）",
         "Report a problem as the public (/complain)", f"outsider {_OWN_UNIT}"),
    _row("triage_cases", "处理群众反映（/cases：转办 / 不予受理）",
         "Triage the public's cases (/cases)", "office"),
    _row("ack_case", "签收转办给单位A的群众反映", "Acknowledge a case handed to unit A",
         "liaison leader"),
    _row("inspect", "登记暗访监督发现的问题到单位A（/inspect）",
         "File an inspection finding into unit A's ledger (/inspect)", "office inspector",
         Action.INSPECT),
    _row("invite_inspector", "邀请督导组成员", "Invite an inspector (督导组)", "office",
         Action.INVITE_INSPECTOR),
)
