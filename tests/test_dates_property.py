"""Property tests for bot.dates: arbitrary text never raises and never yields a naive datetime."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.dates import describe_when, extract_when, parse_interval, parse_range, parse_when
from tests.calendar_fixtures import office_calendar

ZONES = [
    ZoneInfo("Asia/Shanghai"),
    ZoneInfo("UTC"),
    ZoneInfo("America/New_York"),  # has DST gaps and folds
    timezone(timedelta(hours=8)),
]
# The grammar's own vocabulary, so random mixes reach deep into the parser instead of failing
# on the first character.
TOKENS = [
    "今天", "明天", "后天", "大后天", "今晚", "明早", "明晚", "本", "这", "这个", "下", "下下",
    "个", "周", "星期", "礼拜", "一", "二", "两", "俩", "三", "五", "六", "日", "天", "十",
    "〇", "零", "九", "号", "月", "年", "今年", "明年", "底", "末", "内", "后", "以后", "之内",
    "点", "时", "分", "分钟", "小时", "钟头", "半", "刻", "整", "上午", "早上", "中午", "下午",
    "傍晚", "晚上", "凌晨", "前", "之前", "以前", "截止", "截至", "截止到", "：", ":", "-", "/",
    ".", "。", "！", " ", "　", "至", "到", "~", "每", "0", "1", "2", "3", "5", "9", "12", "15",
    "24", "30", "31", "60", "2026", "9999", "０", "１", "５", "tomorrow", "next", "friday",
    "dec", "in", "days", "hours", "3pm", "am", "at", "noon", "by",
    "于", "最晚", "为止", "上旬", "中旬", "下旬", "旬", "工作日", "个工作日内", "春节", "国庆",
    "元旦", "十一", "五一", "节后", "明年",
]  # fmt: skip
CAL = office_calendar()
PROPERTY = settings(max_examples=250, deadline=None)

nows = st.datetimes(
    min_value=datetime(1990, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive by design
    max_value=datetime(2100, 12, 31),  # noqa: DTZ001
    timezones=st.sampled_from(ZONES),
)
phrases = st.one_of(
    st.text(max_size=30),
    st.lists(st.sampled_from(TOKENS), max_size=7).map("".join),
)


def assert_in_zone(result: datetime, now: datetime) -> None:
    assert result.tzinfo is not None
    assert result.tzinfo is now.tzinfo
    assert result.utcoffset() is not None


@PROPERTY
@given(phrases, nows)
def test_parse_when_never_raises_and_is_aware(text: str, now: datetime) -> None:
    result = parse_when(text, now)
    if result is not None:
        assert_in_zone(result, now)
        describe_when(result, "zh")
        describe_when(result, "en")


@PROPERTY
@given(phrases, nows)
def test_with_a_calendar_never_raises_and_is_aware(text: str, now: datetime) -> None:
    result = parse_when(text, now, calendar=CAL)
    if result is not None:
        assert_in_zone(result, now)


@PROPERTY
@given(phrases, phrases, nows)
def test_extract_when_leaves_a_suffix(head: str, tail: str, now: datetime) -> None:
    result = extract_when(head + tail, now)
    if result is not None:
        when, rest = result
        assert_in_zone(when, now)
        assert (head + tail).rstrip().endswith(rest)


@PROPERTY
@given(phrases, nows)
def test_parse_range_is_ordered_days(text: str, now: datetime) -> None:
    result = parse_range(text, now)
    if result is not None:
        start, end = result
        assert_in_zone(start, now)
        assert_in_zone(end, now)
        assert (start.hour, start.minute, end.hour, end.minute) == (0, 0, 23, 59)
        assert start <= end


@PROPERTY
@given(phrases)
def test_parse_interval_is_positive_whole_days(text: str) -> None:
    result = parse_interval(text)
    if result is not None:
        assert result >= timedelta(days=1)
        assert result % timedelta(days=1) == timedelta(0)


@PROPERTY
@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)), nows)
def test_month_day_is_next_occurrence(day: date, now: datetime) -> None:
    # A leap day may not exist in the chosen year: refused then, never moved to March.
    result = parse_when(f"{day.month}月{day.day}日", now)
    if result is None:
        assert (day.month, day.day) == (2, 29)
        return
    assert (result.month, result.day, result.hour, result.minute) == (day.month, day.day, 23, 59)
    assert now.date() <= result.date() < now.date() + timedelta(days=367)


@PROPERTY
@given(st.integers(0, 23), st.integers(0, 59), nows)
def test_clock_tomorrow(hour: int, minute: int, now: datetime) -> None:
    result = parse_when(f"明天{hour}:{minute:02d}", now)
    assert result is not None
    assert result.date() == now.date() + timedelta(days=1)
    assert (result.hour, result.minute) == (hour, minute)


CN_DIGITS = "〇一二三四五六七八九"


def chinese(n: int) -> str:
    tens, ones = divmod(n, 10)
    if tens == 0:
        return CN_DIGITS[ones]
    return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")


@PROPERTY
@given(st.integers(1, 99), nows)
def test_chinese_and_arabic_numerals_agree(n: int, now: datetime) -> None:
    expected = parse_when(f"{n}天后", now)
    assert expected is not None
    assert expected.date() == now.date() + timedelta(days=n)
    assert parse_when(f"{chinese(n)}天后", now) == expected
    full_width = str(n).translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    assert parse_when(f"{full_width}天后", now) == expected


office_nows = st.datetimes(
    min_value=datetime(2026, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive by design
    max_value=datetime(2027, 11, 30),  # noqa: DTZ001
    timezones=st.just(ZoneInfo("Asia/Shanghai")),
)


@PROPERTY
@given(st.integers(1, 30), office_nows)
def test_working_days_count_from_tomorrow(n: int, now: datetime) -> None:
    result = parse_when(f"{n}个工作日内", now, calendar=CAL)
    assert result is not None
    assert (result.hour, result.minute) == (23, 59)
    assert CAL.is_workday(result.date())
    days = (now.date() + timedelta(days=i) for i in range(1, (result.date() - now.date()).days + 1))
    assert sum(CAL.is_workday(d) for d in days) == n


@PROPERTY
@given(st.integers(1, 12), st.sampled_from("上中下"), nows)
def test_a_month_part_is_its_next_end(month: int, part: str, now: datetime) -> None:
    result = parse_when(f"{month}月{part}旬", now)
    assert result is not None
    last = (result.date().replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    assert result.month == month
    assert result.day == {"上": 10, "中": 20, "下": last.day}[part]
    assert now.date() <= result.date() < now.date() + timedelta(days=367)
