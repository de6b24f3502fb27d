"""The working-day calendar: package years, statutory fallback, complete years, sources, periods."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.calendar import WorkCalendar, describe_year
from bot.calendar.names import canonical
from bot.config import CalendarConfig, ConfigError, parse_config
from bot.workdays import WorkCalendar as OldPathWorkCalendar
from tests.calendar_fixtures import NoPackage, Through2026, today_package

D = dt.date


def test_the_old_import_path_is_the_same_class() -> None:
    assert OldPathWorkCalendar is WorkCalendar


def test_a_year_the_package_ships_is_known_and_follows_it() -> None:
    cal = WorkCalendar()
    assert cal.knows(2026)
    assert not cal.is_workday(D(2026, 1, 1))
    assert cal.is_workday(D(2026, 10, 10))  # a swapped working Saturday
    assert cal.source(D(2026, 10, 10)) == "package"
    assert cal.source(D(2026, 3, 3)) == "package"


def test_2027_without_config_falls_back_to_the_statutory_holidays() -> None:
    cal = today_package()  # chinesecalendar 1.11 as released, ending with 2026
    assert not cal.knows(2027)
    assert not cal.is_workday(D(2027, 1, 1))  # 元旦: never a working day for lack of data
    assert cal.source(D(2027, 1, 1)) == "statutory"
    assert cal.next_workday(D(2026, 12, 31)) == D(2027, 1, 4)
    assert cal.next_workday(D(2026, 12, 31)) != D(2027, 1, 1)
    # Back over the same holiday and weekend: the working day before Monday 4 January 2027.
    assert cal.previous_workday(D(2027, 1, 4)) == D(2026, 12, 31)
    assert cal.previous_workday(D(2027, 1, 4), include_today=True) == D(2027, 1, 4)
    assert cal.previous_workday(D(2027, 1, 2), include_today=True) == D(2026, 12, 31)
    for day in (D(2027, 2, 5), D(2027, 2, 8), D(2027, 2, 10), D(2027, 10, 1), D(2027, 10, 5)):
        assert not cal.is_workday(day), day  # 春节 with 除夕 and 补假, 国庆 with 补假
    assert cal.source(D(2027, 3, 3)) == "weekday"
    assert cal.source(D(2027, 3, 6)) == "weekday"
    assert not cal.is_workday(D(2027, 3, 6))


def config_calendar(**calendar: object) -> WorkCalendar:
    config = parse_config({"calendar": calendar}).calendar
    return WorkCalendar.from_config(config, official=Through2026())


def test_a_partial_override_does_not_make_a_year_known() -> None:
    cal = config_calendar(holidays=["2027-02-11"])
    assert not cal.knows(2027)
    assert not WorkCalendar(
        holidays=[D(2027, 2, 11)], complete_years=(), official=Through2026()
    ).knows(2027)
    assert not cal.is_workday(D(2027, 2, 11))
    assert cal.source(D(2027, 2, 11)) == "config"
    assert not cal.is_workday(D(2027, 10, 4))  # the statutory days still count
    assert cal.source(D(2027, 10, 4)) == "statutory"


def test_complete_years_with_overrides_is_known_and_the_config_is_the_schedule() -> None:
    cal = WorkCalendar(
        holidays=[D(2027, 1, 1), D(2027, 2, 5), D(2027, 2, 8), D(2027, 2, 9), D(2027, 2, 10),
                  D(2027, 2, 11)],
        workdays=[D(2027, 2, 20)],
        complete_years=[2027],
        official=Through2026(),
    )  # fmt: skip
    assert cal.knows(2027)
    assert not cal.is_workday(D(2027, 2, 11))
    assert cal.is_workday(D(2027, 2, 20))  # a Saturday
    assert cal.source(D(2027, 2, 20)) == "config"
    # The office listed the whole year: what it left out is an ordinary day, not a guess.
    assert cal.is_workday(D(2027, 10, 4))
    assert cal.source(D(2027, 10, 4)) == "weekday"
    assert cal.holiday_period("春节", 2027) == (D(2027, 2, 5), D(2027, 2, 11))


def test_config_overrides_win_over_the_package() -> None:
    cal = WorkCalendar(holidays=[D(2026, 11, 30)], workdays=[D(2026, 11, 29)])
    assert not cal.is_workday(D(2026, 11, 30))
    assert cal.is_workday(D(2026, 11, 29))
    assert cal.source(D(2026, 11, 30)) == "config"
    assert cal.knows(2026)


def test_one_day_cannot_be_both() -> None:
    with pytest.raises(ValueError, match="2027-01-01"):
        WorkCalendar(holidays=[D(2027, 1, 1)], workdays=[D(2027, 1, 1)])
    with pytest.raises(ConfigError, match="2027-01-01 is listed both"):
        parse_config({"calendar": {"holidays": ["2027-01-01"], "workdays": ["2027-01-01"]}})


def test_config_complete_years() -> None:
    cal = config_calendar(complete_years=[2027], holidays=["2027-02-11"])
    assert cal.knows(2027)
    assert not cal.knows(2028)
    with pytest.raises(ConfigError, match="complete_years"):
        parse_config({"calendar": {"complete_years": [27]}})
    assert CalendarConfig().complete_years == ()


@pytest.mark.parametrize(
    ("name", "year", "period"),
    [
        ("元旦", 2026, (D(2026, 1, 1), D(2026, 1, 3))),
        ("元旦", 2024, (D(2023, 12, 30), D(2024, 1, 1))),  # began in the year before
        ("元旦", 2023, (D(2022, 12, 31), D(2023, 1, 2))),
        ("元旦", 2027, (D(2027, 1, 1), D(2027, 1, 3))),  # statutory: Friday and the weekend
        ("春节", 2026, (D(2026, 2, 15), D(2026, 2, 23))),
        ("春节", 2027, (D(2027, 2, 5), D(2027, 2, 10))),
        ("清明节", 2026, (D(2026, 4, 4), D(2026, 4, 6))),
        ("清明", 2026, (D(2026, 4, 4), D(2026, 4, 6))),
        ("劳动节", 2026, (D(2026, 5, 1), D(2026, 5, 5))),
        ("五一", 2027, (D(2027, 5, 1), D(2027, 5, 4))),
        ("端午", 2026, (D(2026, 6, 19), D(2026, 6, 21))),
        ("中秋节", 2026, (D(2026, 9, 25), D(2026, 9, 27))),
        ("中秋", 2025, (D(2025, 10, 1), D(2025, 10, 8))),  # merged with 国庆
        ("中秋", 2020, (D(2020, 10, 1), D(2020, 10, 8))),
        ("国庆", 2026, (D(2026, 10, 1), D(2026, 10, 7))),
        ("十一", 2027, (D(2027, 10, 1), D(2027, 10, 5))),
        ("清明节", 2007, None),  # not a holiday before 2008
    ],
)
def test_holiday_period(name: str, year: int, period: tuple[D, D] | None) -> None:
    assert today_package().holiday_period(name, year) == period


def test_holiday_period_refuses_a_break_an_override_made_endless() -> None:
    month = [D(2027, 1, 1) + dt.timedelta(days=i) for i in range(40)]
    assert WorkCalendar(holidays=month).holiday_period("元旦", 2027) is None


def test_holiday_period_with_the_package_gone() -> None:
    cal = WorkCalendar(official=NoPackage())
    assert not cal.knows(2026)
    # The holidays package carries 2026's days off (not its swapped working days).
    assert cal.holiday_period("国庆节", 2026) == (D(2026, 10, 1), D(2026, 10, 7))
    assert cal.source(D(2026, 10, 1)) == "statutory"


def test_unknown_names_are_a_programming_error() -> None:
    with pytest.raises(ValueError, match="圣诞"):
        WorkCalendar().holiday_period("圣诞", 2026)
    assert canonical("十一") == "国庆节"


def test_describe_a_package_year() -> None:
    text = describe_year(WorkCalendar(holidays=[D(2026, 12, 31)]), 2026)
    lines = text.splitlines()
    assert lines[0] == "2026年：chinesecalendar 已收录国务院的安排（含调休）。"
    assert "  2026-01-01 周四  元旦  [chinesecalendar]" in lines
    assert "  2026-10-10 周六  国庆节  [chinesecalendar]" in lines
    assert "  2026-12-31 周四  元旦  [配置]" in lines  # now the first day of 2027's 元旦
    assert lines[-1] == "全年工作日 247 天。"
    assert lines.index("上班的周末：") < lines.index("  2026-10-10 周六  国庆节  [chinesecalendar]")


def test_describe_an_unknown_year_says_what_is_missing() -> None:
    text = describe_year(today_package(), 2027)
    assert text.startswith("2027年：尚无国务院的安排。")
    assert "调休上班日无从推算" in text
    assert "  2027-01-01 周五  元旦  [法定推算]" in text
    assert "上班的周末：\n  （无）" in text
    english = describe_year(today_package(), 2027, "en")
    assert "  2027-01-01 Fri  New Year's Day  [statutory]" in english
    assert "Weekend days worked:\n  (none)" in english


def test_describe_a_complete_year() -> None:
    cal = config_calendar(holidays=["2027-01-01"], workdays=["2027-02-20"], complete_years=[2027])
    text = describe_year(cal, 2027)
    assert "complete_years" in text.splitlines()[0]
    assert "  2027-01-01 周五  元旦  [配置]" in text
    assert "  2027-02-20 周六  -  [配置]" in text
    assert "[法定推算]" not in text
