"""Measures are kept as typed: only numbering that is numbering goes, and the guided step and
one-message filing cut the same text into the same measures."""

from __future__ import annotations

import pytest

from bot.bootstrap import Services
from bot.words import split_measures
from tests.chat import Chat
from tests.test_filing import CADRE, _setup, walk_to_description

KEPT_AS_TYPED = [
    "12345热线工单24小时内响应",
    "2027年1月前完成制度修订",
    "于 2026.12.31前完成回访",
    "于 12.31前完成回访",
    "按1.5倍配置窗口人员",
    "3天内办结",
    "每周一、三、五开展巡查",
]


@pytest.mark.parametrize("text", KEPT_AS_TYPED)
def test_digits_and_dates_inside_a_measure_are_text(text: str) -> None:
    assert split_measures(text) == [text]


@pytest.mark.parametrize("text", [
    "1.建立台账；2.每周回访；3.纳入考核",
    "1、建立台账\n2、每周回访\n3、纳入考核",
    "（1）建立台账（2）每周回访（3）纳入考核",
    "(1) 建立台账 (2) 每周回访 (3) 纳入考核",
    "①建立台账②每周回访③纳入考核",
    "一、建立台账\n二、每周回访\n三、纳入考核",
    "1.建立台账 2.每周回访 3.纳入考核",
    "- 建立台账\n• 每周回访\n· 纳入考核",
    "建立台账;每周回访;纳入考核",
    "  建立台账  \n\n每周回访\n纳入考核\n",
])
def test_numbering_is_removed_only_where_it_is_numbering(text: str) -> None:
    assert split_measures(text) == ["建立台账", "每周回访", "纳入考核"]


def test_punctuation_inside_and_at_the_end_is_kept() -> None:
    assert split_measures("1.建立台账。2.每周回访，逐户登记。") == [
        "建立台账。", "每周回访，逐户登记。"]


async def _guided(chat: Chat, measures: str) -> tuple[str, ...]:
    await walk_to_description(chat)
    await chat.send(CADRE, "窗口工作人员午休时段无人值守")
    await chat.send(CADRE, measures)
    await chat.click(CADRE, "措施已写完 ✅")
    await chat.click(CADRE, "限期整改 — 在规定时限内改好")
    await chat.click(CADRE, "跳过")
    await chat.click(CADRE, "我自己")
    await chat.send(CADRE, "下周五前")
    await chat.click(CADRE, "确认")
    return chat_rows(chat)[-1]


def chat_rows(chat: Chat) -> list[tuple[str, ...]]:
    services: Services = chat.app.bot_data.services
    return [row.measures for row in services.ledger.rows()]


async def test_the_guided_step_keeps_digits_that_are_part_of_a_measure(
    chat: Chat, services: Services
) -> None:
    _setup(services, chat.sandbox)
    saved = await _guided(chat, "12345热线工单24小时内响应\n2027年1月前完成制度修订")
    assert saved == ("12345热线工单24小时内响应", "2027年1月前完成制度修订")


async def test_inline_measures_split_alike_in_the_guided_step_and_in_one_message(
    chat: Chat, services: Services
) -> None:
    _setup(services, chat.sandbox)
    text = "1.建立台账；2.于 2026.12.31前完成回访；3.纳入考核"
    guided = await _guided(chat, text)
    await chat.send(CADRE, f"问题：办事指南过期 措施：{text} 责任人：我 时限：下周五前")
    await chat.click(CADRE, "服务基层不优")
    await chat.click(CADRE, "跳过")  # level
    [card] = await chat.click(CADRE, "跳过")  # leader
    assert "请核对登记内容" in (card.text or "")
    await chat.click(CADRE, "确认")
    rows = chat_rows(chat)
    assert len(rows) == 2
    assert guided == rows[-1] == ("建立台账", "于 2026.12.31前完成回访", "纳入考核")
