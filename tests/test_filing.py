"""Filing through the conversation and in one message, with edits, cancel and a restart."""

from __future__ import annotations

import datetime as dt

from bot.bootstrap import Services
from bot.clock import FixedClock
from bot.config import Config
from bot.domain import Role, Status, Track
from sandbox import BotApiSandbox
from storage.db import Database
from tests.chat import Chat, running_bot

CADRE, LEADER = 21, 22


def _setup(services: Services, sandbox: BotApiSandbox | None = None) -> None:
    m = services.membership
    m.add_unit("市教育局", code="EDU")
    for user, role, name in ((CADRE, Role.MEMBER, "张三"), (LEADER, Role.LEADER, "李局长")):
        code = m.create_invite(unit="EDU", role=role, by=None).code
        m.redeem_invite(code, user_id=user, display_name=name, username=None)
        if sandbox is not None:
            sandbox.add_user(user, name)


async def walk_to_description(chat: Chat) -> None:
    """/file, then category, level and source by their buttons: the bot asks for the problem."""
    await chat.send(CADRE, "/file")
    await chat.click(CADRE, "履职尽责缺位")
    await chat.click(CADRE, "单位（科室）")
    await chat.click(CADRE, "群众反映")


async def walk_from_description_to_confirm(chat: Chat) -> None:
    """Two measures, 限期整改, 李局长, oneself, 下周五前: the bot shows the confirm card."""
    [more] = await chat.send(CADRE, "安排午间轮值\n公示值班电话")
    assert "已记录2条措施" in (more.text or "")
    await chat.click(CADRE, "措施已写完 ✅")
    await chat.click(CADRE, "限期整改 — 在规定时限内改好")
    await chat.click(CADRE, "李局长")
    await chat.click(CADRE, "我自己")
    # One message: the deadline as understood, then the card to confirm.
    [card] = await chat.send(CADRE, "下周五前")
    echo, rest = (card.text or "").split("\n\n", 1)
    assert echo == "整改时限：<b>2026年12月4日 周五 23:59</b>"
    assert "请核对登记内容" in rest


async def _walk_to_confirm(chat: Chat) -> None:
    await walk_to_description(chat)
    await chat.send(CADRE, "窗口工作人员午休时段无人值守")
    await walk_from_description_to_confirm(chat)


async def test_guided_filing_saves_only_on_confirm(chat: Chat, services: Services) -> None:
    _setup(services, chat.sandbox)
    await _walk_to_confirm(chat)
    card = chat.last_text(CADRE)
    for expected in ("履职尽责缺位", "单位", "群众反映", "窗口工作人员午休时段无人值守",
                     "1. 安排午间轮值", "2. 公示值班电话", "限期整改", "李局长", "张三",
                     "2026年12月4日 周五 23:59"):
        assert expected in card, expected
    assert services.ledger.rows() == []
    [saved] = await chat.click(CADRE, "确认")
    assert "EDU-0001" in (saved.text or "")
    [row] = services.ledger.rows()
    assert (row.category, row.track, row.status, row.owner_user_id, row.leader_user_id) == (
        "履职尽责缺位", Track.DEADLINE, Status.PENDING, CADRE, LEADER)
    assert row.measures == ("安排午间轮值", "公示值班电话")
    assert row.deadline == dt.datetime(2026, 12, 4, 15, 59, tzinfo=dt.UTC)


async def test_edit_a_field_from_the_card(chat: Chat, services: Services) -> None:
    _setup(services, chat.sandbox)
    await _walk_to_confirm(chat)
    await chat.click(CADRE, "改时限")
    [card] = await chat.send(CADRE, "12月31日")
    assert "2026年12月31日 周四 23:59" in (card.text or "")
    await chat.click(CADRE, "改描述")
    [card] = await chat.send(CADRE, "窗口午休无人值守，群众等候")
    assert "窗口午休无人值守，群众等候" in (card.text or "")
    await chat.click(CADRE, "确认")
    [row] = services.ledger.rows()
    assert row.description == "窗口午休无人值守，群众等候"
    assert row.deadline is not None and row.deadline.date() == dt.date(2026, 12, 31)


async def test_unreadable_or_past_deadline_is_asked_again(chat: Chat, services: Services) -> None:
    _setup(services, chat.sandbox)
    await _walk_to_confirm(chat)
    await chat.click(CADRE, "改时限")
    [bad] = await chat.send(CADRE, "2月30日")
    assert "没看懂" in (bad.text or "")
    [past] = await chat.send(CADRE, "今天上午9点")
    assert "已经过去" in (past.text or "")
    [echo] = await chat.send(CADRE, "3天后")
    assert "2026年12月1日 周二 23:59" in (echo.text or "")


