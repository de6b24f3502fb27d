"""/ledger and /my page by keyset: every item once, in list order, while items are being added."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy import func, insert, select

from bot.bootstrap import Services
from bot.domain import OPEN, Role, Source, Status, Track
from bot.services.membership import Identity
from bot.services.problem import Page, ProblemView
from storage.ledger import Problem
from tests.chat import Chat, join

LEADER, CADRE, OTHER, OFFICE = 41, 42, 43, 900
PAGE = 8


@pytest.fixture
def unit(services: Services) -> Services:
    services.membership.add_unit("市教育局", code="EDU")
    services.membership.add_unit("市财政局", code="FIN")
    for user, code, role in ((LEADER, "EDU", Role.LEADER), (CADRE, "EDU", Role.MEMBER),
                             (OTHER, "FIN", Role.LEADER)):
        invite = services.membership.create_invite(unit=code, role=role, by=None).code
        services.membership.redeem_invite(invite, user_id=user, display_name=f"人{user}",
                                          username=None)
    return services


_seq = itertools.count(1)


def add(services: Services, count: int, *, unit: str = "EDU", owner: int = CADRE,
        days: list[int | None] | None = None) -> None:
    """Insert `count` items in one go; deadlines from `days` (None: 长期坚持, no deadline),
    several items sharing one deadline, so that ties are broken by id."""
    now = services.clock.now()
    unit_id = services.digest.find_unit(unit)[0]
    rows = []
    for i in range(count):
        seq = next(_seq)
        day = (days or [i % 7 - 3, None, 2, 2, -5])[i % len(days or [0] * 5)]
        rows.append({
            "unit_id": unit_id, "seq": seq, "number": f"{unit}-{seq:05d}", "source": Source.SELF,
            "category": "履职尽责缺位", "description": f"问题{seq}", "measures": ["轮值"],
            "track": Track.ONGOING if day is None else Track.DEADLINE, "owner_name": "张三",
            "owner_user_id": owner, "deadline": None if day is None
            else now.replace(minute=0, second=0) + dt.timedelta(days=day),
            "checkin_days": 30 if day is None else None, "status": list(Status)[seq % 4],
            "evidence": [], "tags": [], "created_by": owner, "created_at": now,
            "updated_at": now})
    if rows:
        with services.db.write() as conn:
            conn.execute(insert(Problem), rows)


def order(p: ProblemView) -> tuple[bool, dt.datetime, int]:
    """The list order: by deadline, the ones without a deadline last, then by id."""
    return (p.deadline is None, p.deadline or dt.datetime.min.replace(tzinfo=dt.UTC), p.id)


def walk(services: Services, by: Identity, *, scope: str = "unit", backward: bool = False,
         between: int = 0, **flt: object) -> tuple[list[ProblemView], list[Page]]:
    """Every page from the first (or the last) on, adding `between` items after each page."""
    browse = services.ledger.browse
    page = browse(by=by, scope=scope, last=backward, **flt)  # type: ignore[arg-type]
    pages = [page]
    while (page.before if backward else page.after) is not None:
        add(services, between)
        cursor = {"before": page.before} if backward else {"after": page.after}
        number = page.page - 1 if backward else page.page + 1
        page = browse(by=by, scope=scope, page=number, **cursor, **flt)  # type: ignore[arg-type]
        pages.append(page)
        assert len(pages) < 200, "the walk does not end"
    seen = [item for p in (pages[::-1] if backward else pages) for item in p.items]
    return seen, pages


def everything(services: Services, **where: object) -> list[ProblemView]:
    office = Identity(OFFICE, Role.OFFICE, None, "zh")
    with services.db.read() as conn:
        total = conn.execute(select(func.count()).select_from(Problem)).scalar_one()
    assert total < 2000
    seen, _ = walk(services, office, scope="all", **where)
    return seen


def test_pages_walk_every_item_once_in_list_order_both_ways(unit: Services) -> None:
    unit.ledger.page_size = PAGE
    add(unit, 61)
    add(unit, 9, unit="FIN", owner=OTHER)
    leader = unit.membership.identify(LEADER)
    forward, pages = walk(unit, leader)
    assert len(forward) == 61 == len({p.id for p in forward})
    assert forward == sorted(forward, key=order) and {p.unit_code for p in forward} == {"EDU"}
    assert [p.page for p in pages] == list(range(1, 9)) and {p.pages for p in pages} == {8}
    assert all(len(p.items) == PAGE for p in pages[:-1]) and pages[-1].after is None
    backward, pages = walk(unit, leader, backward=True)
    assert backward == forward
    assert pages[0].page == 8 and pages[-1].page == 1 and pages[-1].before is None


def test_items_added_during_a_walk_never_repeat_or_hide_one(unit: Services) -> None:
    unit.ledger.page_size = PAGE
    add(unit, 40)
    leader = unit.membership.identify(LEADER)
    before = {p.id for p in walk(unit, leader)[0]}
    for backward in (False, True):
        seen, _ = walk(unit, leader, backward=backward, between=3)
        ids = [p.id for p in seen]
        assert len(ids) == len(set(ids)), "an item was shown twice"
        assert before <= set(ids), "an item that was there all along was skipped"
        assert seen == sorted(seen, key=order)
        before = {p.id for p in walk(unit, leader)[0]}


def test_filters_and_scopes_page_the_same_way(unit: Services) -> None:
    unit.ledger.page_size = 5
    add(unit, 37)
    add(unit, 11, owner=LEADER)
    add(unit, 6, unit="FIN", owner=OTHER)
    now = unit.clock.now()
    every = everything(unit)
    assert len(every) == 54 and every == sorted(every, key=order)
    leader, cadre = unit.membership.identify(LEADER), unit.membership.identify(CADRE)
    for status in Status:
        seen, _ = walk(unit, leader, status=status)
        assert seen == [p for p in every if p.unit_code == "EDU" and p.status is status]
    seen, pages = walk(unit, leader, overdue=True)
    assert seen == [p for p in every if p.unit_code == "EDU" and p.status in OPEN
                    and p.deadline is not None and p.deadline < now]
    assert {p.total for p in pages} == {len(seen)}
    mine, _ = walk(unit, cadre, scope="mine")
    assert mine == [p for p in every if CADRE in (p.owner_user_id, p.created_by)]
    assert walk(unit, cadre, scope="mine", backward=True)[0] == mine


def test_a_cursor_gone_or_past_the_end_falls_back_to_a_real_page(unit: Services) -> None:
    unit.ledger.page_size = PAGE
    add(unit, 20)
    leader = unit.membership.identify(LEADER)
    last = unit.ledger.browse(by=leader, scope="unit", last=True)
    assert last.page == 3 and last.after is None and len(last.items) == PAGE
    beyond = unit.ledger.browse(by=leader, scope="unit", after=last.items[-1].id, page=4)
    assert beyond.items == last.items and beyond.page == 3
    unknown = unit.ledger.browse(by=leader, scope="unit", after=10**12, page=2)
    first = unit.ledger.browse(by=leader, scope="unit")
    assert unknown.items == first.items and unknown.page == 1


@pytest.fixture
def org(services: Services, chat: Chat) -> Services:
    services.membership.add_unit("市教育局", code="EDU")
    join(services, chat, "EDU", LEADER, Role.LEADER, "李局长")
    join(services, chat, "EDU", CADRE, Role.MEMBER, "张三")
    return services


async def test_the_ledger_in_chat_pages_forward_to_the_last_and_back(
        chat: Chat, org: Services) -> None:
    add(org, 30, days=[1, 2, 3, None])
    every = [p.number for p in everything(org)]
    [page1] = await chat.send(LEADER, "/ledger")
    assert "共30项（第1/4页）" in (page1.text or "") and every[0] in (page1.text or "")
    [page2] = await chat.click(LEADER, "▶")
    assert "第2/4页" in (page2.text or "") and every[8] in (page2.text or "")
    assert every[7] not in (page2.text or "")
    [last] = await chat.click(LEADER, "⏭")
    assert "第4/4页" in (last.text or "") and every[-1] in (last.text or "")
    assert "▶" not in str(last.reply_markup)
    [back] = await chat.click(LEADER, "◀")
    assert "第3/4页" in (back.text or "")
    # Back from the last page: the eight before it (a keyset walk counts from its end).
    assert all(n in (back.text or "") for n in every[-16:-8])
    [first] = await chat.click(LEADER, "⏮")
    assert "第1/4页" in (first.text or "") and every[0] in (first.text or "")
    [mine] = await chat.send(CADRE, "/my")
    assert "共30项（第1/4页）" in (mine.text or "")


async def test_the_start_menus_buttons_open_the_first_page(chat: Chat, org: Services) -> None:
    add(org, 10)
    await chat.send(LEADER, "/start")
    [ledger] = await chat.click(LEADER, "📒 问题台账")
    assert "共10项（第1/2页）" in (ledger.text or "")
    await chat.send(CADRE, "/start")
    [mine] = await chat.click(CADRE, "📋 我的问题")
    assert "共10项（第1/2页）" in (mine.text or "")
