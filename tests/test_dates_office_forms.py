"""Deadlines as offices write them, at other moments than test_dates_deadlines.py uses."""

from __future__ import annotations

import pytest

from bot.dates import parse_when
from tests.calendar_fixtures import office_calendar
from tests.dates_fixtures import NOWS, at

CAL = office_calendar()  # 2026 from chinesecalendar, 2027 entered in full by the office


# With CAL where the phrase needs working days or holidays.
OFFICE_CASES: list[tuple[str, str, str | None]] = [
    # --- 截至/截止/于/最晚/最迟/到 before, 前/之前/为止 after
    ("SAT", "截至2026年12月31日", "2026-12-31 23:59"),
    ("SAT", "截至到12月20日", "2026-12-20 23:59"),
    ("SAT", "截止于12月20日前", "2026-12-20 23:59"),
    ("SAT", "最迟12月20日之前", "2026-12-20 23:59"),
    ("SAT", "到下周五为止", "2026-12-04 23:59"),
    ("SAT", "于明天下午5点前", "2026-11-29 17:00"),
    ("SAT", "最晚于2027年1月10日", "2027-01-10 23:59"),
    ("SAT", "到年底为止", "2026-12-31 23:59"),
    ("SAT", "截至今年年底", "2026-12-31 23:59"),
    ("MON", "于本周五前", "2026-12-04 23:59"),
    ("MON", "最晚周三", "2026-12-02 23:59"),
    ("NYE", "最晚明天", "2027-01-01 23:59"),
    ("DEC1", "最晚于本月底", "2026-12-31 23:59"),
    ("DEC1", "到下下周一为止", "2026-12-14 23:59"),
    # --- a year (or 明年) before the month part or the day
    ("SAT", "于2027年1月中旬前", "2027-01-20 23:59"),
    ("SAT", "明年1月上旬", "2027-01-10 23:59"),
    ("SAT", "明年6月底前", "2027-06-30 23:59"),
    ("SAT", "2027年2月底前", "2027-02-28 23:59"),
    ("SAT", "明年4月30日前", "2027-04-30 23:59"),
    ("NYE", "于明年底前", "2027-12-31 23:59"),
    # --- 上旬 / 中旬 / 下旬: the 10th, the 20th, the month's last day
    ("SAT", "12月下旬", "2026-12-31 23:59"),
    ("SAT", "12月中旬", "2026-12-20 23:59"),
    ("SAT", "十一月中旬", "2027-11-20 23:59"),  # this year's is over
    ("SAT", "本月底前", "2026-11-30 23:59"),
    ("SAT", "下月上旬前", "2026-12-10 23:59"),
    ("SAT", "于本月下旬", "2026-11-30 23:59"),
    ("MON", "到12月上旬为止", "2026-12-10 23:59"),
    ("NYE", "1月上旬", "2027-01-10 23:59"),
    ("NYE", "下月中旬", "2027-01-20 23:59"),
    ("DEC1", "本月中旬前", "2026-12-20 23:59"),
    ("DEC1", "12月上旬", "2026-12-10 23:59"),
    # --- refused: not exact, or not a real day
    ("SAT", "明年", None),
    ("SAT", "最晚明年", None),
    ("SAT", "明年上旬", None),
    ("SAT", "2027年下旬", None),
    ("SAT", "为止12月31日", None),
    ("SAT", "于于12月31日", None),
    ("SAT", "12月32日前", None),
    ("SAT", "最晚2月29日", None),  # 2027 has none
    ("SAT", "明年2月30日", None),
    ("SAT", "12月下旬前下午3点", None),
    ("SAT", "于下旬", None),
    ("SAT", "月中旬前后", None),
    # --- without a calendar, working days and holidays are refused
    ("MON", "3个工作日内", None),
    ("MON", "春节前", None),
    ("MON", "节后", None),
]
CALENDAR_CASES: list[tuple[str, str, str | None]] = [
    ("MON", "3个工作日内", "2026-12-03 23:59"),
    ("MON", "十个工作日内", "2026-12-14 23:59"),
    ("MON", "5个工作日以内", "2026-12-07 23:59"),
    ("MON", "元旦前", "2026-12-31 23:59"),
    ("MON", "春节前", "2027-02-04 23:59"),
    ("MON", "于元旦前", "2026-12-31 23:59"),
    ("MON", "最晚春节前", "2027-02-04 23:59"),
    ("MON", "元旦后", "2027-01-04 23:59"),
    ("MON", "春节后", "2027-02-12 23:59"),
    ("NYE", "1个工作日内", "2027-01-04 23:59"),  # 元旦 and the weekend skipped
    ("NYE", "元旦前", "2026-12-31 23:59"),
    ("NYE", "节后", "2027-01-04 23:59"),
    ("NYE", "三个工作日内", "2027-01-06 23:59"),
    ("DEC1", "两个工作日内", "2026-12-03 23:59"),
    ("DEC1", "20个工作日内", "2026-12-29 23:59"),
    ("DEC1", "国庆节后", "2027-10-08 23:59"),
    ("DEC1", "国庆前", "2027-09-30 23:59"),
    ("DEC1", "端午前", "2027-06-08 23:59"),
    ("DEC1", "五一前", "2027-04-30 23:59"),
    ("DEC1", "劳动节后", "2027-05-05 23:59"),
    ("MON", "元旦", None),
    ("MON", "3个工作日", None),
    ("MON", "3个工作日后", None),
    ("MON", "300个工作日内", None),
    ("MON", "元旦前后", None),
    ("MON", "节前", None),
    ("MON", "春节期间", None),
    ("MON", "元旦前下午3点", None),
]


@pytest.mark.parametrize(("now_key", "text", "expected"), OFFICE_CASES,
                         ids=[c[1] for c in OFFICE_CASES])
def test_office_forms_without_a_calendar(now_key: str, text: str, expected: str | None) -> None:
    got = parse_when(text, NOWS[now_key])
    assert got == (None if expected is None else at(expected))


@pytest.mark.parametrize(("now_key", "text", "expected"), CALENDAR_CASES,
                         ids=[c[1] for c in CALENDAR_CASES])
def test_office_forms_through_the_calendar(now_key: str, text: str, expected: str | None) -> None:
    got = parse_when(text, NOWS[now_key], calendar=CAL)
    assert got == (None if expected is None else at(expected))


def test_office_table_size() -> None:
    assert len(OFFICE_CASES) + len(CALENDAR_CASES) >= 60