async def test_cancel_drops_the_draft(chat: Chat, services: Services) -> None:
    _setup(services, chat.sandbox)
    await chat.send(CADRE, "/file")
    await chat.click(CADRE, "履职尽责缺位")
    [done] = await chat.send(CADRE, "/cancel")
    assert done.text == "已取消。"
    [after] = await chat.send(CADRE, "随便说点什么")
    # Back to the menu, not the filing step.
    assert (after.text or "").startswith("需要办理什么？")
    assert services.ledger.rows() == []


async def test_one_message_filing_asks_only_what_is_missing(
    chat: Chat, services: Services
) -> None:
    _setup(services, chat.sandbox)
    replies = await chat.send(
        CADRE, "问题：会议室空调长期开着 措施：安装定时器 责任人：张三 时限：下周五前")
    assert "问题类别" in (replies[-1].text or "")
    await chat.click(CADRE, "执行落实漂浮")
    await chat.click(CADRE, "跳过")  # level
    [leader_question] = chat.sandbox.sent(CADRE)[-1:]
    assert "责任领导" in (leader_question.text or "")
    [card] = await chat.click(CADRE, "跳过")
    text = card.text or ""
    assert "会议室空调长期开着" in text and "安装定时器" in text and "自查自纠" in text
    assert "2026年12月4日 周五 23:59" in text and "限期整改" in text
    await chat.click(CADRE, "确认")
    [row] = services.ledger.rows()
    assert row.owner_name == "张三" and row.category == "执行落实漂浮"


async def test_immediate_track_defaults_to_next_working_day(
    chat: Chat, services: Services
) -> None:
    _setup(services, chat.sandbox)
    await chat.send(CADRE, "/file 问题：办事指南过期 措施：更新指南")
    await chat.click(CADRE, "服务基层不优")
    await chat.click(CADRE, "跳过")
    await chat.click(CADRE, "立行立改 — 马上改，下一个工作日内完成")
    await chat.click(CADRE, "跳过")
    await chat.click(CADRE, "我自己")
    # Saturday 28 Nov 2026: the next working day is Monday 30 Nov.
    [card] = await chat.click(CADRE, "确定：2026年11月30日 周一 23:59")
    assert "2026年11月30日 周一 23:59" in (card.text or "")


async def test_ongoing_track_asks_for_a_check_in_period(chat: Chat, services: Services) -> None:
    _setup(services, chat.sandbox)
    await chat.send(CADRE, "/file 问题：学习制度坚持不够 措施：每周集中学习")
    await chat.click(CADRE, "持之以恒韧劲不足")
    await chat.click(CADRE, "干部个人")
    await chat.click(CADRE, "长期坚持 — 长期坚持，定期检查")
    await chat.click(CADRE, "跳过")
    await chat.click(CADRE, "我自己")
    [card] = await chat.send(CADRE, "每两周")
    assert "每14天检查一次" in (card.text or "")
    await chat.click(CADRE, "确认")
    [row] = services.ledger.rows()
    assert (row.track, row.deadline, row.checkin_days) == (Track.ONGOING, None, 14)


async def test_a_filing_survives_a_restart(
    config: Config, clock: FixedClock, database: Database, services: Services
) -> None:
    sandbox = BotApiSandbox()
    _setup(services, sandbox)
    async with running_bot(config, clock, database, sandbox) as first:
        await first.send(CADRE, "/file")
        await first.click(CADRE, "履职尽责缺位")
        await first.click(CADRE, "干部个人")
    # A new Application (a restarted process) on the same database and chat history.
    async with running_bot(config, clock, database, sandbox) as second:
        await second.click(CADRE, "暗访监督")
        [question] = await second.send(CADRE, "上班时间玩手机")
        assert "整改措施" in (question.text or "")


async def test_strangers_cannot_file(chat: Chat) -> None:
    [refused] = await chat.send(99, "/file")
    assert "请先加入单位" in (refused.text or "")


async def test_deadlines_in_working_days_and_holidays_are_read_through_the_calendar(
    chat: Chat, services: Services
) -> None:
    _setup(services, chat.sandbox)
    # Saturday 28 Nov 2026: the third working day after today is Wednesday 2 Dec.
    await chat.send(CADRE, "/file 问题：办事指南过期 措施：更新指南 时限：三个工作日内")
    await chat.click(CADRE, "服务基层不优")
    await chat.click(CADRE, "跳过")
    await chat.click(CADRE, "跳过")
    [card] = await chat.click(CADRE, "我自己")
    assert "2026年12月2日 周三 23:59" in (card.text or "")
    await chat.send(CADRE, "/cancel")
    # 元旦前: the last day before the first day off of 元旦 2027 (known or statutory).
    await walk_to_description(chat)
    await chat.send(CADRE, "窗口工作人员午休时段无人值守")
    await chat.send(CADRE, "安排午间轮值")
    await chat.click(CADRE, "措施已写完 ✅")
    await chat.click(CADRE, "限期整改 — 在规定时限内改好")
    await chat.click(CADRE, "李局长")
    await chat.click(CADRE, "我自己")
    [card] = await chat.send(CADRE, "元旦前")
    assert "2026年12月31日 周四 23:59" in (card.text or "")
