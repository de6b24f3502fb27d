"""Importing in chat on the sandbox Bot API: the file, the preview, 确认导入, the error list."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from bot.bootstrap import Services, build_services
from bot.domain import Role
from tests.chat import Chat, join
from tests.import_sheets import OFFICE_HEADERS, OFFICE_ROWS, office_book, plain_book

LIAISON = 20001
MEMBER = 20002
OFFICE = 900


def _services(chat: Chat) -> Services:
    services = chat.app.bot_data.services
    assert isinstance(services, Services)
    return services


async def test_a_liaison_sends_the_file_sees_the_preview_and_confirms(chat: Chat) -> None:
    services = _services(chat)
    services.membership.add_unit("市教育局", code="EDU")
    join(services, chat, "EDU", LIAISON, Role.LIAISON, "陈联络")
    rows = [list(r) for r in OFFICE_ROWS]
    rows[1][5] = "看情况"
    [preview] = await chat.send(LIAISON, document=("台账.xlsx", office_book(rows)))
    assert "将新增 4 条" in (preview.text or "") and "有错误 1 行" in (preview.text or "")
    assert "第 5 行 完成时限：看不懂的时限“看情况”" in (preview.text or "")
    assert services.ledger.count(unit_id=None) == 0
    [sent] = await chat.click(LIAISON, "下载错误清单")
    assert sent.document is not None
    book = load_workbook(io.BytesIO(sent.document[1]))
    assert book.worksheets[0].cell(2, 2).value == OFFICE_ROWS[1][1]
    answers = await chat.click(LIAISON, "确认导入")
    assert "导入完成：新增 4 条" in answers[-1].text
    assert services.ledger.count(unit_id=None) == 4
    # The same file again: nothing to add.
    [again] = await chat.send(LIAISON, document=("台账.xlsx", office_book(rows)))
    assert "将新增 0 条，更新 0 条，无变化 4 条" in (again.text or "")
    await chat.click(LIAISON, "取消")
    assert "已取消" in chat.last_text(LIAISON)


async def test_a_member_is_refused_and_the_office_names_the_unit(chat: Chat) -> None:
    services = _services(chat)
    services.membership.add_unit("市教育局", code="EDU")
    services.membership.add_unit("市财政局", code="FIN")
    join(services, chat, "EDU", MEMBER, Role.MEMBER, "小王")
    await chat.send(MEMBER, document=("台账.xlsx", office_book()))
    assert "只有联络员" in chat.last_text(MEMBER)
    await chat.send(OFFICE, "/start")
    await chat.send(OFFICE, "/import FIN")
    assert "FIN" in chat.last_text(OFFICE)
    await chat.send(OFFICE, document=("台账.xlsx", office_book()))
    await chat.click(OFFICE, "确认导入")
    numbers = [v.number for v in build_services(services.config, clock=services.clock,
                                                database=services.db).ledger.iter_rows()]
    assert numbers == ["FIN-0001", "FIN-0002", "FIN-0003", "FIN-0004", "FIN-0005"]


async def test_several_sheets_ask_which(chat: Chat) -> None:
    services = _services(chat)
    services.membership.add_unit("市教育局", code="EDU")
    join(services, chat, "EDU", LIAISON, Role.LIAISON, "陈联络")
    two = plain_book({"一科": [OFFICE_HEADERS, OFFICE_ROWS[0]],
                      "二科": [OFFICE_HEADERS, OFFICE_ROWS[1], OFFICE_ROWS[2]]})
    [ask] = await chat.send(LIAISON, document=("两表.xlsx", two))
    assert "一科、二科" in (ask.text or "")
    [preview] = await chat.click(LIAISON, "二科")
    assert "将新增 2 条" in (preview.text or "")
    await chat.click(LIAISON, "确认导入")
    assert services.ledger.count(unit_id=None) == 2
