"""层面 and 来源 as offices name them (领导班子 / 班子成员 / 干部个人 / 单位（科室）; 巡视巡察反馈 /
审计发现 / 12345热线), offered when filing, read by the import, written by the export."""

from __future__ import annotations

from bot.bootstrap import Services
from bot.domain import Level, Source
from bot.importing.values import read_level, read_source
from bot.reports.workbook import row_values
from tests.chat import Chat
from tests.test_filing import CADRE, _setup, walk_from_description_to_confirm


def _labels(chat: Chat) -> list[str]:
    last = chat.sandbox.last(CADRE)
    return [text for row in chat.sandbox.buttons(last) for text, _ in row]


async def test_filing_offers_the_new_levels_and_sources(chat: Chat, services: Services) -> None:
    _setup(services, chat.sandbox)
    await chat.send(CADRE, "/file")
    await chat.click(CADRE, "履职尽责缺位")
    levels = _labels(chat)
    for label in ("领导班子", "班子成员", "干部个人", "单位（科室）"):
        assert label in levels, label
    await chat.click(CADRE, "领导班子")
    sources = _labels(chat)
    for label in ("巡视巡察反馈", "审计发现", "12345热线"):
        assert label in sources, label
    await chat.click(CADRE, "12345热线")
    await chat.send(CADRE, "热线工单回复不及时")
    await walk_from_description_to_confirm(chat)
    card = chat.last_text(CADRE)
    assert "领导班子" in card and "12345热线" in card
    await chat.click(CADRE, "确认")
    [row] = services.ledger.rows()
    assert (row.level, row.source) == (Level.LEADERSHIP, Source.HOTLINE)
    values = row_values(row, 1, tz=services.config.tz, now=services.clock.now())
    assert "12345热线" in values and "领导班子" in values


def test_the_import_reads_the_new_words() -> None:
    assert read_level("领导班子") is Level.LEADERSHIP
    assert read_level("领导班子成员") is Level.TEAM_MEMBER
    assert read_level("班子成员") is Level.TEAM_MEMBER
    assert read_level("干部个人") is Level.INDIVIDUAL
    assert read_level("单位（科室）") is Level.UNIT
    assert read_source("巡视巡察反馈") == (None, Source.PATROL)
    assert read_source("市委巡察反馈") == (None, Source.PATROL)
    assert read_source("审计发现") == (None, Source.AUDIT)
    assert read_source("12345热线") == (None, Source.HOTLINE)
    # As the export writes it: 层面 · 来源.
    assert read_source("班子成员 · 审计发现") == (Level.TEAM_MEMBER, Source.AUDIT)
