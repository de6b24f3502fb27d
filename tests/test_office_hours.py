"""Office-hours (上下班) reminders: working days with 调休, overrides, opt-out, unit times."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.bootstrap import Services, build_services
from bot.clock import FixedClock
from bot.config import parse_config
from bot.domain import Role
from bot.errors import DomainError
from bot.services.office_hours import KIND, OfficeHoursService, parse_times
from storage.db import Database
from tests.calendar_fixtures import NoPackage
from tests.chat import Chat
from tests.conftest import SHANGHAI

MEMBER, LEADER, OTHER, OFFICE_MEMBER, ADMIN, STRANGER = 201, 202, 203, 204, 900, 299
ON_DUTY = "⏰ 上班提醒：{}，请按时到岗，严守上下班纪律。"
OFF_DUTY = "⏰ 下班提醒：{}，请做好当日工作收尾，不早退，严守上下班纪律。"


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def office(services: Services) -> OfficeHoursService:
    return OfficeHoursService(services.db, services.clock, services.calendar, services.notify,
                              services.config)


def planned(services: Services, kind: str = KIND) -> list[tuple[int, dt.datetime]]:
    return sorted((n.chat_id, n.due_at.astimezone(SHANGHAI))
                  for n in services.notify.listing() if n.kind == kind)


@pytest.fixture
def org(services: Services, chat: Chat) -> Services:
    m = services.membership
    m.add_unit("市委办公室", code="CITY")
    m.add_unit("市教育局", code="EDU")
    m.add_unit("市财政局", code="FIN")
    for user, unit, role, name in ((MEMBER, "EDU", Role.MEMBER, "张三"),
                                   (LEADER, "EDU", Role.LEADER, "李局长"),
                                   (OTHER, "FIN", Role.MEMBER, "钱干部"),
                                   (OFFICE_MEMBER, "CITY", Role.OFFICE, "周主任")):
        code = m.create_invite(unit=unit, role=role, by=None).code
        m.redeem_invite(code, user_id=user, display_name=name, username=None)
        chat.sandbox.add_user(user, name)
    for user, name in ((ADMIN, "办公室"), (STRANGER, "路人")):
        chat.sandbox.add_user(user, name)
    return services


async def tick_at(chat: Chat, clock: FixedClock, when: dt.datetime, user: int) -> list[str]:
    """Move the clock, run one tick, return the texts it sent to the person."""
    clock.set(when)
    before = len(chat.sandbox.sent(user))
    await chat.app.bot_data.sender.tick()
    return [m.text or "" for m in chat.sandbox.sent(user)[before:]]


def both(day: dt.date, *users: int, times: tuple[str, ...] = ("08:50", "17:30"),
         ) -> list[tuple[int, dt.datetime]]:
    return sorted((user, dt.datetime.combine(day, dt.time.fromisoformat(time), tzinfo=SHANGHAI))
                  for user in users for time in times)


EVERYONE = (MEMBER, LEADER, OTHER, OFFICE_MEMBER)


async def test_a_working_day_gets_both_reminders_at_their_times(
    chat: Chat, org: Services, clock: FixedClock
) -> None:
    monday = dt.date(2026, 11, 30)
    assert office(org).plan_day(monday) == 8
    assert planned(org) == both(monday, *EVERYONE)
    assert office(org).plan_day(monday) == 0  # idempotent
    assert await tick_at(chat, clock, local(2026, 11, 30, 8, 49), MEMBER) == []
    assert await tick_at(chat, clock, local(2026, 11, 30, 8, 50), MEMBER) == [
        ON_DUTY.format("08:50")]
    assert await tick_at(chat, clock, local(2026, 11, 30, 17, 30), MEMBER) == [
        OFF_DUTY.format("17:30")]


def test_a_large_unit_is_planned_in_batches_with_nobody_left_out(
    org: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.services import notify, office_hours

    # Three people per transaction and two rows per insert: every batch edge is crossed.
    monkeypatch.setattr(office_hours, "PLAN_BATCH", 3)
    monkeypatch.setattr(notify, "INSERT_SLICE", 2)
    m = org.membership
    extra = tuple(range(700, 711))
    for user in extra:
        code = m.create_invite(unit="FIN", role=Role.MEMBER, by=None).code
        m.redeem_invite(code, user_id=user, display_name=f"干部{user}", username=None)
    monday = dt.date(2026, 11, 30)
    assert office(org).plan_day(monday) == 2 * (len(EVERYONE) + len(extra))
    assert planned(org) == both(monday, *EVERYONE, *extra)
    assert office(org).plan_day(monday) == 0


def test_weekends_and_public_holidays_get_none(org: Services, clock: FixedClock) -> None:
    assert office(org).plan_day(dt.date(2026, 11, 29)) == 0  # Sunday
    clock.set(local(2026, 9, 30, 12, 0))
    assert office(org).plan_day(dt.date(2026, 10, 1)) == 0  # 国庆节
    assert office(org).plan_day(dt.date(2026, 10, 5)) == 0  # a Monday inside the holiday
    assert planned(org) == []


def test_a_swapped_working_saturday_gets_them(org: Services, clock: FixedClock) -> None:
    clock.set(local(2026, 10, 9, 12, 0))
    saturday = dt.date(2026, 10, 10)  # 调休: worked in exchange for the National Day week
    assert saturday.weekday() == 5
    assert office(org).plan_day(saturday) == 8
    assert planned(org) == both(saturday, *EVERYONE)


def test_config_overrides_win_over_the_official_calendar(
    org: Services, clock: FixedClock, database: Database, db_url: str
) -> None:
    config = parse_config({"database": {"url": db_url}, "calendar": {
        "holidays": ["2026-11-30"], "workdays": ["2026-11-29"]}})
    overridden = build_services(config, clock=clock, database=database)
    assert office(overridden).plan_day(dt.date(2026, 11, 30)) == 0
    assert office(overridden).plan_day(dt.date(2026, 11, 29)) == 8
    assert planned(org) == both(dt.date(2026, 11, 29), *EVERYONE)


def test_times_already_past_are_not_planned(org: Services, clock: FixedClock) -> None:
    clock.set(local(2026, 11, 30, 12, 0))
    assert office(org).plan_day(dt.date(2026, 11, 30)) == 4
    assert planned(org) == both(dt.date(2026, 11, 30), *EVERYONE, times=("17:30",))


async def test_opting_out_stops_them_even_after_planning(
    chat: Chat, org: Services, clock: FixedClock
) -> None:
    office(org).plan_day(dt.date(2026, 11, 30))
    [off] = await chat.send(MEMBER, "/officehours off")
    assert off.text == "已关闭上下班提醒。需要时发送 /officehours on 重新开启。"
    office(org).plan_day(dt.date(2026, 12, 2))
    assert {user for user, due in planned(org) if due.date() == dt.date(2026, 12, 2)} == {
        LEADER, OTHER, OFFICE_MEMBER}
    assert await tick_at(chat, clock, local(2026, 11, 30, 8, 50), MEMBER) == []
    [on] = await chat.send(MEMBER, "/officehours on")
    assert on.text == "已开启上下班提醒：工作日 上班 08:50、下班 17:30 提醒您。"
    assert await tick_at(chat, clock, local(2026, 11, 30, 17, 30), MEMBER) == [
        OFF_DUTY.format("17:30")]


async def test_the_stop_button_on_a_reminder_opts_out(
    chat: Chat, org: Services, clock: FixedClock
) -> None:
    office(org).plan_day(dt.date(2026, 11, 30))
    await tick_at(chat, clock, local(2026, 11, 30, 8, 50), MEMBER)
    [reminder, stopped] = await chat.click(MEMBER, "不再提醒上下班")
    assert reminder.text == ON_DUTY.format("08:50") and reminder.reply_markup is None
    assert stopped.text == "已关闭上下班提醒。需要时发送 /officehours on 重新开启。"
    assert not office(org).setting(MEMBER).enabled
    assert await tick_at(chat, clock, local(2026, 11, 30, 17, 30), MEMBER) == []


async def test_leaders_set_their_units_times_and_members_cannot(
    chat: Chat, org: Services
) -> None:
    [refused] = await chat.send(MEMBER, "/officehours 08:00 18:00")
    assert refused.text == "只有责任领导、联络员或领导小组办公室可以设置本单位的提醒时间。"
    [bad] = await chat.send(LEADER, "/officehours 8点半")
    assert "时间格式不对" in (bad.text or "")
    [done] = await chat.send(LEADER, "/officehours 17:45 8:30")
    assert done.text == "已将<b>市教育局</b>的上下班提醒时间调整为：上班 08:30、下班 17:45。"
    [four] = await chat.send(LEADER, "/officehours 14:00 08:30 17:30 12:00")
    assert four.text == ("已将<b>市教育局</b>的上下班提醒时间调整为：上班 08:30、午休 12:00、"
                         "下午上班 14:00、下班 17:30。")
    [done] = await chat.send(LEADER, "/officehours 17:45 8:30")
    monday = dt.date(2026, 11, 30)
    office(org).plan_day(monday)
    assert planned(org) == sorted(both(monday, MEMBER, LEADER, times=("08:30", "17:45"))
                                  + both(monday, OTHER, OFFICE_MEMBER))
    [status] = await chat.send(MEMBER, "/officehours")
    assert (status.text or "").startswith(
        "上下班提醒：已开启\n<b>市教育局</b>的提醒时间（工作日）：上班 08:30、下班 17:45\n")
    assert "/officehours 08:30 17:30" not in (status.text or "")  # members see no setter hint
    [reset] = await chat.send(LEADER, "/officehours default")
    assert reset.text == "<b>市教育局</b>已恢复默认提醒时间：上班 08:50、下班 17:30。"
    assert office(org).setting(MEMBER).default


async def test_a_changed_time_replaces_the_planned_one(
    chat: Chat, org: Services, clock: FixedClock
) -> None:
    office(org).plan_day(dt.date(2026, 11, 30))
    await chat.send(LEADER, "/officehours 08:30 17:30")
    office(org).plan_day(dt.date(2026, 11, 30))
    assert await tick_at(chat, clock, local(2026, 11, 30, 8, 30), MEMBER) == [
        ON_DUTY.format("08:30")]
    assert await tick_at(chat, clock, local(2026, 11, 30, 8, 50), MEMBER) == []


async def test_status_shows_the_switch_the_default_and_the_setter_hint(
    chat: Chat, org: Services
) -> None:
    [status] = await chat.send(LEADER, "/officehours")
    assert (status.text or "").startswith(
        "上下班提醒：已开启\n<b>市教育局</b>的提醒时间（工作日）：上班 08:50、下班 17:30（默认）")
    assert "<code>/officehours 08:30 17:30</code>" in (status.text or "")
    [_, switched] = await chat.click(LEADER, "关闭上下班提醒", message=status)
    assert switched.text == "已关闭上下班提醒。需要时发送 /officehours on 重新开启。"
    [refused] = await chat.send(STRANGER, "/officehours")
    assert refused.text == "请先加入单位：向联络员索取邀请码后发送 /join 邀请码。"


async def test_quiet_hours_hold_a_7am_reminder_until_7_30(
    chat: Chat, org: Services, clock: FixedClock
) -> None:
    await chat.send(LEADER, "/officehours 07:00 17:30")
    office(org).plan_day(dt.date(2026, 11, 30))
    assert await tick_at(chat, clock, local(2026, 11, 30, 7, 0), MEMBER) == []
    assert await tick_at(chat, clock, local(2026, 11, 30, 7, 29), MEMBER) == []
    [held] = await tick_at(chat, clock, local(2026, 11, 30, 7, 30), MEMBER)
    assert held.endswith(ON_DUTY.format("07:00"))


async def test_the_tick_hook_plans_tomorrow_by_itself(
    chat: Chat, org: Services, clock: FixedClock
) -> None:
    assert await tick_at(chat, clock, local(2026, 11, 29, 20, 0), MEMBER) == []  # Sunday
    assert planned(org) == both(dt.date(2026, 11, 30), *EVERYONE)
    assert await tick_at(chat, clock, local(2026, 11, 30, 8, 50), MEMBER) == [
        ON_DUTY.format("08:50")]


async def test_unreachable_people_are_left_out(org: Services) -> None:
    org.membership.mark_unreachable(OTHER)
    office(org).plan_day(dt.date(2026, 11, 30))
    assert OTHER not in {user for user, _ in planned(org)}


async def test_a_missing_next_year_calendar_warns_the_office_admins_once(
    chat: Chat, org: Services, clock: FixedClock
) -> None:
    assert office(org).plan_day(dt.date(2026, 11, 30)) == 8  # November: no warning yet
    clock.set(local(2026, 11, 30, 20, 0))
    office(org).plan_day(dt.date(2026, 12, 1))
    office(org).plan_day(dt.date(2026, 12, 2))
    nine = local(2026, 12, 1, 9, 0)
    assert planned(org, "office.calendar") == [(OFFICE_MEMBER, nine), (ADMIN, nine)]
    [text] = await tick_at(chat, clock, local(2026, 12, 1, 9, 0), ADMIN)
    assert text.startswith("⚠️ 节假日日历里还没有2027年国务院公布的安排")
    # The example is shaped like the block to paste, with dates no one could take for data.
    assert "calendar:\n  holidays: [2027-MM-DD" in text and "complete_years: [2027]" in text
    assert "虚构" in text and "2027-01-01" not in text
    assert "calendar import" in text
    assert "2027年国务院公布的安排" in chat.last_text(OFFICE_MEMBER)
    office(org).plan_day(dt.date(2026, 12, 3))
    assert await tick_at(chat, clock, local(2026, 12, 3, 9, 0), ADMIN) == []
    assert planned(org, "office.calendar") == []


def test_no_warning_once_next_year_is_known(
    org: Services, clock: FixedClock, database: Database, db_url: str
) -> None:
    config = parse_config({"database": {"url": db_url}, "office_admins": [ADMIN],
                           "calendar": {"holidays": ["2027-01-01"],
                                        "complete_years": [2027]}})
    known = build_services(config, clock=clock, database=database)
    office(known).plan_day(dt.date(2026, 12, 1))
    assert planned(known, "office.calendar") == []


def test_one_override_date_does_not_make_the_year_known(
    org: Services, clock: FixedClock, database: Database, db_url: str
) -> None:
    config = parse_config({"database": {"url": db_url}, "office_admins": [ADMIN],
                           "calendar": {"holidays": ["2027-01-01"]}})
    partial = build_services(config, clock=clock, database=database)
    office(partial).plan_day(dt.date(2026, 12, 1))
    assert sorted(who for who, _ in planned(partial, "office.calendar")) == sorted(
        [OFFICE_MEMBER, ADMIN])


@pytest.mark.parametrize(("text", "times"), [
    ("08:30 17:30", ("08:30", "17:30")),
    ("17:30，8:30", ("08:30", "17:30")),
    ("07：00、12:00 13:30 18:00", ("07:00", "12:00", "13:30", "18:00")),
    ("9:00 9:00", ("09:00",)),
])
def test_parse_times_reads_hh_mm_lists(text: str, times: tuple[str, ...]) -> None:
    assert parse_times(text) == times


@pytest.mark.parametrize("text", ["", "8点半", "24:00", "08:60", "8:5",
                                  "07:00 08:00 09:00 10:00 11:00"])
def test_parse_times_refuses_the_rest(text: str) -> None:
    with pytest.raises(DomainError) as refused:
        parse_times(text)
    assert refused.value.key == "office.bad_times"


def test_the_warning_repeats_each_monday_and_reaches_the_admin_chat(
    org: Services, clock: FixedClock, database: Database, db_url: str
) -> None:
    config = parse_config({"database": {"url": db_url}, "office_admins": [ADMIN],
                           "telegram": {"admin_chat": -100123}})
    warned = build_services(config, clock=clock, database=database)
    clock.set(local(2026, 11, 30, 20, 0))
    for day in range(1, 8):  # Tuesday 1 to Monday 7 December
        office(warned).plan_day(dt.date(2026, 12, day))
    assert planned(warned, "office.calendar") == sorted(
        (who, local(2026, 12, day, 9, 0))
        for who in (OFFICE_MEMBER, ADMIN, -100123) for day in (1, 7))


def test_an_unknown_current_year_is_warned_about_on_mondays_all_year(
    org: Services, clock: FixedClock, database: Database, db_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("bot.calendar.work.ChineseCalendarPackage", NoPackage)
    config = parse_config({"database": {"url": db_url}, "office_admins": [ADMIN]})
    unknown = build_services(config, clock=clock, database=database)
    clock.set(local(2027, 3, 1, 7, 0))  # a Monday in March 2027, the package without 2027
    office(unknown).plan_day(dt.date(2027, 3, 1))
    office(unknown).plan_day(dt.date(2027, 3, 2))
    warnings = [n for n in unknown.notify.listing() if n.kind == "office.calendar"]
    assert {(n.chat_id, n.payload["year"]) for n in warnings} == {(OFFICE_MEMBER, 2027),
                                                                 (ADMIN, 2027)}
