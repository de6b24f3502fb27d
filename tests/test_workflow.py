"""Progress, completion, sign-off, rejection (回炉) and who may do each, through the bot."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.bootstrap import Services
from bot.domain import EventKind, Role, Status
from bot.errors import DomainError
from bot.services.problem import Draft
from tests.chat import Chat, join

CADRE, LEADER, LIAISON, OTHER_LEADER, OTHER_CADRE, OFFICE = 31, 32, 33, 34, 35, 900


def _file(services: Services, owner: int = CADRE, deadline_days: int = 6) -> int:
    who = services.membership.identify(owner)
    now = services.clock.now()
    draft = Draft(category="履职尽责缺位", source="self", description="窗口午休无人值守",
                  measures=("安排轮值",), track="deadline", owner_name="张三",
                  owner_user_id=owner, leader_name="李局长", leader_user_id=LEADER,
                  deadline=(now + dt.timedelta(days=deadline_days)).isoformat())
    return services.ledger.file(draft, by=who, by_name="张三").id


@pytest.fixture
def org(services: Services, chat: Chat) -> Services:
    services.membership.add_unit("市教育局", code="EDU")
    services.membership.add_unit("市财政局", code="FIN")
    join(services, chat, "EDU", CADRE, Role.MEMBER, "张三")
    join(services, chat, "EDU", LEADER, Role.LEADER, "李局长")
    join(services, chat, "EDU", LIAISON, Role.LIAISON, "王联络")
    join(services, chat, "FIN", OTHER_LEADER, Role.LEADER, "赵局长")
    join(services, chat, "FIN", OTHER_CADRE, Role.MEMBER, "钱干部")
    chat.sandbox.add_user(OFFICE, "办公室")
    return services


async def test_progress_done_and_sign_off(chat: Chat, org: Services) -> None:
    item = _file(org)
    [listing] = await chat.send(CADRE, "/my")
    assert "EDU-0001" in (listing.text or "") and "待整改" in (listing.text or "")
    [card] = await chat.click(CADRE, "EDU-0001")
    assert "变更记录" in (card.text or "") and "登记" in (card.text or "")
    await chat.click(CADRE, "更新进展")
    [saved] = await chat.send(CADRE, "已排出轮值表", photo=True)
    assert "整改中" in (saved.text or "")
    await chat.click(CADRE, "报告完成", message=card)
    [done] = await chat.send(CADRE, "午间已有人值守，值班电话已公示")
    assert "等待责任领导审核" in (done.text or "")
    request = chat.sandbox.last(LEADER)
    assert "销号审核" in (request.text or "") and "值班电话已公示" in (request.text or "")
    [approved] = await chat.click(LEADER, "通过")
    assert "已销号" in (approved.text or "")
    assert "已销号" in chat.last_text(CADRE)
    problem, history = org.ledger.get(item, by=org.membership.identify(LEADER))
    assert problem.status == Status.SIGNED_OFF and problem.reviewer_name == "李局长"
    assert len(problem.evidence) == 1
    assert [e.kind for e in history] == [EventKind.FILED, EventKind.PROGRESS, EventKind.DONE,
                                         EventKind.APPROVED]
    assert [e.to_status for e in history] == [Status.PENDING, Status.IN_PROGRESS,
                                              Status.AWAITING_SIGNOFF, Status.SIGNED_OFF]


async def test_reject_needs_a_reason_and_new_deadline_and_counts_rework(
    chat: Chat, org: Services
) -> None:
    item = _file(org)
    org.ledger.report_done(item, by=org.membership.identify(CADRE), by_name="张三",
                           completion="已改")
    [card] = await chat.send(LEADER, "/item EDU-0001")
    await chat.click(LEADER, "驳回", message=card)
    [ask_deadline] = await chat.send(LEADER, "佐证不足，请补充值班记录")
    assert "新的整改时限" in (ask_deadline.text or "")
    [unreadable] = await chat.send(LEADER, "改天吧")
    assert "没看懂" in (unreadable.text or "")
    [rejected] = await chat.send(LEADER, "下周三")
    assert "第1次回炉" in (rejected.text or "")
    assert "2026年12月2日 周三 23:59" in (rejected.text or "")
    assert "佐证不足" in chat.last_text(CADRE)
    problem, history = org.ledger.get(item, by=org.membership.identify(CADRE))
    assert (problem.status, problem.rework_count) == (Status.IN_PROGRESS, 1)
    assert history[-1].kind == EventKind.REJECTED and history[-1].note == "佐证不足，请补充值班记录"


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [(CADRE, False), (LIAISON, False), (OTHER_LEADER, False), (LEADER, True), (OFFICE, True)],
)
async def test_who_may_sign_off(chat: Chat, org: Services, actor: int, allowed: bool) -> None:
    item = _file(org)
    org.ledger.report_done(item, by=org.membership.identify(CADRE), by_name="张三",
                           completion="已改")
    who = org.membership.identify(actor)
    if allowed:
        assert org.ledger.approve(item, by=who, by_name="x").status == Status.SIGNED_OFF
    else:
        with pytest.raises(DomainError) as info:
            org.ledger.approve(item, by=who, by_name="x")
        assert info.value.key in ("signoff.denied", "item.unknown")


async def test_another_unit_cannot_see_or_touch_an_item(chat: Chat, org: Services) -> None:
    item = _file(org)
    [answer] = await chat.send(OTHER_LEADER, "/item EDU-0001")
    assert "找不到这个问题" in (answer.text or "")
    with pytest.raises(DomainError):
        org.ledger.add_progress(item, by=org.membership.identify(OTHER_CADRE), by_name="钱",
                                text="x")
    [listing] = await chat.send(OTHER_CADRE, "/my")
    assert "EDU-0001" not in (listing.text or "")


async def test_members_update_only_their_own_items(chat: Chat, org: Services) -> None:
    join(org, chat, "EDU", 36, Role.MEMBER, "孙干部")
    item = _file(org)
    with pytest.raises(DomainError) as info:
        org.ledger.add_progress(item, by=org.membership.identify(36), by_name="孙", text="x")
    assert info.value.key == "item.not_yours"
    assert org.ledger.add_progress(item, by=org.membership.identify(LIAISON), by_name="王",
                                   text="督促中").status == Status.IN_PROGRESS


async def test_unit_ledger_pages_and_filters(chat: Chat, org: Services) -> None:
    for days in range(1, 12):
        _file(org, deadline_days=days)
    org.clock.advance(days=3)  # type: ignore[attr-defined]
    [page1] = await chat.send(LEADER, "/ledger")
    assert "共11项（第1/2页）" in (page1.text or "")
    [page2] = await chat.click(LEADER, "▶")
    assert page2.edited and "第2/2页" in (page2.text or "")
    [overdue] = await chat.click(LEADER, "已超期")
    assert "共2项" in (overdue.text or "") and "（已超期）" in (overdue.text or "")
    [denied] = await chat.send(CADRE, "/ledger")
    assert "只有责任领导、联络员" in (denied.text or "")
    [everything] = await chat.send(OFFICE, "/ledger")
    assert "全市问题台账" in (everything.text or "")


async def test_export_in_chat_holds_exactly_the_filed_rows(chat: Chat, org: Services) -> None:
    import io

    from openpyxl import load_workbook

    from bot.reports.workbook import SHEET_COLUMNS

    first, second = _file(org), _file(org, deadline_days=10)
    cadre = org.membership.identify(CADRE)
    org.ledger.add_progress(second, by=cadre, by_name="张三", text="进行中")
    [_, document] = await chat.send(LIAISON, "/export")
    assert document.document is not None
    name, data = document.document
    assert name.startswith("问题台账_EDU_") and name.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    # Under the title and the 填报 line, the header; then the rows; then the colour legend.
    rows = [[c.value for c in row] for row in sheet.iter_rows()][2:-2]
    assert tuple(rows[0]) == SHEET_COLUMNS
    # Neither is due within ladder.blue_days yet nor stagnant: no 预警 colour.
    assert [(r[1], r[13], r[14]) for r in rows[1:]] == [("EDU-0001", "待整改", None),
                                                        ("EDU-0002", "整改中", None)]
    # Date cells hold the wall-clock time in the deployment's zone (Excel has no zones).
    deadlines = [r[12].strftime("%Y-%m-%d %H:%M") for r in rows[1:]]
    assert deadlines == ["2026-12-04 15:00", "2026-12-08 15:00"]
    assert first != second
    [denied] = await chat.send(CADRE, "/export")
    assert "只有责任领导、联络员" in (denied.text or "")
