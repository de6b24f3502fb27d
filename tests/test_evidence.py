"""佐证: a photo sent without a caption is kept and the text asked for, an album is kept whole, and
the evidence shows on the item card and the sign-off card (sent again by file id), in the history
and in the export."""

from __future__ import annotations

from bot.bootstrap import Services
from bot.domain import Status
from bot.reports.workbook import row_values
from sandbox import SentMessage
from tests.chat import Chat
from tests.test_forged_updates import LEADER, OWNER, build_org, file_item


def _files(chat: Chat, user: int) -> list[SentMessage]:
    return [m for m in chat.sandbox.sent(user) if m.file_id]


async def test_a_photo_without_caption_is_kept_and_the_text_asked_for(
        chat: Chat, services: Services) -> None:
    build_org(services, chat)
    file_item(services)
    await chat.send(OWNER, "/item EDU-0001")
    await chat.click(OWNER, "更新进展")
    [asked] = await chat.send(OWNER, photo=True)
    assert "已收到佐证材料" in (asked.text or "")
    [row] = services.ledger.rows()
    assert row.status == Status.PENDING and row.evidence == ()
    [saved] = await chat.send(OWNER, "已安排午间轮值")
    assert "EDU-0001" in (saved.text or "")
    [row] = services.ledger.rows()
    assert row.progress == "已安排午间轮值" and len(row.evidence) == 1
    sent_before = len(_files(chat, OWNER))
    card, *again = await chat.send(OWNER, "/item EDU-0001")
    assert "佐证材料：共1件（照片1张）" in (card.text or "")
    assert "（佐证：照片1张）" in (card.text or "")
    # The photo itself follows the card, sent again by its file id.
    assert [m.file_id for m in again] == [row.evidence[0]]
    assert len(_files(chat, OWNER)) == sent_before + 1


async def test_an_album_is_kept_whole_and_reaches_the_sign_off_card(
        chat: Chat, services: Services) -> None:
    build_org(services, chat)
    file_item(services)
    await chat.send(OWNER, "/item EDU-0001")
    await chat.click(OWNER, "报告完成")
    [offer] = await chat.send(OWNER, "午间已有人值守", photo=b"one", media_group_id="g1")
    assert "午间已有人值守" in (offer.text or "") and "按此说明提交" in str(offer.reply_markup)
    # The album's other parts come one by one; nobody is asked again for each.
    assert await chat.send(OWNER, photo=b"two", media_group_id="g1") == []
    assert await chat.send(OWNER, photo=b"three", media_group_id="g1") == []
    await chat.click(OWNER, "按此说明提交")
    [row] = services.ledger.rows()
    assert row.status == Status.AWAITING_SIGNOFF and row.completion == "午间已有人值守"
    assert len(row.evidence) == 3
    [card] = [m for m in chat.sandbox.sent(LEADER) if "销号审核" in (m.text or "")]
    assert "佐证材料：共3件（照片3张）" in (card.text or "")
    shown = await chat.click(LEADER, "查看佐证（3）")
    assert [m.file_id for m in shown] == list(row.evidence)
    assert [m.photo for m in shown] == [b"one", b"two", b"three"]


async def test_a_file_is_named_on_the_card_and_in_the_export(
        chat: Chat, services: Services) -> None:
    build_org(services, chat)
    file_item(services)
    await chat.send(OWNER, "/item EDU-0001")
    await chat.click(OWNER, "报告完成")
    await chat.send(OWNER, "已建立值班制度", document=("值班制度.pdf", b"%PDF-1.4"))
    [row] = services.ledger.rows()
    assert row.status == Status.AWAITING_SIGNOFF
    card, *again = await chat.send(LEADER, "/item EDU-0001")
    assert "佐证材料：共1件（值班制度.pdf）" in (card.text or "")
    assert [m.document[0] if m.document else None for m in again] == ["值班制度.pdf"]
    values = row_values(row, 1, tz=services.config.tz, now=services.clock.now())
    assert "已建立值班制度（佐证 1 件：值班制度.pdf）" in values


async def test_one_note_takes_at_most_twenty_files(chat: Chat, services: Services) -> None:
    build_org(services, chat)
    file_item(services)
    await chat.send(OWNER, "/item EDU-0001")
    await chat.click(OWNER, "更新进展")
    for n in range(20):
        await chat.send(OWNER, photo=bytes([n]), media_group_id=f"g{n // 10}")
    [full] = await chat.send(OWNER, photo=b"more")
    assert "最多附20件" in (full.text or "")
    await chat.send(OWNER, "两组照片")
    [row] = services.ledger.rows()
    assert len(row.evidence) == 20 and row.progress == "两组照片"
