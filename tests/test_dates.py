"""Table-driven tests for bot.dates: every phrase rule, refusals, and the helpers."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.dates import (
    describe_when,
    extract_when,
    parse_interval,
    parse_range,
    parse_when,
    warm_up,
)

SH = ZoneInfo("Asia/Shanghai")
NOWS = {
    "SAT": datetime(2026, 11, 28, 15, 0, tzinfo=SH),  # Saturday afternoon; week is 23-29 Nov
    "MON": datetime(2026, 11, 30, 10, 0, tzinfo=SH),  # Monday, last day of the month
    "NYE": datetime(2026, 12, 31, 22, 0, tzinfo=SH),  # Thursday night, last day of the year
}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


# (now, phrase, expected "YYYY-MM-DD HH:MM" in Asia/Shanghai, or None for a refusal)
CASES: list[tuple[str, str, str | None]] = [
    # --- 今天/明天/后天/大后天: no time means 23:59 of that day
    ("SAT", "今天", "2026-11-28 23:59"),
    ("SAT", "今日", "2026-11-28 23:59"),
    ("SAT", "明天", "2026-11-29 23:59"),
    ("SAT", "明日", "2026-11-29 23:59"),
    ("SAT", "后天", "2026-11-30 23:59"),
    ("SAT", "大后天", "2026-12-01 23:59"),
    ("MON", "后天", "2026-12-02 23:59"),
    ("NYE", "明天", "2027-01-01 23:59"),
    ("NYE", "大后天", "2027-01-03 23:59"),
    # --- day + part of day + hour
    ("SAT", "明天下午3点", "2026-11-29 15:00"),
    ("SAT", "今天下午2点", "2026-11-28 14:00"),  # explicit day: kept though past
    ("SAT", "今晚8点", "2026-11-28 20:00"),
    ("SAT", "今晚", "2026-11-28 23:59"),
    ("SAT", "今晚11点半", "2026-11-28 23:30"),
    ("SAT", "明早8点", "2026-11-29 08:00"),
    ("SAT", "明晚7点半", "2026-11-29 19:30"),
    ("SAT", "明天上午10点", "2026-11-29 10:00"),
    ("SAT", "明天早上8点半", "2026-11-29 08:30"),
    ("SAT", "明天上午12点", "2026-11-29 12:00"),
    ("SAT", "明天中午", "2026-11-29 12:00"),
    ("SAT", "明天中午12点", "2026-11-29 12:00"),
    ("SAT", "明天中午1点", "2026-11-29 13:00"),
    ("SAT", "明天傍晚6点", "2026-11-29 18:00"),
    ("SAT", "明天晚上8点", "2026-11-29 20:00"),
    ("SAT", "明天凌晨2点", "2026-11-29 02:00"),
    ("SAT", "明天3点", "2026-11-29 03:00"),  # no part of day: literal 24-hour clock
    ("SAT", "明天15点", "2026-11-29 15:00"),
    ("SAT", "后天 9:30", "2026-11-30 09:30"),
    ("SAT", "后天9:30", "2026-11-30 09:30"),
    ("SAT", "明天 下午 3点", "2026-11-29 15:00"),
    ("SAT", "今天15：30", "2026-11-28 15:30"),
    # --- 点/时/分/半/刻
    ("SAT", "明天下午3点半", "2026-11-29 15:30"),
    ("SAT", "明天下午3点一刻", "2026-11-29 15:15"),
    ("SAT", "明天下午3点三刻", "2026-11-29 15:45"),
    ("SAT", "明天下午3点05", "2026-11-29 15:05"),
    ("SAT", "明天下午3点5分", "2026-11-29 15:05"),
    ("SAT", "明天下午三点十五分", "2026-11-29 15:15"),
    ("SAT", "明天下午三点零五", "2026-11-29 15:05"),
    ("SAT", "明天15时30分", "2026-11-29 15:30"),
    ("SAT", "明天下午3点整", "2026-11-29 15:00"),
    ("SAT", "明天3点钟", "2026-11-29 03:00"),
    ("SAT", "明天下午两点", "2026-11-29 14:00"),
    ("SAT", "明天十点", "2026-11-29 10:00"),
    ("SAT", "明天二十点", "2026-11-29 20:00"),
    ("SAT", "明天〇点", "2026-11-29 00:00"),
    # --- bare time of day: already past today means tomorrow
    ("SAT", "下午3点半", "2026-11-28 15:30"),
    ("SAT", "下午2点", "2026-11-29 14:00"),
    ("SAT", "15:30", "2026-11-28 15:30"),
    ("SAT", "15:00", "2026-11-28 15:00"),  # exactly now is not past
    ("SAT", "9:30", "2026-11-29 09:30"),
    ("SAT", "晚上8点", "2026-11-28 20:00"),
    ("SAT", "3点", "2026-11-29 03:00"),
    ("SAT", "中午", "2026-11-29 12:00"),
    ("NYE", "下午3点半", "2027-01-01 15:30"),
    ("NYE", "晚上11点", "2026-12-31 23:00"),
    ("NYE", "23:30", "2026-12-31 23:30"),
    # --- weeks start on Monday; 本/这 = this week, 下 = next, 下下 = the one after
    ("SAT", "本周五", "2026-11-27 23:59"),  # in the past: returned, callers check
    ("SAT", "这周五", "2026-11-27 23:59"),
    ("SAT", "这个周五", "2026-11-27 23:59"),
    ("SAT", "本周日", "2026-11-29 23:59"),
    ("SAT", "下周五", "2026-12-04 23:59"),
    ("SAT", "下个周五", "2026-12-04 23:59"),
    ("SAT", "下下周一", "2026-12-07 23:59"),
    ("SAT", "周五", "2026-12-04 23:59"),
    ("SAT", "周六", "2026-11-28 23:59"),  # today counts
    ("SAT", "周日", "2026-11-29 23:59"),
    ("SAT", "周天", "2026-11-29 23:59"),
    ("SAT", "星期日", "2026-11-29 23:59"),
    ("SAT", "星期天", "2026-11-29 23:59"),
    ("SAT", "礼拜天", "2026-11-29 23:59"),
    ("SAT", "礼拜一", "2026-11-30 23:59"),
    ("SAT", "星期三", "2026-12-02 23:59"),
    ("SAT", "周1", "2026-11-30 23:59"),
    ("SAT", "本周内", "2026-11-29 23:59"),
    ("MON", "本周五", "2026-12-04 23:59"),
    ("MON", "下周五", "2026-12-11 23:59"),
    ("MON", "下下周一", "2026-12-14 23:59"),
    ("MON", "周一", "2026-11-30 23:59"),
    ("MON", "周一上午9点", "2026-11-30 09:00"),  # named day: kept though past
    ("MON", "下周一上午10点", "2026-12-07 10:00"),
    ("MON", "下周三下午3点", "2026-12-09 15:00"),
    ("MON", "下周内", "2026-12-13 23:59"),
    ("NYE", "本周五", "2027-01-01 23:59"),
    ("NYE", "下周五", "2027-01-08 23:59"),
    ("NYE", "周四", "2026-12-31 23:59"),
    ("NYE", "本周内", "2027-01-03 23:59"),
    # --- N天/周/个月 后 and 内; hours and minutes from now
    ("SAT", "3天后", "2026-12-01 23:59"),
    ("SAT", "三天后", "2026-12-01 23:59"),
    ("SAT", "3日后", "2026-12-01 23:59"),
    ("SAT", "3天以后", "2026-12-01 23:59"),
    ("SAT", "3天之后", "2026-12-01 23:59"),
    ("SAT", "3天内", "2026-12-01 23:59"),
    ("SAT", "10天内", "2026-12-08 23:59"),
    ("SAT", "１０天后", "2026-12-08 23:59"),
    ("SAT", "十天后", "2026-12-08 23:59"),
    ("SAT", "二十天后", "2026-12-18 23:59"),
    ("SAT", "三十一天后", "2026-12-29 23:59"),
    ("SAT", "3天后下午3点", "2026-12-01 15:00"),
    ("SAT", "两周内", "2026-12-12 23:59"),
    ("SAT", "2周后", "2026-12-12 23:59"),
    ("SAT", "两个星期内", "2026-12-12 23:59"),
    ("SAT", "一个礼拜后", "2026-12-05 23:59"),
    ("SAT", "一个月内", "2026-12-28 23:59"),
    ("SAT", "3个月后", "2027-02-28 23:59"),
    ("SAT", "半个月内", "2026-12-13 23:59"),
    ("MON", "一个月后", "2026-12-30 23:59"),
    ("NYE", "一个月内", "2027-01-31 23:59"),
    ("NYE", "两个月内", "2027-02-28 23:59"),  # clamped to the month's end
    ("SAT", "半小时后", "2026-11-28 15:30"),
    ("SAT", "半个小时后", "2026-11-28 15:30"),
    ("SAT", "一个半小时后", "2026-11-28 16:30"),
    ("SAT", "1个半小时后", "2026-11-28 16:30"),
    ("SAT", "2小时后", "2026-11-28 17:00"),
    ("SAT", "两个小时内", "2026-11-28 17:00"),
    ("SAT", "俩小时后", "2026-11-28 17:00"),
    ("SAT", "45分钟后", "2026-11-28 15:45"),
    ("NYE", "3小时后", "2027-01-01 01:00"),
    # --- 月底/下月底/年底
    ("SAT", "月底", "2026-11-30 23:59"),
    ("SAT", "本月底", "2026-11-30 23:59"),
    ("SAT", "下月底", "2026-12-31 23:59"),
    ("SAT", "下个月底", "2026-12-31 23:59"),
    ("MON", "月底", "2026-11-30 23:59"),
    ("NYE", "月底", "2026-12-31 23:59"),
    ("NYE", "下月底", "2027-01-31 23:59"),
    ("NYE", "下下个月底", "2027-02-28 23:59"),
    ("SAT", "年底", "2026-12-31 23:59"),
    ("SAT", "今年年底", "2026-12-31 23:59"),
    ("SAT", "明年年底", "2027-12-31 23:59"),
    ("NYE", "年底", "2026-12-31 23:59"),
    ("SAT", "12月底", "2026-12-31 23:59"),
    ("SAT", "十一月底", "2026-11-30 23:59"),
    ("SAT", "10月底", "2027-10-31 23:59"),  # month already over: next year
    ("SAT", "这月底", "2026-11-30 23:59"),
    ("SAT", "月内", "2026-11-30 23:59"),
    ("SAT", "本月内", "2026-11-30 23:59"),
    ("SAT", "年内", "2026-12-31 23:59"),
    ("SAT", "2027年底", "2027-12-31 23:59"),
    ("SAT", "二〇二七年年底", "2027-12-31 23:59"),
    # --- M月D日 / D号: the next such day, today included; explicit year never moved
    ("SAT", "12月31日", "2026-12-31 23:59"),
    ("SAT", "12月31号", "2026-12-31 23:59"),
    ("SAT", "十二月三十一日", "2026-12-31 23:59"),
    ("SAT", "１２月３１日", "2026-12-31 23:59"),
    ("SAT", "12 月 31 日", "2026-12-31 23:59"),
    ("SAT", "12月3日", "2026-12-03 23:59"),
    ("SAT", "11月28日", "2026-11-28 23:59"),
    ("SAT", "十一月二十八号", "2026-11-28 23:59"),
    ("SAT", "11月27日", "2027-11-27 23:59"),
    ("SAT", "1月5日", "2027-01-05 23:59"),
    ("NYE", "12月31日", "2026-12-31 23:59"),
    ("NYE", "1月1日", "2027-01-01 23:59"),
    ("SAT", "15号", "2026-12-15 23:59"),
    ("SAT", "15日", "2026-12-15 23:59"),
    ("SAT", "十五号", "2026-12-15 23:59"),
    ("SAT", "28号", "2026-11-28 23:59"),
    ("SAT", "30号", "2026-11-30 23:59"),
    ("MON", "30号", "2026-11-30 23:59"),
    ("NYE", "31号", "2026-12-31 23:59"),
    ("NYE", "30号", "2027-01-30 23:59"),
    ("SAT", "下月15号", "2026-12-15 23:59"),
    ("SAT", "下个月5号", "2026-12-05 23:59"),
    ("SAT", "本月5号", "2026-11-05 23:59"),  # explicit month: kept though past
    ("SAT", "这月15号", "2026-11-15 23:59"),
    ("SAT", "2026年12月31日", "2026-12-31 23:59"),
    ("SAT", "2027年1月5日", "2027-01-05 23:59"),
    ("SAT", "2026年1月5日", "2026-01-05 23:59"),  # explicit year: kept though past
    ("SAT", "２０２６年１２月３１日", "2026-12-31 23:59"),
    ("SAT", "二〇二六年十二月三十一日", "2026-12-31 23:59"),
    ("SAT", "二零二七年一月一日", "2027-01-01 23:59"),
    ("SAT", "明年3月1日", "2027-03-01 23:59"),
    ("SAT", "2028年2月29日", "2028-02-29 23:59"),
    ("SAT", "2026-12-31", "2026-12-31 23:59"),
    ("SAT", "2026/12/31", "2026-12-31 23:59"),
    ("SAT", "2026.12.31", "2026-12-31 23:59"),
    ("SAT", "2026-1-5", "2026-01-05 23:59"),
    ("SAT", "12/31", "2026-12-31 23:59"),
    ("SAT", "12-31", "2026-12-31 23:59"),
    ("SAT", "1/5", "2027-01-05 23:59"),
    ("SAT", "11/28", "2026-11-28 23:59"),
    ("NYE", "12/31", "2026-12-31 23:59"),
    # --- date + time
    ("SAT", "12月31日18:00", "2026-12-31 18:00"),
    ("SAT", "12月31日 18:00", "2026-12-31 18:00"),
    ("SAT", "12月31日下午6点", "2026-12-31 18:00"),
    ("SAT", "2026-12-31 18:00", "2026-12-31 18:00"),
    ("SAT", "2026年12月31日下午5点半", "2026-12-31 17:30"),
    ("SAT", "下周五上午10点", "2026-12-04 10:00"),
    ("SAT", "15号下午3点", "2026-12-15 15:00"),
    ("SAT", "12/31 18:00", "2026-12-31 18:00"),
    # --- deadline words 前/之前/以前, 截止/截至 (leading or trailing)
    ("SAT", "周五前", "2026-12-04 23:59"),
    ("SAT", "12月31日前", "2026-12-31 23:59"),
    ("SAT", "年底前", "2026-12-31 23:59"),
    ("SAT", "月底之前", "2026-11-30 23:59"),
    ("SAT", "下周一以前", "2026-11-30 23:59"),
    ("SAT", "15号前", "2026-12-15 23:59"),
    ("SAT", "明天下午3点前", "2026-11-29 15:00"),
    ("SAT", "截止12月31日", "2026-12-31 23:59"),
    ("SAT", "截至12月31日", "2026-12-31 23:59"),
    ("SAT", "截止到月底", "2026-11-30 23:59"),
    ("SAT", "截止于12月31日", "2026-12-31 23:59"),
    ("SAT", "截止：12月31日", "2026-12-31 23:59"),
    ("SAT", "截止 12月31日", "2026-12-31 23:59"),
    ("SAT", "12月31日截止", "2026-12-31 23:59"),
    ("SAT", "截止12月31日前", "2026-12-31 23:59"),
    # --- whitespace and closing punctuation are ignored
    ("SAT", "明天。", "2026-11-29 23:59"),
    ("SAT", "明天！", "2026-11-29 23:59"),
    ("SAT", "  明天  ", "2026-11-29 23:59"),
    ("SAT", "明天下午3点.", "2026-11-29 15:00"),
    # --- English through dateparser (day) with hours read here
    ("SAT", "tomorrow 3pm", "2026-11-29 15:00"),
    ("SAT", "Tomorrow at 3:30 PM", "2026-11-29 15:30"),
    ("SAT", "3pm tomorrow", "2026-11-29 15:00"),
    ("SAT", "next friday", "2026-12-04 23:59"),
    ("SAT", "friday 5pm", "2026-12-04 17:00"),
    ("SAT", "by friday", "2026-12-04 23:59"),
    ("SAT", "saturday", "2026-11-28 23:59"),  # today counts, as for 周六
    ("SAT", "in 3 days", "2026-12-01 23:59"),
    ("SAT", "Dec 31", "2026-12-31 23:59"),
    ("SAT", "31 December 2026", "2026-12-31 23:59"),
    ("SAT", "2026-12-31 5pm", "2026-12-31 17:00"),
    ("SAT", "9am", "2026-11-29 09:00"),
    ("SAT", "3 p.m.", "2026-11-28 15:00"),
    ("SAT", "noon", "2026-11-29 12:00"),
    ("SAT", "in 2 hours", "2026-11-28 17:00"),
    ("SAT", "in 90 minutes", "2026-11-28 16:30"),
    ("MON", "9am", "2026-12-01 09:00"),  # dateparser alone says 2026-11-01
    ("MON", "today 9pm", "2026-11-30 21:00"),
    ("MON", "next friday", "2026-12-04 23:59"),  # English "next": dateparser's next occurrence
    ("NYE", "dec 31", "2026-12-31 23:59"),  # dateparser alone says 2027
    ("NYE", "noon", "2027-01-01 12:00"),  # dateparser alone says 2027-12-01
    ("NYE", "in 1 month", "2027-01-31 23:59"),
    ("NYE", "tomorrow", "2027-01-01 23:59"),
    # --- refusals: impossible, contradictory, vague or not fully read
    ("SAT", "2月30日", None),
    ("SAT", "2026年2月29日", None),
    ("SAT", "2027年2月29日", None),
    ("SAT", "13月1日", None),
    ("SAT", "32号", None),
    ("SAT", "0号", None),
    ("SAT", "31号", None),  # November has no 31st
    ("MON", "31号", None),
    ("SAT", "25点", None),
    ("SAT", "24:00", None),
    ("SAT", "明天25点", None),
    ("SAT", "明天3点61分", None),
    ("SAT", "12:60", None),
    ("SAT", "下午15点", None),
    ("SAT", "下午13点", None),
    ("SAT", "下午12点", None),
    ("SAT", "晚上12点", None),
    ("SAT", "今晚12点", None),
    ("SAT", "晚上2点", None),
    ("SAT", "凌晨8点", None),
    ("SAT", "傍晚2点", None),
    ("SAT", "上午0点", None),
    ("SAT", "今晚下午3点", None),
    ("SAT", "明天后天", None),
    ("SAT", "随便什么", None),
    ("SAT", "周八", None),
    ("SAT", "周内", None),
    ("SAT", "下周", None),
    ("SAT", "", None),
    ("SAT", "   ", None),
    ("SAT", "。", None),
    ("SAT", "明天 blah", None),
    ("SAT", "明天blah", None),
    ("SAT", "明天上午", None),
    ("SAT", "明早", None),
    ("SAT", "月初", None),
    ("SAT", "3月后", None),
    ("SAT", "12月内", None),  # reads as "within 12 months" or "within December"
    ("SAT", "3天内下午3点", None),
    ("SAT", "半天后", None),
    ("SAT", "一个半月后", None),
    ("SAT", "3天前", None),
    ("SAT", "3点5", None),
    ("SAT", "三点五", None),
    ("SAT", "十十天后", None),
    ("SAT", "一二月三日", None),
    ("SAT", "12月", None),
    ("SAT", "2026-02-30", None),
    ("SAT", "2026-13-01", None),
    ("SAT", "12/32", None),
    ("SAT", "12/31/2026", None),
    ("SAT", "2026", None),
    ("SAT", "12", None),
    ("SAT", "tomorrow 25pm", None),
    ("SAT", "tomorrow blah", None),
    ("SAT", "a", None),
    ("SAT", "Dec", None),
    ("SAT", "yesterday", None),
    ("SAT", "tomorrow morning", None),
    ("SAT", "3pm EST", None),
    ("SAT", "13pm", None),
]


@pytest.mark.parametrize(
    ("now_key", "text", "expected"), CASES, ids=[c[1] or "<empty>" for c in CASES]
)
def test_parse_when_table(now_key: str, text: str, expected: str | None) -> None:
    now = NOWS[now_key]
    got = parse_when(text, now)
    if expected is None:
        assert got is None
        return
    assert got == at(expected)
    assert got.tzinfo is now.tzinfo
    assert (got.second, got.microsecond) == (0, 0)


def test_table_size() -> None:
    assert len(CASES) >= 120
    assert sum(expected is None for _, _, expected in CASES) >= 15


def test_span_drops_seconds() -> None:
    now = datetime(2026, 11, 28, 15, 0, 37, 500_000, tzinfo=SH)
    assert parse_when("半小时后", now) == at("2026-11-28 15:30")
    assert parse_when("in 2 hours", now) == at("2026-11-28 17:00")


def test_result_stays_in_nows_zone() -> None:
    ny = ZoneInfo("America/New_York")
    now = datetime(2026, 11, 28, 15, 0, tzinfo=ny)
    got = parse_when("明天下午3点", now)
    assert got == datetime(2026, 11, 29, 15, 0, tzinfo=ny)
    assert got is not None and got.tzinfo is ny


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_when("明天", datetime(2026, 11, 28, 15, 0))  # noqa: DTZ001 - the point of the test


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("zh", "2026年12月4日 周五 23:59"),
        ("zh-CN", "2026年12月4日 周五 23:59"),
        ("en", "Fri 4 Dec 2026 23:59"),
        ("en-US", "Fri 4 Dec 2026 23:59"),
    ],
)
def test_describe_when(lang: str, expected: str) -> None:
    assert describe_when(at("2026-12-04 23:59"), lang) == expected


def test_describe_when_every_weekday_and_month() -> None:
    start = at("2026-01-05 08:05")  # a Monday
    zh = [describe_when(start + timedelta(days=i), "zh").split()[1] for i in range(7)]
    en = [describe_when(start + timedelta(days=i), "en").split()[0] for i in range(7)]
    assert zh == ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
    assert en == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    months = [describe_when(at(f"2026-{m:02d}-01 00:00"), "en").split()[2] for m in range(1, 13)]
    assert months == [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]  # fmt: skip
    assert describe_when(start, "en") == "Mon 5 Jan 2026 08:05"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("明天下午3点 交材料", ("2026-11-29 15:00", "交材料")),
        ("明天下午3点交材料", ("2026-11-29 15:00", "交材料")),
        ("明天下午3点，交材料", ("2026-11-29 15:00", "交材料")),
        ("明天下午3点半开会", ("2026-11-29 15:30", "开会")),
        ("明天下午3点 30个人开会", ("2026-11-29 15:00", "30个人开会")),
        ("下周五前 报送整改方案", ("2026-12-04 23:59", "报送整改方案")),
        ("十二月三十一日前完成", ("2026-12-31 23:59", "完成")),
        ("2026-12-31 18:00 开会", ("2026-12-31 18:00", "开会")),
        ("3天后 回访", ("2026-12-01 23:59", "回访")),
        ("明天", ("2026-11-29 23:59", "")),
        ("交材料", None),
        ("12/311", None),  # a number is never cut in two
        ("", None),
    ],
)
def test_extract_when(text: str, expected: tuple[str, str] | None) -> None:
    got = extract_when(text, NOWS["SAT"])
    if expected is None:
        assert got is None
    else:
        assert got == (at(expected[0]), expected[1])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12月3日至12月5日", ("2026-12-03", "2026-12-05")),
        ("明天到后天", ("2026-11-29", "2026-11-30")),
        ("明天 到 后天", ("2026-11-29", "2026-11-30")),
        ("12月3日-5日", ("2026-12-03", "2026-12-05")),
        ("12月3号~5号", ("2026-12-03", "2026-12-05")),
        ("今天至下周一", ("2026-11-28", "2026-11-30")),
        ("12月28日至1月3日", ("2026-12-28", "2027-01-03")),
        ("2027年1月3日至1月5日", ("2027-01-03", "2027-01-05")),
        ("2026-12-03-2026-12-05", ("2026-12-03", "2026-12-05")),
        ("12-3至12-5", ("2026-12-03", "2026-12-05")),
        ("后天到明天", None),  # end before start
        ("12月5日至3日", None),  # a bare day of month stays in the first day's month
        ("明天下午3点到后天", None),  # leave is whole days
        ("明天", None),
        ("明天到", None),
    ],
)
def test_parse_range(text: str, expected: tuple[str, str] | None) -> None:
    got = parse_range(text, NOWS["SAT"])
    if expected is None:
        assert got is None
    else:
        assert got == (at(f"{expected[0]} 00:00"), at(f"{expected[1]} 23:59"))


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("每天", 1),
        ("每日", 1),
        ("每周", 7),
        ("每星期", 7),
        ("每个星期", 7),
        ("每礼拜", 7),
        ("每两周", 14),
        ("每2周", 14),
        ("每月", 30),
        ("每个月", 30),
        ("每3天", 3),
        ("每 3 天", 3),
        ("3天", 3),
        ("一周", 7),
        ("两周", 14),
        ("两个月", 60),
        ("天", None),
        ("3日", None),  # the 3rd of a month
        ("3月", None),  # March
        ("每0天", None),
        ("每周一", None),
        ("每隔一天", None),
        ("随便", None),
        ("", None),
    ],
)
def test_parse_interval(text: str, days: int | None) -> None:
    assert parse_interval(text) == (None if days is None else timedelta(days=days))


def test_warm_up_then_english() -> None:
    warm_up()
    assert parse_when("tomorrow 3pm", NOWS["SAT"]) == at("2026-11-29 15:00")


def test_chinese_never_imports_dateparser() -> None:
    root = Path(__file__).resolve().parents[1]
    code = (
        "import sys\n"
        "from datetime import datetime, timezone\n"
        "from bot.dates import parse_when\n"
        "now = datetime(2026, 11, 28, 15, tzinfo=timezone.utc)\n"
        "assert parse_when('明天下午3点', now) is not None\n"
        "assert parse_when('2026-12-31 18:00', now) is not None\n"
        "assert 'dateparser' not in sys.modules\n"
    )
    subprocess.run(
        [sys.executable, "-c", code], check=True, cwd=root, env={"PYTHONPATH": str(root)}
    )
