"""`python -m bot calendar YEAR` and `calendar import NOTICE.txt` as an office runs them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import chinese_calendar
import pytest
import yaml

from bot.calendar import WorkCalendar
from bot.cli import main
from bot.config import CalendarConfig
from tests.calendar_fixtures import NoPackage, Through2026

NOTICES = Path(__file__).resolve().parent / "notices"


@pytest.fixture(autouse=True)
def _no_config_around(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BOT_CONFIG", raising=False)
    # 2027 unknown, whichever chinesecalendar release is installed.
    monkeypatch.setattr("bot.calendar.work.ChineseCalendarPackage", Through2026)


def test_an_unknown_year_shows_the_statutory_fallback_with_its_source(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["calendar", "2027"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("2027年：尚无国务院的安排。")
    assert "  2027-01-01 周五  元旦  [法定推算]" in out
    assert "  2027-10-01 周五  国庆节  [法定推算]" in out


def test_a_package_year_and_a_config_override(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "config.yaml").write_text(
        "calendar:\n  holidays: [2026-12-18]\n", encoding="utf-8")
    assert main(["calendar", "2026"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("2026年：chinesecalendar 已收录")
    assert "  2026-12-18 周五  -  [配置]" in out
    assert "  2026-10-01 周四  国庆节  [chinesecalendar]" in out


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_import_prints_a_block_that_gives_chinesecalendars_year(
    year: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["calendar", "import", str(NOTICES / f"{year}.txt")]) == 0
    block = yaml.safe_load(capsys.readouterr().out)["calendar"]
    assert block["complete_years"] == [year]
    pasted = WorkCalendar.from_config(CalendarConfig(**block), official=NoPackage())
    day = dt.date(year, 1, 1)
    while day.year == year:
        assert pasted.is_workday(day) == chinese_calendar.is_workday(day), day
        day += dt.timedelta(days=1)


def test_import_refuses_a_line_it_cannot_read_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (NOTICES / "2025.txt").read_text(encoding="utf-8")
    broken = text.replace("5月1日（周四）至5日（周一）", "5月1日（周四）至5日左右")
    assert broken != text
    (tmp_path / "n.txt").write_text(broken, encoding="utf-8")
    assert main(["calendar", "import", "n.txt"]) == 1
    captured = capsys.readouterr()
    assert "complete_years: []" in captured.out
    assert "# 未读全" in captured.out
    assert captured.err.count("\n") == 1 and captured.err.startswith("error: ")


@pytest.mark.parametrize("argv", [
    ["calendar", "twenty"], ["calendar", "1999"], ["calendar", "import"],
    ["calendar", "2027", "extra"], ["calendar", "import", "missing.txt"],
])
def test_bad_arguments_are_one_line_and_exit_2(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ")
