"""Problem numbers: thirty people confirming at once on two instances get thirty numbers."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import insert

from bot.clock import FixedClock
from bot.config import Config
from bot.domain import Role, Source, Status, Track
from sandbox import BotApiSandbox
from storage.db import Database
from storage.ledger import Problem
from tests.chat import Chat, running_bot
from tests.conftest import migrated

PEOPLE = range(40_001, 40_031)
SCRIPT = [("send", "/file 问题：窗口午休无人值守 措施：安排轮值 责任人：我 时限：下周五前"),
          ("click", "履职尽责缺位"), ("click", "跳过"), ("click", "跳过")]


async def _to_confirm(chat: Chat, user: int) -> Any:
    for kind, value in SCRIPT:
        if kind == "send":
            await chat.send(user, value)
        else:
            await chat.click(user, value)
    message = chat.sandbox.last(user)
    assert "请核对登记内容" in (message.text or "")
    return message


async def _confirm(chat: Chat, user: int, message: Any) -> None:
    update = chat.sandbox.update(chat.sandbox.click(user, message, "确认"), chat.app.bot)
    await chat.app.update_processor.process_update(update, chat.app.process_update(update))


async def test_thirty_confirms_at_once_on_two_instances_give_thirty_numbers(
    postgres_url: str, clock: FixedClock, config: Config,
) -> None:
    config = config.model_copy(update={"database": config.database.model_copy(
        update={"url": postgres_url})})
    sandbox = BotApiSandbox()
    with migrated(postgres_url) as first_db, migrated(postgres_url) as second_db:
        async with running_bot(config, clock, first_db, sandbox) as one, \
                running_bot(config, clock, second_db, sandbox) as two:
            services = one.app.bot_data.services
            services.membership.add_unit("市教育局", code="EDU")
            for user in PEOPLE:
                code = services.membership.create_invite(unit="EDU", role=Role.MEMBER,
                                                          by=None).code
                services.membership.redeem_invite(code, user_id=user, display_name=f"干部{user}",
                                                  username=None)
                sandbox.add_user(user, f"干部{user}")
            cards = {user: await _to_confirm(one, user) for user in PEOPLE}
            # Every 确认 at the same moment, half through each instance (each with its own
            # engine and connections), so the numbering really races.
            await asyncio.gather(*(_confirm(one if i % 2 else two, user, cards[user])
                                   for i, user in enumerate(PEOPLE)))
            rows = services.ledger.rows()
    assert len(rows) == len(PEOPLE)
    assert sorted(r.number for r in rows) == [f"EDU-{n:04d}" for n in range(1, 31)]
    saved = [u for u in PEOPLE if "已保存" in (sandbox.last(u).text or "")]
    assert saved == list(PEOPLE)  # nobody was told something went wrong


def test_numbers_continue_after_rows_loaded_without_the_counter(database: Database,
                                                                services: Any) -> None:
    unit = services.membership.add_unit("市教育局", code="EDU")
    now = services.clock.now()
    with database.write() as conn:  # a bulk load (an old import, a restore) skips the counter
        conn.execute(insert(Problem), [{
            "unit_id": unit.id, "seq": seq, "number": f"EDU-{seq:04d}", "source": Source.SELF,
            "category": "履职尽责缺位", "description": "旧台账", "measures": ["整改"],
            "track": Track.DEADLINE, "owner_name": "张三", "status": Status.PENDING,
            "evidence": [], "tags": [], "rework_count": 0, "created_by": 1, "created_at": now,
            "updated_at": now} for seq in (1, 2, 7)])
    code = services.membership.create_invite(unit="EDU", role=Role.MEMBER, by=None).code
    services.membership.redeem_invite(code, user_id=5, display_name="王五", username=None)
    from bot.services.problem import Draft

    draft = Draft(category="履职尽责缺位", source="self", description="新问题", measures=("改",),
                  track="ongoing", owner_name="王五", checkin_days=7)
    filed = services.ledger.file(draft, by=services.membership.identify(5), by_name="王五")
    assert filed.number == "EDU-0008"
    again = services.ledger.file(draft, by=services.membership.identify(5), by_name="王五")
    assert again.number == "EDU-0009"
