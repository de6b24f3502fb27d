"""The colour ladder on an injected clock: 蓝, 黄 and 红 each recorded once and told to a wider
audience once, on working days only, and shown on the item card."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.bootstrap import Services
from bot.clock import FixedClock
from bot.domain import Colour, EventKind, Role, Supervision
from bot.services.ladder import KIND, LadderService
from bot.services.problem import Draft
from tests.chat import Chat, deliver_at, join, local, texts_with

CADRE, OTHER, LEADER, OFFICE = 41, 44, 42, 900
BLUE, YELLOW, RED = "蓝色预警：", "黄色预警：", "红色预警："


@pytest.fixture
def unit(services: Services, chat: Chat) -> Services:
    services.membership.add_unit("市教育局", code="EDU")
    join(services, chat, "EDU", CADRE, Role.MEMBER, "张三")
    join(services, chat, "EDU", OTHER, Role.MEMBER, "赵六")
    join(services, chat, "EDU", LEADER, Role.LEADER, "李局长")
    chat.sandbox.add_user(OFFICE, "办公室")
    return services


def file_item(services: Services, deadline: dt.datetime, owner: int = CADRE,
              name: str = "张三") -> int:
    draft = Draft(category="履职尽责缺位", source="self", description="窗口午休无人值守",
                  measures=("安排轮值",), track="deadline", owner_name=name,
                  owner_user_id=owner, deadline=deadline.isoformat())
    return services.ledger.file(draft, by=services.membership.identify(owner),
                                by_name=name).id


def steps(services: Services, problem_id: int) -> list[EventKind]:
    leader = services.membership.identify(LEADER)
    _, history = services.ledger.get(problem_id, by=leader)
    return [e.kind for e in history if e.kind.value.startswith("ladder_")]


def told(chat: Chat, user: int, word: str) -> int:
    return len(texts_with(chat, user, word))


async def test_each_step_is_recorded_once_and_told_to_a_wider_audience(
    chat: Chat, unit: Services, clock: FixedClock
) -> None:
    # Filed Saturday 28 Nov 15:00: one due Friday 4 Dec, one at the end of the month.
    near = file_item(unit, local(2026, 12, 4, 23, 59))
    far = file_item(unit, local(2026, 12, 31, 23, 59), owner=OTHER, name="赵六")
    # The weekend and Monday morning before the nudge time: no step.
    for when in (local(2026, 11, 29, 10, 0), local(2026, 11, 30, 8, 30)):
        await deliver_at(chat, clock, when)
    assert steps(unit, near) == []
    # Monday and Tuesday 09:01 the deadline is more than three days off.
    await deliver_at(chat, clock, local(2026, 11, 30, 9, 1))
    await deliver_at(chat, clock, local(2026, 12, 1, 9, 1))
    assert steps(unit, near) == [] and told(chat, CADRE, BLUE) == 0
    # Wednesday: due within three days, 蓝: the owner alone is told.
    await deliver_at(chat, clock, local(2026, 12, 2, 9, 1))
    await deliver_at(chat, clock, local(2026, 12, 2, 15, 0))
    assert steps(unit, near) == [EventKind.LADDER_BLUE]
    assert told(chat, CADRE, BLUE) == 1
    assert told(chat, LEADER, BLUE) == 0 and told(chat, OFFICE, BLUE) == 0
    assert "将于 2026年12月4日" in texts_with(chat, CADRE, BLUE)[0]
    # Overdue from Saturday 5 Dec and stagnant since Saturday: the weekend steps nothing.
    await deliver_at(chat, clock, local(2026, 12, 5, 10, 0))
    await deliver_at(chat, clock, local(2026, 12, 6, 10, 0))
    assert steps(unit, near) == [EventKind.LADDER_BLUE] and steps(unit, far) == []
    # Monday 7 Dec: the near item is 红 (owner, leader, office), the far one 黄 (owner, leader).
    await deliver_at(chat, clock, local(2026, 12, 7, 9, 0))
    await deliver_at(chat, clock, local(2026, 12, 8, 9, 0))
    assert steps(unit, near) == [EventKind.LADDER_BLUE, EventKind.LADDER_RED]
    assert steps(unit, far) == [EventKind.LADDER_YELLOW]
    assert [told(chat, u, RED) for u in (CADRE, LEADER, OFFICE)] == [1, 1, 1]
    assert [told(chat, u, YELLOW) for u in (OTHER, LEADER, OFFICE)] == [1, 1, 0]
    assert "已8天没有进展" in texts_with(chat, OTHER, YELLOW)[0]
    assert "责任人：赵六" in texts_with(chat, LEADER, YELLOW)[0]
    assert told(chat, CADRE, BLUE) == 1  # the blue step is not told again


async def test_progress_clears_the_colour_without_telling_anyone(
    chat: Chat, unit: Services, clock: FixedClock
) -> None:
    far = file_item(unit, local(2026, 12, 31, 23, 59))
    await deliver_at(chat, clock, local(2026, 12, 7, 9, 0))
    assert steps(unit, far) == [EventKind.LADDER_YELLOW]
    clock.set(local(2026, 12, 7, 11, 0))
    unit.ledger.add_progress(far, by=unit.membership.identify(CADRE), by_name="张三",
                             text="已排好轮值表")
    alerts = [told(chat, u, "色预警：") for u in (CADRE, LEADER, OFFICE)]
    assert alerts == [1, 1, 0]
    await deliver_at(chat, clock, local(2026, 12, 8, 9, 0))
    assert steps(unit, far) == [EventKind.LADDER_YELLOW, EventKind.LADDER_CLEAR]
    assert [told(chat, u, "色预警：") for u in (CADRE, LEADER, OFFICE)] == alerts
    # Stagnant again a week later: 黄 is a new step, told again.
    await deliver_at(chat, clock, local(2026, 12, 15, 9, 0))
    assert told(chat, CADRE, YELLOW) == 2


async def test_a_restart_steps_again_and_records_nothing_new(
    chat: Chat, unit: Services, clock: FixedClock
) -> None:
    near = file_item(unit, local(2026, 12, 4, 23, 59))
    clock.set(local(2026, 12, 2, 9, 30))
    first = LadderService(unit.db, clock, unit.config, unit.calendar, unit.notify)
    assert [(s.after, s.told) for s in first.step()] == [(Colour.BLUE, (CADRE,))]
    again = LadderService(unit.db, clock, unit.config, unit.calendar, unit.notify)
    assert again.plan_daily() == 0 and again.step() == []
    assert steps(unit, near) == [EventKind.LADDER_BLUE]
    assert len([n for n in unit.notify.listing() if n.kind == KIND]) == 1


async def test_the_card_shows_the_colour(chat: Chat, unit: Services, clock: FixedClock) -> None:
    file_item(unit, local(2026, 12, 4, 23, 59))
    clock.set(local(2026, 12, 2, 10, 0))
    card = (await chat.send(CADRE, "/item EDU-1"))[-1].text or ""
    assert "预警：🔵 蓝色预警（将于 2026年12月4日" in card
    clock.set(local(2026, 12, 5, 10, 0))
    card = (await chat.send(CADRE, "/item EDU-1"))[-1].text or ""
    assert "预警：🔴 红色预警（已超过整改时限" in card


async def test_the_daily_pass_and_the_card_colour_every_item_alike(
    chat: Chat, unit: Services, clock: FixedClock
) -> None:
    items = [file_item(unit, local(2026, 12, day, 18, 0)) for day in (1, 3, 9, 20)]
    ongoing = unit.ledger.file(
        Draft(category="履职尽责缺位", source="self", description="每周回访", measures=("回访",),
              track="ongoing", owner_name="张三", owner_user_id=CADRE, checkin_days=5),
        by=unit.membership.identify(CADRE), by_name="张三").id
    clock.set(local(2026, 12, 2, 10, 0))
    unit.ledger.add_progress(items[3], by=unit.membership.identify(CADRE), by_name="张三",
                             text="推进中")
    leader = unit.membership.identify(LEADER)
    seen = set()
    for when in (local(2026, 11, 30, 9, 0), local(2026, 12, 2, 9, 0), local(2026, 12, 8, 9, 0),
                 local(2026, 12, 10, 9, 0), local(2026, 12, 14, 9, 0)):
        clock.set(when)
        with unit.db.read() as conn:
            daily = {pid: shade[0] for pid, shade in unit.ladder.changes(conn).items()}
        for pid in (*items, ongoing):
            card = unit.ladder.colour_of(*unit.ledger.get(pid, by=leader))
            assert daily.get(pid) == card, (when, pid)
            seen.add(card)
    assert seen == {None, Colour.BLUE, Colour.YELLOW, Colour.RED}


async def test_ledger_and_my_rows_carry_the_colour_and_the_mark(
    chat: Chat, unit: Services, clock: FixedClock
) -> None:
    file_item(unit, local(2026, 12, 4, 23, 59))
    file_item(unit, local(2026, 12, 31, 23, 59))
    late = file_item(unit, local(2026, 12, 1, 18, 0), owner=OTHER, name="赵六")
    clock.set(local(2026, 12, 2, 10, 0))
    mine = (await chat.send(CADRE, "/my"))[-1].text or ""
    assert "🔵 EDU-0001" in mine and "\nEDU-0002" in mine
    unit.supervision.mark(late, by=unit.membership.identify(OFFICE), by_name="办公室",
                          mark=Supervision.RED, note="抓紧")
    ledger = (await chat.send(LEADER, "/ledger"))[-1].text or ""
    assert "🟥🔴 EDU-0003" in ledger and "🔵 EDU-0001" in ledger and "\nEDU-0002" in ledger


async def test_the_first_pass_after_an_upgrade_records_old_colours_without_a_notice(
    chat: Chat, unit: Services, clock: FixedClock
) -> None:
    # Items from before the ladder ran: long overdue, and standing still for weeks.
    clock.set(local(2026, 11, 10, 10, 0))
    late = file_item(unit, local(2026, 11, 20, 18, 0))
    still = file_item(unit, local(2026, 12, 31, 23, 59), owner=OTHER, name="赵六")
    # Filed this morning, due tomorrow: its blue is news.
    clock.set(local(2026, 12, 2, 8, 0))
    fresh = file_item(unit, local(2026, 12, 3, 18, 0))
    await deliver_at(chat, clock, local(2026, 12, 2, 9, 1))
    assert steps(unit, late) == [EventKind.LADDER_RED]
    assert steps(unit, still) == [EventKind.LADDER_YELLOW]
    assert steps(unit, fresh) == [EventKind.LADDER_BLUE]
    assert [told(chat, u, RED) + told(chat, u, YELLOW) for u in (CADRE, OTHER, LEADER, OFFICE)] \
        == [0, 0, 0, 0]
    assert told(chat, CADRE, BLUE) == 1
    # From then on each step is told as usual: the fresh item overdue on Friday.
    await deliver_at(chat, clock, local(2026, 12, 4, 9, 1))
    assert [told(chat, u, RED) for u in (CADRE, LEADER, OFFICE)] == [1, 1, 1]


async def test_the_export_shows_each_open_items_colour_in_a_filled_cell(
    chat: Chat, unit: Services, clock: FixedClock
) -> None:
    import io

    from openpyxl import load_workbook

    file_item(unit, local(2026, 12, 1, 18, 0))  # overdue on 2 Dec: 红
    file_item(unit, local(2026, 12, 4, 23, 59))  # due within three days: 蓝
    file_item(unit, local(2026, 12, 31, 23, 59))  # far off and moved lately: no colour
    clock.set(local(2026, 12, 2, 10, 0))
    [document] = [m.document for m in await chat.send(OFFICE, "/export") if m.document]
    ws = load_workbook(io.BytesIO(document[1]))["市教育局"]
    header = [c.value for c in ws[3]]
    col = header.index("预警") + 1
    assert header[col - 2] == "整改状态"
    cells = [ws.cell(row, col) for row in (4, 5, 6)]
    assert [c.value for c in cells] == ["红", "蓝", None]
    assert [c.fill.fgColor.rgb if c.fill.fill_type else None for c in cells] == [
        "FFFF8B8B", "FFBDD7EE", None]
