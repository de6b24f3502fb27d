"""The State Council's notice: real texts checked day by day against chinesecalendar, refusals."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import chinese_calendar
import pytest
import yaml

from bot.calendar import WorkCalendar
from bot.calendar.notice import parse_notice, render_calendar
from bot.config import CalendarConfig, parse_config
from tests.calendar_fixtures import NoPackage

NOTICES = Path(__file__).resolve().parent / "notices"
D = dt.date


def notice(year: int) -> str:
    return (NOTICES / f"{year}.txt").read_text(encoding="utf-8")


def days_of(year: int) -> list[dt.date]:
    first = D(year, 1, 1)
    return [first + dt.timedelta(days=i) for i in range((D(year + 1, 1, 1) - first).days)]


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_the_notice_agrees_with_chinesecalendar_on_every_day(year: int) -> None:
    result = parse_notice(notice(year))
    assert result.year == year
    assert result.refused == ()
    assert result.complete
    holidays, workdays = set(result.holidays), set(result.workdays)
    for day in days_of(year):
        weekend = day.weekday() >= 5
        working = chinese_calendar.is_workday(day)
        assert (day in holidays) == (not working and not weekend), day
        assert (day in workdays) == (working and weekend), day
    assert all(d.year == year for d in holidays | workdays)


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_the_rendered_block_gives_the_same_calendar_without_the_package(year: int) -> None:
    block = yaml.safe_load(render_calendar(parse_notice(notice(year))))
    config = parse_config(block).calendar
    assert config.complete_years == (year,)
    cal = WorkCalendar(
        workdays=config.workdays,
        holidays=config.holidays,
        complete_years=config.complete_years,
        official=NoPackage(),
    )
    assert cal.knows(year)
    for day in days_of(year):
        assert cal.is_workday(day) == chinese_calendar.is_workday(day), day


def test_the_2025_notice_in_detail() -> None:
    result = parse_notice(notice(2025))
    spring = result.festivals[1]
    assert spring.names == ("春节",)
    assert (spring.first, spring.last) == (D(2025, 1, 28), D(2025, 2, 4))
    assert spring.workdays == (D(2025, 1, 26), D(2025, 2, 8))
    assert result.festivals[-1].names == ("国庆节", "中秋节")
    assert result.festivals[0].workdays == ()  # 不调休


def test_advice_is_kept_aside_not_read_as_a_day_off() -> None:
    result = parse_notice(notice(2024))
    assert D(2024, 2, 9) not in result.holidays  # 除夕 2024 was a working day
    assert len(result.notes) == 1 and "除夕" in result.notes[0]


BAD_LINES = [
    "一、元旦：1月1日（周四）放假1天，不调休。",  # 2025-01-01 was a Wednesday
    "二、春节：1月28日至2月4日放假调休，共9天。1月26日（周日）、2月8日（周六）上班。",  # 8 days
    "三、清明节：4月4日至6日放假，共3天。4月7日（周一）上班。",  # a Monday
    "四、劳动节：5月1日至5日放假，不调休。4月27日（周日）上班。",
    "五、端午节：5月31日至6月2日放假，共3天。6月3日（周二）上班。",  # a weekday 上班
    "六、中秋节：10月6日前后放假，共3天。",
    "七、国庆节：10月1日（周三）至8日放假调休，共8天。9月28日（周日）上班。另行通知。",
    "七、重阳节：10月29日放假。",
    "二、春节：2月30日至3月2日放假，共3天。",
    "五、端午节：5月31日至5月30日放假。",
]


@pytest.mark.parametrize("line", BAD_LINES)
def test_a_line_not_read_fully_is_refused_with_its_text(line: str) -> None:
    result = parse_notice(f"国务院办公厅关于2025年部分节假日安排的通知\n{line}\n")
    assert result.refused == (line,)
    assert result.festivals == ()
    assert not result.complete


def test_a_refused_line_keeps_the_year_out_of_complete_years() -> None:
    text = notice(2025).replace("放假1天，不调休", "放假1天，视情况调休")
    result = parse_notice(text)
    assert result.refused == ("一、元旦：1月1日（周三）放假1天，视情况调休。",)
    assert result.missing == ("元旦",)
    block = render_calendar(result)
    assert "complete_years: []" in block
    assert "#   一、元旦：1月1日（周三）放假1天，视情况调休。" in block
    assert "#   缺少：元旦" in block
    assert parse_config(yaml.safe_load(block)).calendar.complete_years == ()


def test_the_year_comes_from_the_title_or_the_caller() -> None:
    body = "一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。\n"
    with pytest.raises(ValueError, match="no year"):
        parse_notice(body)
    result = parse_notice(body, year=2026)
    assert result.holidays == (D(2026, 1, 1), D(2026, 1, 2))
    assert result.missing == ("春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")


def test_explicit_years_across_new_year() -> None:
    result = parse_notice(
        "国务院办公厅关于2023年部分节假日安排的通知\n"
        "一、元旦：2022年12月31日至2023年1月2日放假调休，共3天。\n"
    )
    assert result.days_off == (D(2022, 12, 31), D(2023, 1, 1), D(2023, 1, 2))
    assert result.holidays == (D(2023, 1, 2),)
    result = parse_notice(
        "国务院办公厅关于2019年部分节假日安排的通知\n"
        "一、元旦：2018年12月30日至2019年1月1日放假调休，共3天。2018年12月29日（星期六）上班。\n"
    )
    assert result.days_off == (D(2018, 12, 30), D(2018, 12, 31), D(2019, 1, 1))
    assert result.workdays == (D(2018, 12, 29),)


def test_rendering_merges_with_the_existing_config() -> None:
    existing = CalendarConfig(
        holidays=(D(2026, 12, 31), D(2027, 3, 1), D(2028, 1, 3)),
        workdays=(D(2027, 2, 21),),
        complete_years=(2028,),
    )
    result = parse_notice(
        "国务院办公厅关于2027年部分节假日安排的通知\n"
        "一、元旦：1月1日（周五）至3日（周日）放假，共3天。\n"
        "二、春节：2月5日（农历除夕、周五）至12日（周五）放假调休，共8天。2月20日（周六）上班。\n"
    )
    assert result.missing == ("清明节", "劳动节", "端午节", "中秋节", "国庆节")
    block = parse_config(yaml.safe_load(render_calendar(result, existing))).calendar
    assert D(2026, 12, 31) in block.holidays and D(2028, 1, 3) in block.holidays
    assert D(2027, 3, 1) in block.holidays  # read in part: what it does not name is kept
    assert D(2027, 2, 12) in block.holidays and D(2027, 2, 20) in block.workdays
    assert block.complete_years == (2028,)  # five holidays missing: 2027 is not complete
    whole = parse_notice(notice(2026))
    block = parse_config(yaml.safe_load(render_calendar(whole, existing))).calendar
    assert D(2027, 3, 1) in block.holidays and D(2026, 1, 2) in block.holidays
    assert block.complete_years == (2026, 2028)
    guessed = CalendarConfig(holidays=(D(2026, 3, 2),), workdays=(D(2026, 3, 7),))
    block = parse_config(yaml.safe_load(render_calendar(whole, guessed))).calendar
    assert D(2026, 3, 2) not in block.holidays  # read whole: the notice replaces the guesses
    assert D(2026, 3, 7) not in block.workdays
