"""Deadlines as offices write them: year and month part, 于/最晚/为止, 旬, 工作日, holidays."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.dates import extract_when, parse_range, parse_when
from bot.dates.festivals import HOLIDAY_NAMES
from tests.calendar_fixtures import office_calendar, today_package
from tests.dates_fixtures import NOWS, SH, at

CAL = office_calendar()  # 2026 from chinesecalendar, 2027 entered by the office

# (now, phrase, expected "YYYY-MM-DD HH:MM" in Asia/Shanghai, or None for a refusal)
CASES: list[tuple[str, str, str | None]] = [
    # --- a year before a month end; 明年 generally
    ("SAT", "2027年1月底前", "2027-01-31 23:59"),
    ("SAT", "2026年12月底", "2026-12-31 23:59"),
    ("SAT", "明年3月底前", "2027-03-31 23:59"),
    ("SAT", "明年2月底", "2027-02-28 23:59"),
    ("SAT", "2028年2月末", "2028-02-29 23:59"),
    ("SAT", "今年12月底", "2026-12-31 23:59"),
    ("SAT", "2026年11月底", "2026-11-30 23:59"),
    ("SAT", "2027年12月内", "2027-12-31 23:59"),
    ("SAT", "明年3月1日", "2027-03-01 23:59"),
    ("SAT", "明年年底前", "2027-12-31 23:59"),
    ("SAT", "明年底", "2027-12-31 23:59"),
    ("NYE", "明年1月底前", "2027-01-31 23:59"),
    ("SAT", "二〇二七年一月底前", "2027-01-31 23:59"),
    # --- 于 / 最晚 / 最迟 before, 为止 after; 截至 and 到
    ("SAT", "于2026年12月31日前", "2026-12-31 23:59"),
    ("SAT", "于12月31日前", "2026-12-31 23:59"),
    ("SAT", "于 2026.12.31前", "2026-12-31 23:59"),
    ("SAT", "于下周五前", "2026-12-04 23:59"),
    ("SAT", "最晚下周五", "2026-12-04 23:59"),
    ("SAT", "最晚12月31日", "2026-12-31 23:59"),
    ("SAT", "最迟于12月31日前", "2026-12-31 23:59"),
    ("SAT", "最晚明天下午3点", "2026-11-29 15:00"),
    ("SAT", "截至12月31日为止", "2026-12-31 23:59"),
    ("SAT", "到12月31日为止", "2026-12-31 23:59"),
    ("SAT", "到月底", "2026-11-30 23:59"),
    ("SAT", "截止到2027年1月底", "2027-01-31 23:59"),
    ("NYE", "于1月5日前", "2027-01-05 23:59"),
    # --- 上旬 / 中旬 / 下旬: the 10th, the 20th, the last day
    ("SAT", "12月上旬", "2026-12-10 23:59"),
    ("SAT", "12月中旬前", "2026-12-20 23:59"),
    ("SAT", "1月中旬前", "2027-01-20 23:59"),
    ("SAT", "明年1月下旬", "2027-01-31 23:59"),
    ("SAT", "2027年2月下旬", "2027-02-28 23:59"),
    ("SAT", "本月下旬", "2026-11-30 23:59"),
    ("SAT", "下月中旬", "2026-12-20 23:59"),
    ("SAT", "下个月上旬", "2026-12-10 23:59"),
    ("SAT", "十二月上旬", "2026-12-10 23:59"),
    ("SAT", "11月下旬", "2026-11-30 23:59"),  # the part under way: this year's
    ("SAT", "11月上旬", "2027-11-10 23:59"),  # already over this year: next year's
    ("SAT", "本月上旬", "2026-11-10 23:59"),  # explicit month: kept though past, callers check
    ("SAT", "2026年11月中旬", "2026-11-20 23:59"),  # explicit year: kept though past
    ("MON", "本月下旬", "2026-11-30 23:59"),
    ("MON", "下月上旬前", "2026-12-10 23:59"),
    ("NYE", "12月上旬", "2027-12-10 23:59"),
    ("NYE", "下月中旬", "2027-01-20 23:59"),
    ("NYE", "1月上旬", "2027-01-10 23:59"),
    ("DEC1", "本月中旬", "2026-12-20 23:59"),
    ("DEC1", "12月上旬", "2026-12-10 23:59"),
    ("DEC1", "下下个月下旬", "2027-02-28 23:59"),
    # --- N个工作日内: the N-th working day after today, today not counted
    ("SAT", "三个工作日内", "2026-12-02 23:59"),
    ("SAT", "5个工作日内", "2026-12-04 23:59"),
    ("SAT", "1个工作日内", "2026-11-30 23:59"),
    ("SAT", "十个工作日以内", "2026-12-11 23:59"),
    ("SAT", "5工作日内", "2026-12-04 23:59"),
    ("MON", "三个工作日内", "2026-12-03 23:59"),  # a working Monday is not counted
    ("MON", "5个工作日内", "2026-12-07 23:59"),
    ("NYE", "三个工作日内", "2027-01-06 23:59"),  # 元旦 and its weekend are skipped
    ("NYE", "1个工作日内", "2027-01-04 23:59"),
    ("DEC1", "20个工作日内", "2026-12-29 23:59"),
    ("SAT", "截止3个工作日内", "2026-12-02 23:59"),
    # --- X前: the last day before the next such holiday's first day off
    ("SAT", "元旦前", "2026-12-31 23:59"),
    ("SAT", "春节前", "2027-02-04 23:59"),
    ("SAT", "春节之前", "2027-02-04 23:59"),
    ("SAT", "国庆前", "2027-09-30 23:59"),
    ("SAT", "国庆节前", "2027-09-30 23:59"),
    ("SAT", "十一前", "2027-09-30 23:59"),
    ("SAT", "清明前", "2027-04-02 23:59"),  # 清明 2027 begins on Saturday 3 April
    ("SAT", "清明节前", "2027-04-02 23:59"),
    ("SAT", "劳动节前", "2027-04-30 23:59"),
    ("SAT", "五一前", "2027-04-30 23:59"),
    ("SAT", "端午前", "2027-06-08 23:59"),
    ("SAT", "中秋前", "2027-09-14 23:59"),
    ("SAT", "中秋节以前", "2027-09-14 23:59"),
    ("NYE", "元旦前", "2026-12-31 23:59"),
    ("SAT", "截止春节前", "2027-02-04 23:59"),
    ("SAT", "于春节前", "2027-02-04 23:59"),
    # --- X后 / 节后: the first working day after the holiday's days off
    ("SAT", "节后", "2027-01-04 23:59"),
    ("SAT", "元旦后", "2027-01-04 23:59"),
    ("SAT", "春节后", "2027-02-12 23:59"),
    ("SAT", "国庆节后", "2027-10-08 23:59"),
    ("SAT", "国庆后", "2027-10-08 23:59"),
    ("SAT", "端午节后", "2027-06-10 23:59"),
    ("NYE", "节后", "2027-01-04 23:59"),
    ("NYE", "元旦之后", "2027-01-04 23:59"),
    ("DEC1", "节后", "2027-01-04 23:59"),
    # --- refusals
    ("SAT", "2月30日前", None),
    ("SAT", "13月底", None),
    ("SAT", "于2月30日前", None),
    ("SAT", "明年2月29日", None),  # 2027 is no leap year
    ("SAT", "最晚13月1日", None),
    ("SAT", "2027年13月底", None),
    ("SAT", "下下旬", None),
    ("SAT", "上旬", None),  # which month?
    ("SAT", "中旬前", None),
    ("SAT", "12月上中旬", None),
    ("SAT", "2027年月底", None),
    ("SAT", "2027年下月底", None),
    ("SAT", "三个工作日", None),  # neither "by" nor "after which day"
    ("SAT", "3个工作日后", None),
    ("SAT", "0个工作日内", None),
    ("SAT", "半个工作日内", None),
    ("SAT", "251个工作日内", None),
    ("SAT", "三个工作日内下午3点", None),
    ("SAT", "春节", None),  # a week, not a day
    ("SAT", "国庆节", None),
    ("SAT", "春节前下午5点", None),
    ("SAT", "节前", None),
    ("SAT", "圣诞节前", None),
    ("SAT", "于", None),
    ("SAT", "最晚", None),
    ("SAT", "为止", None),
    ("SAT", "到", None),
]


@pytest.mark.parametrize(
    ("now_key", "text", "expected"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES]
)
def test_deadline_table(now_key: str, text: str, expected: str | None) -> None:
    now = NOWS[now_key]
    got = parse_when(text, now, calendar=CAL)
    if expected is None:
        assert got is None
        return
    assert got == at(expected)
    assert got.tzinfo is now.tzinfo


def test_table_size() -> None:
    assert len(CASES) >= 100
    assert sum(expected is None for _, _, expected in CASES) >= 25


@pytest.mark.parametrize("text", ["三个工作日内", "春节前", "国庆节后", "节后", "五一前"])
def test_without_a_calendar_they_are_refused(text: str) -> None:
    assert parse_when(text, NOWS["SAT"]) is None
    assert extract_when(f"{text} 报送", NOWS["SAT"]) is None
    assert parse_when(text, NOWS["SAT"], calendar=CAL) is not None


def test_the_new_forms_without_a_calendar_need_none() -> None:
    assert parse_when("2027年1月底前", NOWS["SAT"]) == at("2027-01-31 23:59")
    assert parse_when("12月上旬", NOWS["SAT"]) == at("2026-12-10 23:59")
    assert parse_when("于12月31日前", NOWS["SAT"]) == at("2026-12-31 23:59")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


# Holidays around now: under way, just over, two close together (2026: 中秋 25-27 Sep, 国庆 1-7 Oct,
# 春节 15-23 Feb with 14 Feb a working Saturday).
AROUND: list[tuple[datetime, str, str | None]] = [
    (local(2026, 10, 3, 10), "节后", "2026-10-08 23:59"),  # 国庆 under way
    (local(2026, 10, 3, 10), "国庆后", "2026-10-08 23:59"),
    (local(2026, 10, 3, 10), "国庆前", None),  # this one began, or next year's?
    (local(2026, 10, 9, 10), "节后", None),  # just over: "after the holiday" may mean now
    (local(2026, 10, 9, 10), "国庆后", None),
    (local(2026, 10, 9, 10), "国庆前", "2027-09-30 23:59"),
    (local(2026, 10, 20, 10), "国庆后", "2027-10-08 23:59"),
    (local(2026, 9, 20, 10), "节后", None),  # 中秋 or 国庆?
    (local(2026, 9, 20, 10), "中秋后", "2026-09-28 23:59"),
    (local(2026, 9, 20, 10), "国庆前", "2026-09-30 23:59"),
    (local(2026, 2, 18, 10), "节后", "2026-02-24 23:59"),
    (local(2026, 2, 10, 10), "春节前", "2026-02-14 23:59"),  # a working Saturday
    (local(2026, 2, 10, 10), "三个工作日内", "2026-02-13 23:59"),
    (local(2026, 2, 13, 10), "三个工作日内", "2026-02-25 23:59"),  # 14th, then after 春节
    (local(2026, 4, 20, 10), "节后", "2026-05-06 23:59"),  # 劳动节 1-5 May
]


@pytest.mark.parametrize(
    ("now", "text", "expected"), AROUND, ids=[f"{c[0]:%m-%d}-{c[1]}" for c in AROUND]
)
def test_holidays_around_now(now: datetime, text: str, expected: str | None) -> None:
    got = parse_when(text, now, calendar=CAL)
    assert got == (None if expected is None else at(expected))


def test_with_the_bots_calendar_for_an_unknown_year() -> None:
    # 2027 not published: the statutory days off, so 元旦 and 春节 are still holidays.
    cal = today_package()
    assert parse_when("元旦后", NOWS["NYE"], calendar=cal) == at("2027-01-04 23:59")
    assert parse_when("春节前", NOWS["SAT"], calendar=cal) == at("2027-02-04 23:59")
    assert parse_when("三个工作日内", NOWS["NYE"], calendar=cal) == at("2027-01-06 23:59")


def test_extract_when_with_a_calendar() -> None:
    now = NOWS["SAT"]
    assert extract_when("三个工作日内报送整改方案", now, calendar=CAL) == (
        at("2026-12-02 23:59"),
        "报送整改方案",
    )
    assert extract_when("春节前完成整改", now, calendar=CAL) == (at("2027-02-04 23:59"), "完成整改")
    assert extract_when("于2027年1月底前完成", now) == (at("2027-01-31 23:59"), "完成")


def test_a_range_of_month_parts() -> None:
    assert parse_range("12月上旬至12月中旬", NOWS["SAT"]) == (
        at("2026-12-10 00:00"),
        at("2026-12-20 23:59"),
    )


def test_the_reader_asks_only_for_names_the_calendar_knows() -> None:
    for name in HOLIDAY_NAMES:
        assert CAL.holiday_period(name, 2027) is not None, name
