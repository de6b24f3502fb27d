"""Every chat action against every role, through the bot, judged by what actually happened."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Awaitable, Callable
from itertools import count as counter

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from bot.bootstrap import Services
from bot.domain import Answer, LeaveState, MeetingState, Role, Source, Status, Supervision
from bot.permissions import ALLOWED, can
from tests.chat import Chat, join
from tests.figures import count, table
from tests.permission_matrix import AS_ROLE, MATRIX, ROLES, Row
from tests.test_forged_updates import (
    LEADER,
    LIAISON,
    MEMBER,
    OFFICE,
    OTHER_LEADER,
    OUTSIDER,
    OWNER,
    assert_clean,
    awaiting_item,
    build_org,
    db_url,  # noqa: F401 -- the SQLite-only database fixture
    edu_meeting,
    file_item,
    leave_request,
    press,
)

INSPECTOR = 903
ACTOR = {"outsider": OUTSIDER, "other_unit": OTHER_LEADER, "member": MEMBER,
         "liaison": LIAISON, "leader": LEADER, "office": OFFICE, "inspector": INSPECTOR}
_groups = counter(1)

Probe = Callable[[Chat, Services, int], Awaitable[bool]]


def _number(services: Services, item: int) -> str:
    problem = services.ledger.peek(item)
    assert problem is not None
    return problem.number


def _shown(replies: list[object]) -> str:
    return "\n".join(getattr(m, "shown_text", "") for m in replies)


async def _tap_through(chat: Chat, user: int, labels: tuple[str, ...], steps: int = 6) -> None:
    """Tap whichever of these buttons the newest message offers, until none is offered."""
    for _ in range(steps):
        last = chat.sandbox.last(user)
        offered = [text_ for row in chat.sandbox.buttons(last) for text_, _ in row]
        label = next((x for x in labels if x in offered), None)
        if label is None:
            return
        await chat.click(user, label, message=last)


def _rows(services: Services, sql: str, **params: object) -> list[tuple[object, ...]]:
    with services.db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


# -- one probe per action: do it as `user`; True when the effect is there ------------------------


async def file(chat: Chat, org: Services, user: int) -> bool:
    before = {row.id for row in org.ledger.rows()}
    await chat.send(user, "/file 问题：空调长开 措施：安装定时器 类别：1 层级：个人 时限：下周五前")
    await _tap_through(chat, user, ("跳过", "我自己", "确认"))
    return any(row.created_by == user for row in org.ledger.rows() if row.id not in before)


async def my_items(chat: Chat, org: Services, user: int) -> bool:
    own = file_item(org, user) if org.membership.identify(user).unit else None
    replies = await chat.send(user, "/my")
    return own is not None and _number(org, own) in _shown(replies)


async def view_item(chat: Chat, org: Services, user: int) -> bool:
    item = file_item(org, description=f"他人的问题{user}")
    replies = await chat.send(user, f"/item {_number(org, item)}")
    return f"他人的问题{user}" in _shown(replies)


async def view_unit_ledger(chat: Chat, org: Services, user: int) -> bool:
    number = _number(org, file_item(org))
    return number in _shown(await chat.send(user, "/ledger"))


async def view_all_units(chat: Chat, org: Services, user: int) -> bool:
    # Ever nearer deadlines put the newest items on the first page of the list.
    days = 60 - next(_groups)
    edu = _number(org, file_item(org, days=days))
    fin = _number(org, file_item(org, OTHER_LEADER, days=days))
    shown = _shown(await chat.send(user, "/ledger"))
    return edu in shown and fin in shown


def _exported(replies: list[object]) -> str:
    cells = []
    for m in replies:
        document = getattr(m, "document", None)
        if document:
            for sheet in load_workbook(io.BytesIO(document[1])).worksheets:
                cells += [str(c.value) for row in sheet.iter_rows() for c in row]
    return "\n".join(cells)


async def export_unit(chat: Chat, org: Services, user: int) -> bool:
    number = _number(org, file_item(org))
    return number in _exported(await chat.send(user, "/export"))


async def export_all(chat: Chat, org: Services, user: int) -> bool:
    edu, fin = _number(org, file_item(org)), _number(org, file_item(org, OTHER_LEADER))
    cells = _exported(await chat.send(user, "/export"))
    return edu in cells and fin in cells


def _invites(org: Services, unit: str, role: str) -> int:
    return len(_rows(org, "SELECT i.id FROM invites i JOIN units u ON u.id = i.unit_id "
                          "WHERE u.code = :unit AND i.role = :role", unit=unit, role=role))


def _invite(unit: str, role: str) -> Probe:
    async def probe(chat: Chat, org: Services, user: int) -> bool:
        before = _invites(org, unit, role)
        await chat.send(user, f"/invite {unit} {role}")
        return _invites(org, unit, role) > before
    return probe


async def bind_group(chat: Chat, org: Services, user: int) -> bool:
    group = -100_500_000 - next(_groups)
    chat.sandbox.add_group(group, "工作群", admins=[user])
    await chat.send(user, "/bindgroup EDU", chat_id=group)
    return bool(_rows(org, "SELECT g.chat_id FROM group_chats g JOIN units u ON u.id = g.unit_id "
                           "WHERE g.chat_id = :chat AND u.code = 'EDU'", chat=group))


async def update_progress(chat: Chat, org: Services, user: int) -> bool:
    item = file_item(org)
    await press(chat, user, f"item:progress:{item}")
    await chat.send(user, "已督促整改")
    return org.ledger.peek(item).status == Status.IN_PROGRESS  # type: ignore[union-attr]


async def mark_done(chat: Chat, org: Services, user: int) -> bool:
    item = file_item(org)
    await press(chat, user, f"item:done:{item}")
    await chat.send(user, "已整改到位")
    return org.ledger.peek(item).status == Status.AWAITING_SIGNOFF  # type: ignore[union-attr]


async def approve(chat: Chat, org: Services, user: int) -> bool:
    item = awaiting_item(org)
    await press(chat, user, f"item:approve:{item}")
    return org.ledger.peek(item).status == Status.SIGNED_OFF  # type: ignore[union-attr]


async def reject(chat: Chat, org: Services, user: int) -> bool:
    item = awaiting_item(org)
    await press(chat, user, f"item:reject:{item}")
    await chat.send(user, "佐证不足")
    await chat.send(user, "下周三")
    problem = org.ledger.peek(item)
    assert problem is not None
    return problem.status == Status.IN_PROGRESS and problem.rework_count == 1


async def supervise(chat: Chat, org: Services, user: int) -> bool:
    item = file_item(org)
    await press(chat, user, f"sup:mark:{item}:r")
    await chat.send(user, "请三日内报送整改方案")
    return org.ledger.peek(item).supervision is not None  # type: ignore[union-attr]


async def unsupervise(chat: Chat, org: Services, user: int) -> bool:
    item = file_item(org)
    org.supervision.mark(item, by=org.membership.identify(OFFICE), by_name="办公室",
                         mark=Supervision.YELLOW, note="进度偏慢")
    await press(chat, user, f"sup:unmark:{item}")
    return org.ledger.peek(item).supervision is None  # type: ignore[union-attr]


async def set_rounds(chat: Chat, org: Services, user: int) -> bool:
    await chat.send(user, "/rounds 每周五16:00前报进展")
    return bool(_rows(org, "SELECT id FROM progress_rounds WHERE set_by = :user", user=user))


async def see_scores(chat: Chat, org: Services, user: int) -> bool:
    file_item(org)
    return "考核得分" in _shown(await chat.send(user, "/stats"))


async def call_meeting(chat: Chat, org: Services, user: int) -> bool:
    await chat.send(user, "/meeting")
    for step in ("推进会", "下周一上午10点", "三楼会议室"):
        await chat.send(user, step)
    await _tap_through(chat, user, ("全单位", "确认"))
    return bool(_rows(org, "SELECT id FROM meetings WHERE organiser_id = :user", user=user))


async def answer_meeting(chat: Chat, org: Services, user: int) -> bool:
    meeting = edu_meeting(org)
    await press(chat, user, f"meet:yes:{meeting}")
    mine = org.meetings.get(meeting).attendee(user)  # type: ignore[union-attr]
    return mine is not None and mine.answer == Answer.ATTEND


async def meeting_roll(chat: Chat, org: Services, user: int) -> bool:
    meeting = edu_meeting(org)
    pressed = await press(chat, user, f"meet:who:{meeting}")
    return "未确认（" in pressed.told


async def cancel_meeting(chat: Chat, org: Services, user: int) -> bool:
    meeting = edu_meeting(org)
    await press(chat, user, f"meet:cancel_yes:{meeting}")
    return org.meetings.get(meeting).state == MeetingState.CANCELLED  # type: ignore[union-attr]


async def request_leave(chat: Chat, org: Services, user: int) -> bool:
    await chat.send(user, "/leave")
    await _tap_through(chat, user, ("事假",))
    await chat.send(user, "明天到后天")
    await chat.send(user, "家中有事")
    await _tap_through(chat, user, ("提交",))
    return bool(_rows(org, "SELECT id FROM leave_requests WHERE user_id = :user", user=user))


async def approve_leave(chat: Chat, org: Services, user: int) -> bool:
    # One request at a time: the same days asked again would overlap the last role's.
    owner = org.membership.identify(OWNER)
    for earlier in org.leave.mine(owner):
        org.leave.withdraw(earlier.id, by=owner)
    request = leave_request(org)
    await press(chat, user, f"leave:ok:{request}")
    return org.leave.get(request).state == LeaveState.APPROVED  # type: ignore[union-attr]


async def set_office_hours(chat: Chat, org: Services, user: int) -> bool:
    unit = org.membership.identify(user).unit
    with org.db.engine.begin() as conn:  # another role of the same unit may have set them
        conn.execute(text("UPDATE units SET office_hours = NULL"))
    await chat.send(user, "/officehours 08:10 17:40")
    hours = _rows(org, "SELECT office_hours FROM units WHERE id = :id", id=unit.id if unit else -1)
    return bool(hours) and "08:10" in str(hours[0][0])


async def stats_unit(chat: Chat, org: Services, user: int) -> bool:
    shown = _shown(await chat.send(user, "/stats EDU"))
    return "市教育局" in shown and "您只能查看本单位" not in shown


async def stats_city(chat: Chat, org: Services, user: int) -> bool:
    replies = await chat.send(user, "/stats")
    return any(getattr(m, "photo", None) for m in replies) and "市财政局" in _shown(replies)


async def delete_others_reminder(chat: Chat, org: Services, user: int) -> bool:
    await chat.send(OWNER, "/remind 明天上午9点 交材料")
    before = {r.id for r in org.reminders.pending(OWNER)}
    await press(chat, user, f"rem:del:{max(before)}")
    return {r.id for r in org.reminders.pending(OWNER)} != before


async def complain(chat: Chat, org: Services, user: int) -> bool:
    await chat.send(user, "/complain")
    for step in ("EDU", "1", f"窗口无人{user}", "匿名"):
        await chat.send(user, step)
    return bool(_rows(org, "SELECT id FROM cases WHERE channel = :c", c=f"chat:{user}"))


def _case(org: Services, text: str, *, handed: bool = False) -> int:
    """A case about EDU, straight through the service; handed over (转办) if asked."""
    edu = org.membership.find_unit("EDU")
    assert edu is not None
    org.cases.submit(unit_id=edu.id, kind="public", text=text)
    office = org.membership.identify(OFFICE)
    case = next(c for c in org.cases.pending(by=office) if c.text == text)
    if handed:
        org.cases.transfer(case.id, by=office, by_name="周主任",
                           deadline=org.clock.now() + dt.timedelta(days=9))
    return case.id


async def triage_cases(chat: Chat, org: Services, user: int) -> bool:
    case = _case(org, f"待处理的反映{next(_groups)}")
    await chat.send(user, "/cases")
    await press(chat, user, f"case:no:{case}")
    await chat.send(user, "不属于受理范围")
    return bool(_rows(org, "SELECT id FROM cases WHERE id = :id AND state = 'refused'", id=case))


async def ack_case(chat: Chat, org: Services, user: int) -> bool:
    case = _case(org, f"转办的反映{next(_groups)}", handed=True)
    await press(chat, user, f"case:ack:{case}")
    return bool(_rows(org, "SELECT id FROM cases WHERE id = :id AND acked_by = :user",
                      id=case, user=user))


async def inspect(chat: Chat, org: Services, user: int) -> bool:
    before = {row.id for row in org.ledger.rows()}
    await chat.send(user, "/inspect")
    for step in ("EDU", "1", "暗访发现窗口无人", "完成", "下周五"):
        await chat.send(user, step)
    return any(row.source == Source.INSPECTION for row in org.ledger.rows()
               if row.id not in before)


PROBES: dict[str, Probe] = {
    "file": file, "my_items": my_items, "view_item": view_item,
    "view_unit_ledger": view_unit_ledger, "view_all_units": view_all_units,
    "export_unit": export_unit, "export_all": export_all,
    "invite_member": _invite("EDU", "member"), "invite_liaison": _invite("EDU", "liaison"),
    "invite_leader": _invite("EDU", "leader"), "invite_office": _invite("CITY", "office"),
    "bind_group": bind_group, "update_progress": update_progress, "mark_done": mark_done,
    "approve": approve, "reject": reject, "supervise": supervise, "unsupervise": unsupervise,
    "set_rounds": set_rounds, "see_scores": see_scores, "call_meeting": call_meeting,
    "answer_meeting": answer_meeting, "meeting_roll": meeting_roll,
    "cancel_meeting": cancel_meeting, "request_leave": request_leave,
    "approve_leave": approve_leave, "set_office_hours": set_office_hours,
    "stats_unit": stats_unit, "stats_city": stats_city,
    "delete_others_reminder": delete_others_reminder,
    "complain": complain, "triage_cases": triage_cases, "ack_case": ack_case,
    "inspect": inspect, "invite_inspector": _invite("CITY", "inspector"),
}


def test_every_action_has_a_probe_and_agrees_with_the_permission_table() -> None:
    assert set(PROBES) == {row.id for row in MATRIX}
    assert len({row.id for row in MATRIX}) == len(MATRIX)
    for row in MATRIX:
        if row.permission is None:
            continue
        for role, as_role in AS_ROLE.items():
            allowed = can(as_role, row.permission)
            assert (row.expected(role) == "allow") == allowed, (row.id, role, ALLOWED)


@pytest.mark.parametrize("row", MATRIX, ids=[row.id for row in MATRIX])
async def test_each_role_gets_what_the_matrix_says(chat: Chat, services: Services,
                                                  row: Row) -> None:
    build_org(services, chat)
    join(services, chat, "CITY", INSPECTOR, Role.INSPECTOR, "郑督导")
    for user in ACTOR.values():
        await chat.send(user, "/help")  # a message in every chat to press buttons on
    observed = {}
    for role in ROLES:
        user = ACTOR[role]
        calls = len(chat.sandbox.calls)
        allowed = await PROBES[row.id](chat, services, user)
        assert_clean(chat, chat.sandbox.calls[calls:])
        await chat.send(user, "/cancel")  # a refused step must not linger into the next probe
        observed[role] = "allow" if allowed else "deny"
        table("permissions", row.id, role, observed[role])
        count("permissions.pairs_checked")
    assert observed == {role: row.expected(role) for role in ROLES}
