"""进展报送 on an injected clock: a round set with /rounds, the owners asked before the close
with 有进展 / 无变化 / 申请延期, the 未报送 list to the leader and liaison alone at the close,
late and missing reports counted, nothing on days off, and a round shown and stopped."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.bootstrap import Services
from bot.clock import FixedClock
from bot.dates.recurring import parse_recurring
from bot.domain import EventKind, Role
from bot.reports.digest import DigestReport
from tests.chat import Chat, deliver_at, join, local, texts_with
from tests.test_forged_updates import press
from tests.test_ladder import file_item

CADRE, OTHER, LEADER, LIAISON, OFFICE, FIN_LEADER = 41, 44, 42, 43, 900, 51
ASKED, MISSING = "【进展报送】请于", "【未报送名单】"
LINE = "已排好轮值表 <b>每周一</b>"


@pytest.fixture
def unit(services: Services, chat: Chat) -> Services:
    services.membership.add_unit("市教育局", code="EDU")
    services.membership.add_unit("市财政局", code="FIN")
    join(services, chat, "EDU", CADRE, Role.MEMBER, "张三")
    join(services, chat, "EDU", OTHER, Role.MEMBER, "赵六")
    join(services, chat, "EDU", LEADER, Role.LEADER, "李局长")
    join(services, chat, "EDU", LIAISON, Role.LIAISON, "王联络")
    join(services, chat, "FIN", FIN_LEADER, Role.LEADER, "钱局长")
    chat.sandbox.add_user(OFFICE, "周主任")
    return services


def test_round_phrases_are_read_with_the_time_phrase_reader() -> None:
    now = local(2026, 12, 2, 10, 0)
    assert parse_recurring("每周五16:00前报进展", now)[:2] == (4, dt.time(16, 0))
    assert parse_recurring("每周五下午4点", now)[:2] == (4, dt.time(16, 0))
    assert parse_recurring("每个工作日17:00", now)[:2] == (None, dt.time(17, 0))
    assert parse_recurring("every friday 4pm", now)[:2] == (4, dt.time(16, 0))
    for refused in ("每周16:00", "周五16:00", "每月1日", "每周八16:00"):
        assert parse_recurring(refused, now) is None, refused


async def test_a_round_from_the_prompt_to_the_list_of_who_did_not_report(
    chat: Chat, unit: Services, clock: FixedClock
) -> None:
    first = file_item(unit, local(2026, 12, 31, 23, 59))
    file_item(unit, local(2026, 12, 30, 23, 59))
    third = file_item(unit, local(2026, 12, 29, 23, 59), owner=OTHER, name="赵六")
    clock.set(local(2026, 12, 2, 10, 0))
    set_ = await chat.send(LIAISON, "/rounds 每周五16:00前报进展")
    assert "已设置进展报送：市教育局每周五16:00前报送，下次截止：2026年12月4日 周五 16:00" \
        in (set_[-1].text or "")
    # Thursday: the close is a day off; Friday before the nudge time: still nothing asked.
    await deliver_at(chat, clock, local(2026, 12, 3, 9, 30))
    await deliver_at(chat, clock, local(2026, 12, 4, 8, 30))
    assert texts_with(chat, CADRE, ASKED) == []
    # Friday at the nudge time: each owner is asked once, for his own open items.
    await deliver_at(chat, clock, local(2026, 12, 4, 9, 1))
    await deliver_at(chat, clock, local(2026, 12, 4, 9, 30))
    asked = texts_with(chat, CADRE, ASKED)
    assert len(asked) == 1 and "共2项" in asked[0] and "EDU-0001" in asked[0]
    assert "EDU-0003" not in asked[0]
    assert len(texts_with(chat, OTHER, ASKED)) == 1
    assert texts_with(chat, LEADER, ASKED) == [] and texts_with(chat, FIN_LEADER, ASKED) == []
    # 有进展 asks for the line and keeps it as typed; 无变化 is recorded at once.
    clock.set(local(2026, 12, 4, 10, 0))
    prompt = await chat.click(CADRE, "EDU-0001 有进展")
    assert "EDU-0001：请用一句话写明本期进展" in (prompt[-1].text or "")
    done = await chat.send(CADRE, f"  {LINE}  ")
    assert "已报送 EDU-0001：有进展。" in (done[-1].text or "")
    problem = unit.ledger.peek(first)
    assert problem is not None and problem.progress == LINE
    _, history = unit.ledger.get(first, by=unit.membership.identify(LEADER))
    assert [(e.kind, e.note) for e in history][-1] == (EventKind.PROGRESS, LINE)
    message = next(m for m in reversed(chat.sandbox.sent(CADRE)) if ASKED in (m.text or ""))
    second_row = chat.sandbox.buttons(message)[1]
    assert [label for label, _ in second_row] == ["EDU-0002 有进展", "无变化", "申请延期"]
    unchanged = await press(chat, CADRE, second_row[1][1], message)
    assert "已报送 EDU-0002：无变化。" in unchanged.told
    # The close: the leader and the liaison, privately, get who did not report; nobody else.
    await deliver_at(chat, clock, local(2026, 12, 4, 16, 0))
    for user in (LEADER, LIAISON):
        lists = texts_with(chat, user, MISSING)
        assert len(lists) == 1, user
        assert "共1项未报送" in lists[0] and "EDU-0003 赵六" in lists[0]
        assert "EDU-0001" not in lists[0] and "已按时报送2项" in lists[0]
    for user in (CADRE, OTHER, OFFICE, FIN_LEADER):
        assert texts_with(chat, user, MISSING) == [], user
    edu = unit.membership.identify(LEADER).unit
    assert edu is not None
    tally = unit.rounds.tally([edu.id])[edu.id]
    assert (tally.asked, tally.on_time, tally.late, tally.missing) == (3, 2, 0, 1)
    # The missed report counts against the unit's score, and the city digest says so.
    [edu_row] = [line for line in DigestReport(unit.digest).city_text("zh").splitlines()
                 if line.startswith(("1. 市教育局", "2. 市教育局")) and "分：" in line]
    assert edu_row.endswith(" · 未报送1次"), edu_row
    # A report after the close is late, and no longer missing.
    clock.set(local(2026, 12, 4, 17, 0))
    late = await chat.click(OTHER, "无变化")
    assert "计为逾期报送" in (late[-1].text or "")
    tally = unit.rounds.tally([edu.id])[edu.id]
    assert (tally.on_time, tally.late, tally.missing) == (2, 1, 0)
    for user in (LEADER, OFFICE):
        shown = (await chat.send(user, "/rounds"))[-1].text or ""
        assert "累计：按时报送2项，逾期报送1项，未报送0项。" in shown, user
    assert third  # filed by 赵六's own hand: he alone was asked for it


async def test_a_daily_round_skips_days_off_and_asks_only_for_open_items(
    chat: Chat, unit: Services, clock: FixedClock
) -> None:
    file_item(unit, local(2026, 12, 31, 23, 59))
    clock.set(local(2026, 12, 4, 18, 0))
    shown = await chat.send(OFFICE, "/rounds 每个工作日17:00")
    assert "全部单位每个工作日17:00前报送，下次截止：2026年12月7日 周一 17:00" in (
        shown[-1].text or "")
    for day in (5, 6):  # the weekend
        await deliver_at(chat, clock, local(2026, 12, day, 9, 30))
    assert texts_with(chat, CADRE, ASKED) == []
    await deliver_at(chat, clock, local(2026, 12, 7, 9, 30))
    assert len(texts_with(chat, CADRE, ASKED)) == 1
    # A unit's own round takes the place of the city's for that unit.
    await chat.send(LEADER, "/rounds 每周三16:00")
    await deliver_at(chat, clock, local(2026, 12, 8, 9, 30))
    assert len(texts_with(chat, CADRE, ASKED)) == 1
    await deliver_at(chat, clock, local(2026, 12, 9, 9, 30))
    assert len(texts_with(chat, CADRE, ASKED)) == 2


async def test_rounds_shows_the_round_and_stops_it_and_refuses_the_others(
    chat: Chat, unit: Services, clock: FixedClock
) -> None:
    clock.set(local(2026, 12, 2, 10, 0))
    assert "尚未设置进展报送" in (await chat.send(LEADER, "/rounds"))[-1].text  # type: ignore
    refused = await chat.send(CADRE, "/rounds 每周五16:00")
    assert "只有领导小组办公室、单位责任领导和联络员可以设置进展报送" in (refused[-1].text or "")
    unread = await chat.send(LEADER, "/rounds 每周16:00")
    assert "无法识别报送时间" in (unread[-1].text or "")
    no_hour = await chat.send(LEADER, "/rounds 每周五")
    assert "请写明截止的钟点" in (no_hour[-1].text or "")
    await chat.send(LEADER, "/rounds 每周五下午4点前报进展")
    shown = (await chat.send(CADRE, "/rounds"))[-1].text or ""
    assert "市教育局：每周五16:00前报送进展（李局长 设置），下次截止：2026年12月4日 周五 16:00" \
        in shown
    assert "停止报送" not in [label for row in chat.sandbox.buttons(chat.sandbox.last(CADRE))
                              for label, _ in row]
    # Stopped on the close's day after the owners were asked: the 未报送 list goes nowhere.
    file_item(unit, local(2026, 12, 31, 23, 59))
    await deliver_at(chat, clock, local(2026, 12, 4, 9, 30))
    assert len(texts_with(chat, CADRE, ASKED)) == 1
    await chat.send(LEADER, "/rounds")
    stopped = await chat.click(LEADER, "停止报送")
    assert "已停止市教育局的进展报送" in (stopped[-1].text or "")
    await deliver_at(chat, clock, local(2026, 12, 4, 16, 0))
    await deliver_at(chat, clock, local(2026, 12, 11, 9, 30))
    assert texts_with(chat, LEADER, MISSING) == [] and texts_with(chat, LIAISON, MISSING) == []
    assert len(texts_with(chat, CADRE, ASKED)) == 1
    assert "尚未设置进展报送" in ((await chat.send(CADRE, "/rounds"))[-1].text or "")
    in_group = await chat.send(LEADER, "/rounds", chat_id=-100123)
    assert all(MISSING not in (m.text or "") for m in in_group)


async def test_asking_for_more_time_from_a_round_opens_the_extension_flow(
    chat: Chat, unit: Services, clock: FixedClock
) -> None:
    file_item(unit, local(2026, 12, 31, 23, 59))
    clock.set(local(2026, 12, 2, 10, 0))
    await chat.send(LEADER, "/rounds 每周五16:00")
    await deliver_at(chat, clock, local(2026, 12, 4, 9, 30))
    asked = await chat.click(CADRE, "申请延期")
    texts = [m.text or "" for m in asked]
    assert any("已报送 EDU-0001：申请延期。" in text for text in texts)
    assert any("申请延期：EDU-0001 目前的整改时限为" in text for text in texts)
    await chat.send(CADRE, "下月底前")
    sent = await chat.send(CADRE, "窗口改造需要采购")
    assert "EDU-0001" in (sent[-1].text or "")
    assert len(texts_with(chat, LEADER, "窗口改造需要采购")) == 1


async def test_the_office_sets_and_stops_one_units_round(
    chat: Chat, unit: Services, clock: FixedClock
) -> None:
    clock.set(local(2026, 12, 2, 10, 0))
    set_reply = (await chat.send(OFFICE, "/rounds EDU 每周五16:00前报进展"))[-1].text or ""
    assert "市教育局" in set_reply
    shown = (await chat.send(CADRE, "/rounds"))[-1].text or ""
    assert "市教育局：每周五16:00前报送进展（周主任 设置）" in shown
    assert "尚未设置进展报送" in ((await chat.send(FIN_LEADER, "/rounds"))[-1].text or "")
    stopped = await chat.send(OFFICE, "/rounds 市教育局 停止")
    assert "已停止市教育局的进展报送" in (stopped[-1].text or "")
    assert "尚未设置进展报送" in ((await chat.send(CADRE, "/rounds"))[-1].text or "")
