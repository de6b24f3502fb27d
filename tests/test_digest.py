"""Weekly digests on a fixed clock and dataset: golden texts, the weekly run, catch-up, /stats."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from sqlalchemy import delete, update

from bot.bootstrap import Services
from bot.clock import FixedClock
from bot.config import Config, parse_config
from bot.domain import Answer, LeaveKind, LeaveState, MeetingState, NoteState, Role
from bot.reports.digest import DigestReport
from bot.services.notify import Planned
from bot.services.private_note import PRIVATE_ITEMS
from bot.services.problem import Draft
from sandbox import BotApiSandbox
from storage.db import Database
from storage.leave import LeaveRequest
from storage.meetings import Attendee, Meeting
from storage.notify import Notification
from tests.chat import Chat, running_bot
from tests.conftest import SHANGHAI

GOLDEN = Path(__file__).parent / "golden"
CADRE, LEADER, LIAISON, SILENT, NURSE, HLEADER, OFFICE, STRANGER = (
    41, 42, 43, 44, 51, 52, 900, 77)
EDU_GROUP, HEALTH_GROUP = -1001, -1002
PEOPLE = {CADRE: "张三", LEADER: "李局长", LIAISON: "王联络", SILENT: "赵六", NURSE: "钱护士",
          HLEADER: "孙主任"}
PHASES = [
    {"name": "学习动员", "start": "2026-11-02", "end": "2026-11-15"},
    {"name": "查摆问题", "start": "2026-11-16", "end": "2026-12-06"},
    {"name": "整改落实", "start": "2026-12-07", "end": "2026-12-27"},
    {"name": "总结提升", "start": "2026-12-28", "end": "2027-01-10"},
]
MONDAY_9 = dt.datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI)


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def config(db_url: str) -> Config:
    limits = {"overall_per_second": 0, "group_per_minute": 0, "per_chat_per_second": 0,
              "max_retries": 0}
    return parse_config({"database": {"url": db_url}, "office_admins": [OFFICE],
                         "telegram": {"rate_limit": limits}, "campaign": {"phases": PHASES}})


@pytest.fixture(autouse=True)
def wired(monkeypatch: pytest.MonkeyPatch) -> None:
    """The feature as bot.app wires it."""
    # Only this feature's hook: office-hours reminders would add their own messages.
    monkeypatch.setattr("bot.app.daily_planners",
                        lambda services: (services.digest.plan_due,))


def attach(services: Services) -> DigestReport:
    return DigestReport(services.digest)


def file_at(services: Services, clock: FixedClock, when: dt.datetime, description: str,
            deadline: dt.datetime | None, track: str = "deadline", by: int = CADRE) -> int:
    clock.set(when)
    draft = Draft(category="履职尽责缺位", source="self", description=description,
                  measures=("安排轮值",), track=track, owner_name=PEOPLE[by], owner_user_id=by,
                  deadline=deadline.isoformat() if deadline else None,
                  checkin_days=7 if track == "ongoing" else None)
    return services.ledger.file(draft, by=services.membership.identify(by),
                                by_name=PEOPLE[by]).id


def seed(services: Services, clock: FixedClock) -> None:
    """Two units with groups; EDU has every status, track and time-left bucket."""
    m = services.membership
    m.add_unit("市教育局", code="EDU")
    m.add_unit("市卫健委", code="HEALTH")
    for user, unit, role in ((CADRE, "EDU", Role.MEMBER), (LEADER, "EDU", Role.LEADER),
                             (LIAISON, "EDU", Role.LIAISON), (SILENT, "EDU", Role.MEMBER),
                             (NURSE, "HEALTH", Role.MEMBER), (HLEADER, "HEALTH", Role.LEADER)):
        m.redeem_invite(m.create_invite(unit=unit, role=role, by=None).code, user_id=user,
                        display_name=PEOPLE[user], username=None)
    for chat_id, user, title in ((EDU_GROUP, LEADER, "教育局工作群"),
                                 (HEALTH_GROUP, HLEADER, "卫健委工作群")):
        m.bind_group(chat_id=chat_id, title=title, by=m.identify(user), unit=None,
                     group_admin=True)
    led = services.ledger
    cadre, leader = m.identify(CADRE), m.identify(LEADER)
    # Last week (before the digest's week): A goes overdue, B is fixed this week.
    a = file_at(services, clock, local(2026, 11, 20, 10, 0), "窗口午休无人值守",
                local(2026, 11, 25, 23, 59))
    b = file_at(services, clock, local(2026, 11, 20, 10, 5), "办事指南更新不及时",
                local(2026, 12, 20, 23, 59))
    # This week.
    c = file_at(services, clock, local(2026, 11, 24, 10, 0), "会议文件冗长",
                local(2026, 12, 3, 23, 59))
    d = file_at(services, clock, local(2026, 11, 24, 10, 5), "值班电话无人接听",
                local(2026, 11, 25, 23, 59), track="immediate")
    file_at(services, clock, local(2026, 11, 24, 10, 10), "学习制度坚持不够", None,
            track="ongoing")
    file_at(services, clock, local(2026, 11, 24, 10, 15), "基层调研次数少",
            local(2026, 12, 25, 23, 59))
    file_at(services, clock, local(2026, 11, 24, 10, 20), "督办事项反馈慢",
            local(2026, 12, 15, 23, 59))
    clock.set(local(2026, 11, 25, 11, 0))
    led.report_done(d, by=cadre, by_name="张三", completion="已安排专人接听")
    clock.set(local(2026, 11, 26, 10, 0))
    led.approve(d, by=leader, by_name="李局长")
    led.add_progress(c, by=cadre, by_name="张三", text="已压缩篇幅")
    led.report_done(b, by=cadre, by_name="张三", completion="已更新")
    assert a
    # HEALTH: two items, one signed off.
    h1 = file_at(services, clock, local(2026, 11, 25, 9, 0), "病房呼叫响应慢",
                 local(2026, 12, 10, 23, 59), by=NURSE)
    file_at(services, clock, local(2026, 11, 25, 9, 5), "门诊指引不清",
            local(2026, 12, 31, 23, 59), by=NURSE)
    nurse, hleader = m.identify(NURSE), m.identify(HLEADER)
    led.report_done(h1, by=nurse, by_name="钱护士", completion="已增设呼叫器")
    led.approve(h1, by=hleader, by_name="孙主任")
    edu = m.find_unit("EDU")
    assert edu is not None
    with services.db.uow() as s:
        meeting = Meeting(unit_id=edu.id, title="专题学习会", place="三楼会议室",
                          starts_at=local(2026, 11, 27, 15, 0), organiser_id=LEADER,
                          organiser_name="李局长", state=MeetingState.SCHEDULED,
                          created_at=local(2026, 11, 23, 10, 0))
        s.add(meeting)
        s.flush()
        for user, answer in ((CADRE, Answer.ATTEND), (LIAISON, Answer.ATTEND),
                             (SILENT, Answer.DECLINE), (LEADER, Answer.PENDING)):
            s.add(Attendee(meeting_id=meeting.id, user_id=user, name=PEOPLE[user],
                           answer=answer))
        for user, first, last, back in (
                (SILENT, dt.date(2026, 11, 24), dt.date(2026, 11, 26), None),
                (LIAISON, dt.date(2026, 11, 25), dt.date(2026, 11, 25),
                 local(2026, 11, 25, 18, 0))):
            s.add(LeaveRequest(unit_id=edu.id, user_id=user, user_name=PEOPLE[user],
                               kind=LeaveKind.PERSONAL, first_day=first, last_day=last,
                               reason="家中有事", state=LeaveState.APPROVED,
                               created_at=local(2026, 11, 23, 9, 0), returned_at=back))
    # Deadline nudges from the filings above are another feature's messages.
    with services.db.write() as conn:
        conn.execute(delete(Notification))
    clock.set(MONDAY_9)


def join_chats(sandbox: BotApiSandbox) -> None:
    for user, name in [*PEOPLE.items(), (OFFICE, "办公室"), (STRANGER, "路人")]:
        sandbox.add_user(user, name)
    sandbox.add_group(EDU_GROUP, "教育局工作群", admins=[LEADER], members=[CADRE, LIAISON])
    sandbox.add_group(HEALTH_GROUP, "卫健委工作群", admins=[HLEADER], members=[NURSE])


@pytest.fixture
def digest(services: Services, clock: FixedClock) -> DigestReport:
    seed(services, clock)
    return attach(services)


def golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") or not path.exists():
        path.parent.mkdir(exist_ok=True)
        path.write_text(text + "\n", encoding="utf-8")
    assert text + "\n" == path.read_text(encoding="utf-8")


def unit_id(services: Services, code: str) -> int:
    found = services.membership.find_unit(code)
    assert found is not None
    return found.id


# -- texts -------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_unit_digest_golden(digest: DigestReport, services: Services, lang: str) -> None:
    text = digest.unit_text(unit_id(services, "EDU"), lang, MONDAY_9)
    golden(f"digest_unit.{lang}.txt", text)
    assert not any(name in text for name in PEOPLE.values())


def test_unit_digest_leads_with_the_official_sentence(digest: DigestReport,
                                                      services: Services) -> None:
    lines = digest.unit_text(unit_id(services, "EDU"), "zh", MONDAY_9).split("\n")
    assert lines[1] == ("截至11月30日，共查摆问题7个，已整改2个，整改率28.6%，已销号1个，逾期1个。")
    assert ("当前阶段：查摆问题（11月16日—12月6日），距阶段结束还有6天；"
            "距整顿结束还有41天。") in lines


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_private_note_golden(digest: DigestReport, services: Services, lang: str) -> None:
    text = digest.private_text(unit_id(services, "EDU"), lang)
    assert text is not None
    golden(f"digest_private.{lang}.txt", text)
    assert "张三" in text and "赵六" in text


def test_private_note_lists_the_oldest_overdue_items_and_counts_the_rest(
    digest: DigestReport, services: Services, clock: FixedClock,
) -> None:
    now = clock.now()
    for i in range(PRIVATE_ITEMS + 2):
        file_at(services, clock, local(2026, 11, 20, 9, i), f"逾期事项{i:02d}",
                local(2026, 11, 21, 9, i))
    clock.set(now)
    text = digest.private_text(unit_id(services, "EDU"), "zh")
    assert text is not None
    lines = text.splitlines()
    total = PRIVATE_ITEMS + 3  # the seed's one overdue item and the new ones
    assert f"逾期事项{total}个：" in lines
    items = [line for line in lines if line.startswith("· ")]
    assert len(items) == PRIVATE_ITEMS
    assert "逾期事项00" in items[0] and "窗口午休无人值守" not in text  # oldest deadline first
    assert f"……另有{total - PRIVATE_ITEMS}个" in lines


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_city_digest_golden(digest: DigestReport, lang: str) -> None:
    golden(f"digest_city.{lang}.txt", digest.city_text(lang, MONDAY_9))


def test_rank_shares_places_and_puts_empty_units_last(digest: DigestReport,
                                                      services: Services) -> None:
    services.membership.add_unit("市统计局", code="STAT")
    text = digest.city_text("zh", MONDAY_9)
    lines = text.split("\n")
    head = lines.index("<b>排名｜单位｜查摆｜整改｜整改率｜逾期</b>")
    rows = lines[head + 1:head + 4]  # the scores follow the table
    assert rows[0].startswith("1. 市卫健委｜2｜1｜50.0%｜0")
    assert rows[1].startswith("2. 市教育局｜7｜2｜28.6%｜1")
    assert rows[2] == "—. 市统计局｜0｜0｜—｜0"


def test_long_city_tables_keep_head_and_tail(digest: DigestReport, services: Services) -> None:
    for n in range(40):
        services.membership.add_unit(f"乡镇{n:02d}", code=f"T{n:02d}")
    text = digest.city_text("zh", MONDAY_9)
    assert "中间12个单位从略" in text
    assert len(text) < 4096


# -- the weekly run ----------------------------------------------------------------------------


def group_texts(chat: Chat) -> list[str]:
    return chat.texts(EDU_GROUP) + chat.texts(HEALTH_GROUP)


async def tick_at(chat: Chat, clock: FixedClock, when: dt.datetime) -> None:
    clock.set(when)
    await chat.app.bot_data.sender.tick()


async def test_weekly_run_posts_once_per_group_and_names_go_privately(
        services: Services, clock: FixedClock, chat: Chat) -> None:
    seed(services, clock)
    join_chats(chat.sandbox)
    await tick_at(chat, clock, local(2026, 11, 30, 8, 59))
    assert group_texts(chat) == []
    await tick_at(chat, clock, MONDAY_9)
    [edu] = chat.texts(EDU_GROUP)
    [health] = chat.texts(HEALTH_GROUP)
    assert "截至11月30日，共查摆问题7个" in edu and "市卫健委" in health
    assert not any(name in text for text in group_texts(chat) for name in PEOPLE.values())
    # Overdue owners and non-filers: to EDU's leader and liaison only.
    for person in (LEADER, LIAISON):
        [note] = chat.texts(person)
        assert "EDU-0001 张三" in note and "赵六" in note
    assert chat.texts(CADRE) == []
    # HEALTH: nothing overdue, but its leader has filed nothing in this phase.
    [health_note] = chat.texts(HLEADER)
    assert "暂无逾期事项" in health_note and "孙主任" in health_note
    city = chat.texts(OFFICE)
    assert len(city) == 1 and "全市进展周报" in city[0]
    [photo] = [m for m in chat.sandbox.sent(OFFICE) if m.photo]
    assert photo.photo is not None and photo.photo.startswith(b"\x89PNG")
    sent = len(chat.sandbox.sent())
    await tick_at(chat, clock, local(2026, 11, 30, 9, 1))
    await tick_at(chat, clock, local(2026, 11, 30, 18, 0))
    assert len(chat.sandbox.sent()) == sent
    # Next Monday: the next week's digest, once.
    await tick_at(chat, clock, local(2026, 12, 7, 9, 0))
    digests = [text for text in chat.texts(EDU_GROUP) if "周报" in text]
    assert len(digests) == 2 and "2026年第50周" in digests[1]


async def test_a_restart_sends_nothing_more(config: Config, clock: FixedClock,
                                            database: Database, services: Services) -> None:
    seed(services, clock)
    sandbox = BotApiSandbox()
    join_chats(sandbox)
    async with running_bot(config, clock, database, sandbox) as first:
        await tick_at(first, clock, MONDAY_9)
    sent = len(sandbox.sent())
    assert len(sandbox.sent(EDU_GROUP)) == 1
    async with running_bot(config, clock, database, sandbox) as second:
        await tick_at(second, clock, local(2026, 11, 30, 9, 5))
        await tick_at(second, clock, local(2026, 12, 2, 10, 0))
    assert len(sandbox.sent()) == sent


async def test_downtime_catch_up_sends_the_missed_digest_once_in_full(
        config: Config, clock: FixedClock, database: Database, services: Services) -> None:
    seed(services, clock)
    sandbox = BotApiSandbox()
    join_chats(sandbox)
    # The bot sent last week's digest, was down all of Monday and is back on Wednesday.
    services.notify.plan([Planned(key="digest:EDU:2026-W48:-1001", chat_id=EDU_GROUP,
                                  kind="digest.unit", due_at=local(2026, 11, 23, 9, 0))])
    with services.db.write() as conn:
        conn.execute(update(Notification).values(state=NoteState.SENT))
    async with running_bot(config, clock, database, sandbox) as chat:
        await tick_at(chat, clock, local(2026, 12, 2, 14, 0))
        await tick_at(chat, clock, local(2026, 12, 2, 14, 1))
    [edu] = [m.text or "" for m in sandbox.sent(EDU_GROUP)]
    assert edu.startswith("📊") and "2026年第49周" in edu  # not a one-line summary
    assert "截至12月2日" in edu
    assert len(sandbox.sent(HEALTH_GROUP)) == 1


async def test_a_fresh_start_mid_week_waits_for_the_next_monday(
        services: Services, clock: FixedClock, chat: Chat) -> None:
    seed(services, clock)
    join_chats(chat.sandbox)
    await tick_at(chat, clock, local(2026, 12, 2, 14, 0))
    assert group_texts(chat) == []
    await tick_at(chat, clock, local(2026, 12, 7, 9, 0))
    assert len([text for text in chat.texts(EDU_GROUP) if "周报" in text]) == 1


async def test_an_unbound_group_gets_nothing_and_a_new_binding_joins_next_week(
        services: Services, clock: FixedClock, chat: Chat) -> None:
    seed(services, clock)
    join_chats(chat.sandbox)
    chat.sandbox.add_group(-1003, "新群", admins=[LEADER])
    await tick_at(chat, clock, MONDAY_9)
    services.membership.bind_group(chat_id=-1003, title="新群",
                                   by=services.membership.identify(LEADER), unit=None,
                                   group_admin=True)
    await tick_at(chat, clock, local(2026, 11, 30, 10, 0))
    assert chat.texts(-1003) == []
    await tick_at(chat, clock, local(2026, 12, 7, 9, 0))
    assert len([text for text in chat.texts(-1003) if "周报" in text]) == 1
