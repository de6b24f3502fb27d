"""bot.dates beyond the phrase table: zones, the echo, extraction, ranges, intervals, imports."""

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
from tests.dates_fixtures import NOWS, SH, at


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


@pytest.mark.parametrize(("text", "today", "ahead", "back"), [
    # A month-day just gone: ahead it is next year's, read back it is this year's.
    ("11月28日至12月1日", "2026-12-02", ("2027-11-28", "2027-12-01"), ("2026-11-28", "2026-12-01")),
    # Across the new year, the range moves as a whole.
    ("12月28日至1月3日", "2027-01-05", ("2027-12-28", "2028-01-03"), ("2026-12-28", "2027-01-03")),
    # Begun in the recent past and running on: only the reading back makes a range of it.
    ("11月30日至今天", "2026-12-02", None, ("2026-11-30", "2026-12-02")),
    # Days ahead stay ahead either way.
    ("12月5日至12月8日", "2026-12-02", ("2026-12-05", "2026-12-08"), ("2026-12-05", "2026-12-08")),
    ("明天到后天", "2026-12-02", ("2026-12-03", "2026-12-04"), ("2026-12-03", "2026-12-04")),
])
def test_parse_range_reads_the_recent_past_when_asked(
    text: str, today: str, ahead: tuple[str, str] | None, back: tuple[str, str] | None
) -> None:
    now = at(f"{today} 10:00")

    def days(found: tuple[datetime, datetime] | None) -> tuple[str, str] | None:
        return None if found is None else (f"{found[0]:%Y-%m-%d}", f"{found[1]:%Y-%m-%d}")

    assert days(parse_range(text, now)) == ahead
    assert days(parse_range(text, now, prefer="past")) == back


def test_parse_when_reads_a_month_day_just_gone_as_this_years_when_asked() -> None:
    now = at("2026-12-02 10:00")
    assert parse_when("11月28日", now) == at("2027-11-28 23:59")
    assert parse_when("11月28日", now, prefer="past") == at("2026-11-28 23:59")
    # Less than half a year ahead is nearer than the past: unchanged.
    assert parse_when("3月1日", now, prefer="past") == at("2027-03-01 23:59")
    # Relative days and explicit years are what they say.
    assert parse_when("明天", now, prefer="past") == at("2026-12-03 23:59")
    assert parse_when("2027年11月28日", now, prefer="past") == at("2027-11-28 23:59")
