"""The metrics count what the real sender and ledger did: sent, failed, 429s, ticks, filings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot import routing
from bot.clock import FixedClock
from bot.delivery.rendering import Rendered
from bot.domain import Role
from bot.metrics import Metrics
from bot.services.notify import Note, Planned
from tests.chat import Chat

PROBE = "metrics.probe"


@pytest.fixture(autouse=True)
def _probe_renderer(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr("bot.app.daily_planners", lambda services: ())

    def probe(svc: object, note: Note, lang: str, brief: bool) -> Rendered:
        too_long = " " + "长" * 4100 if note.payload.get("too_long") else ""  # a 400
        return Rendered(f"probe {note.key}{too_long}")

    table = {**routing.renderers(), PROBE: probe}
    monkeypatch.setattr("bot.app.renderers", lambda: table)
    yield


def value(metrics: Metrics, name: str) -> float:
    found = metrics.registry.get_sample_value(name)
    assert found is not None, name
    return found


async def test_sent_failed_retried_and_429_are_counted(chat: Chat, clock: FixedClock) -> None:
    services = chat.app.bot_data.services
    for user in (1, 2, 3):
        chat.sandbox.add_user(user, f"u{user}")
    due = clock.now()
    services.notify.plan([
        Planned(key="ok", chat_id=1, kind=PROBE, due_at=due, payload={}),
        Planned(key="long", chat_id=2, kind=PROBE, due_at=due, payload={"too_long": True}),
    ])
    first = await chat.app.bot_data.sender.tick()
    m = services.metrics
    assert value(m, "zhenggai_notifications_sent_total") == first.sent == 1
    assert value(m, "zhenggai_notifications_failed_total") == first.failed == 1  # the 400
    # A 429 on its own tick: it stops the tick, so nothing else may share it.
    services.notify.plan([Planned(key="flood", chat_id=3, kind=PROBE, due_at=due, payload={})])
    chat.sandbox.fail("sendMessage", "429", retry_after=20, chat_id=3)
    flooded = await chat.app.bot_data.sender.tick()
    assert value(m, "zhenggai_notifications_retried_total") == flooded.retried == 1
    assert value(m, "zhenggai_telegram_429_total") == 1
    clock.advance(seconds=30)
    again = await chat.app.bot_data.sender.tick()
    assert again.sent == 1
    assert value(m, "zhenggai_notifications_sent_total") == 2


async def test_filings_and_updates_are_counted(chat: Chat) -> None:
    services = chat.app.bot_data.services
    m = services.metrics
    services.membership.add_unit("市教育局", code="EDU")
    code = services.membership.create_invite(unit="EDU", role=Role.MEMBER, by=None).code
    chat.sandbox.add_user(10001, "张三")
    await chat.send(10001, f"/start {code}")
    assert value(m, "zhenggai_updates_handled_total") >= 1
    before = value(m, "zhenggai_filings_total")
    await chat.send(10001, "问题：会议室空调长期开着 类别：执行落实漂浮 层级：单位 "
                           "措施：安装定时器 责任人：张三 责任领导：李局长 时限：2099年12月31日")
    await chat.click(10001, "确认")
    assert value(m, "zhenggai_filings_total") == before + 1


def test_each_bot_has_its_own_registry() -> None:
    a, b = Metrics(), Metrics()
    a.filings.inc()
    assert value(a, "zhenggai_filings_total") == 1 and value(b, "zhenggai_filings_total") == 0
    assert b"zhenggai_tick_seconds_bucket" in b.exposition()

