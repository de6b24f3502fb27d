"""The sender under faults: downtime, 429, 403, 5xx, a crash mid-send, and two instances."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from bot.clock import FixedClock
from bot.config import Config
from bot.domain import NoteState
from bot.services.notify import Planned
from sandbox import BotApiSandbox
from storage.db import Database
from storage.notify import Notification
from tests.chat import Chat, running_bot
from tests.conftest import SHANGHAI

LIAISON = 77


@pytest.fixture(autouse=True)
def _no_daily_planners(monkeypatch: pytest.MonkeyPatch) -> None:
    # Office-hours reminders and the calendar warning come from a daily planner; tested elsewhere.
    monkeypatch.setattr("bot.app.daily_planners", lambda services: ())


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def note(key: str, chat_id: int, due: dt.datetime, urgent: bool = False) -> Planned:
    # chat.unreachable renders without touching the ledger: a convenient probe message.
    return Planned(key=key, chat_id=chat_id, kind="chat.unreachable", due_at=due,
                   payload={"chat_id": 5}, urgent=urgent)


async def test_after_downtime_recent_ones_go_once_and_old_ones_are_summarised(
    config: Config, clock: FixedClock, database: Database
) -> None:
    sandbox = BotApiSandbox()
    sandbox.add_user(1, "甲")
    async with running_bot(config, clock, database, sandbox) as chat:
        chat.app.bot_data.services.notify.plan([
            note("old-1", 1, local(2026, 11, 27, 9, 0)),
            note("old-2", 1, local(2026, 11, 27, 10, 0)),
            note("recent", 1, local(2026, 11, 28, 12, 0)),
        ])
    # The bot was down from Friday morning; it restarts on Saturday 15:00 (T0).
    async with running_bot(config, clock, database, sandbox) as chat:
        await chat.app.bot_data.sender.tick()
        await chat.app.bot_data.sender.tick()
        texts = chat.texts(1)
    assert len(texts) == 2
    assert texts[0].startswith("（延迟送达）") or texts[1].startswith("（延迟送达）")
    summary = next(t for t in texts if "机器人暂停期间，有2条提醒已过期" in t)
    assert summary.count("· ") == 2
    counts = chat.app.bot_data.services.notify.counts()
    assert counts == {"sent": 1, "summarised": 2}


async def test_429_waits_for_retry_after_without_counting_an_attempt(
    chat: Chat, clock: FixedClock
) -> None:
    notify = chat.app.bot_data.services.notify
    chat.sandbox.add_user(1, "甲")
    notify.plan([note("a", 1, clock.now())])
    chat.sandbox.fail("sendMessage", "429", retry_after=30)
    report = await chat.app.bot_data.sender.tick()
    assert (report.sent, report.retried) == (0, 1)
    [pending] = notify.listing()
    assert pending.attempts == 0 and pending.due_at == clock.now() + dt.timedelta(seconds=30)
    clock.advance(seconds=31)
    assert (await chat.app.bot_data.sender.tick()).sent == 1
    assert len(chat.sandbox.sent(1)) == 1


async def test_403_stops_that_chat_and_tells_the_liaison(
    chat: Chat, services: object, clock: FixedClock
) -> None:
    svc = chat.app.bot_data.services
    svc.membership.add_unit("市教育局", code="EDU")
    for user, role in ((1, "member"), (LIAISON, "liaison")):
        from bot.domain import Role

        code = svc.membership.create_invite(unit="EDU", role=Role(role), by=None).code
        svc.membership.redeem_invite(code, user_id=user, display_name=f"u{user}", username=None)
        chat.sandbox.add_user(user, f"u{user}")
    svc.notify.plan([note("a", 1, clock.now()), note("b", 1, clock.now() + dt.timedelta(days=1))])
    chat.sandbox.fail("sendMessage", "403", chat_id=1)
    report = await chat.app.bot_data.sender.tick()
    assert report.failed == 1
    assert svc.notify.listing(chat_ids=[1]) == []  # tomorrow's one is failed too
    assert svc.notify.counts()["failed"] == 2
    await chat.app.bot_data.sender.tick()
    assert "u1" in chat.last_text(LIAISON) and "无法再给" in chat.last_text(LIAISON)


async def test_server_errors_back_off_then_fail_visibly(chat: Chat, clock: FixedClock) -> None:
    notify = chat.app.bot_data.services.notify
    chat.sandbox.add_user(1, "甲")
    notify.plan([note("a", 1, clock.now())])
    chat.sandbox.fail("sendMessage", "502", times=10)
    waits = []
    for _ in range(5):
        await chat.app.bot_data.sender.tick()
        pending = notify.listing()
        if not pending:
            break
        waits.append(pending[0].due_at - clock.now())
        clock.set(pending[0].due_at)
    assert waits == [dt.timedelta(minutes=m) for m in (1, 2, 4, 8)]
    [failed] = notify.listing(states=[NoteState.FAILED])
    assert failed.attempts == 5 and "NetworkError" in (failed.last_error or "")
    assert chat.sandbox.sent(1) == []


async def test_a_claim_left_by_a_crash_is_sent_once(
    chat: Chat, clock: FixedClock, database: Database
) -> None:
    notify = chat.app.bot_data.services.notify
    chat.sandbox.add_user(1, "甲")
    notify.plan([note("a", 1, clock.now())])
    with database.write() as conn:  # what a process killed mid-send leaves behind
        conn.execute(update(Notification).values(state=NoteState.SENDING, claimed_by="dead",
                                                 claimed_at=clock.now()))
    assert (await chat.app.bot_data.sender.tick()).sent == 0  # the claim may still be live
    clock.advance(minutes=3)
    assert (await chat.app.bot_data.sender.tick()).sent == 1
    assert (await chat.app.bot_data.sender.tick()).sent == 0
    assert len(chat.sandbox.sent(1)) == 1


async def test_two_instances_on_one_database_never_both_send(
    config: Config, clock: FixedClock, database: Database
) -> None:
    sandbox = BotApiSandbox()
    for user in range(1, 21):
        sandbox.add_user(user, f"u{user}")
    async with running_bot(config, clock, database, sandbox) as first, \
            running_bot(config, clock, database, sandbox) as second:
        notify = first.app.bot_data.services.notify
        notify.plan([note(f"n{u}", u, clock.now()) for u in range(1, 21)])
        one = await first.app.bot_data.sender.tick()
        two = await second.app.bot_data.sender.tick()
        assert (one.leader, two.leader) == (True, False)
        notify.plan([note(f"m{u}", u, clock.now()) for u in range(1, 21)])
        # The first instance dies (stops renewing); the second takes over after the lease.
        assert (await second.app.bot_data.sender.tick()).sent == 0
        clock.advance(seconds=61)
        took_over = await second.app.bot_data.sender.tick()
        assert took_over.leader and took_over.sent == 20
    assert sorted(len(sandbox.sent(u)) for u in range(1, 21)) == [2] * 20


async def test_photos_and_documents_go_with_their_captions(
    chat: Chat, clock: FixedClock
) -> None:
    from bot.delivery.rendering import Rendered

    def attachment(svc: object, n: object, lang: str, brief: bool) -> Rendered:
        payload = n.payload  # type: ignore[attr-defined]
        long = "长" * 1100 if payload["long"] else "图表"
        if payload["what"] == "photo":
            return Rendered(long, photo=b"\x89PNG\r\n\x1a\nfake")
        return Rendered("汇总表", document=("汇总.xlsx", b"PK\x03\x04fake"))

    chat.app.bot_data.sender.renderers["test.attachment"] = attachment
    chat.sandbox.add_user(1, "甲")
    notify = chat.app.bot_data.services.notify
    notify.plan([
        Planned(key=f"att{n}", chat_id=1, kind="test.attachment", due_at=clock.now(),
                payload={"what": what, "long": long}, urgent=True)
        for n, (what, long) in enumerate((("photo", False), ("photo", True), ("doc", False)))
    ])
    assert (await chat.app.bot_data.sender.tick()).sent == 3
    sent = chat.sandbox.sent(1)
    assert [(m.photo is not None, m.document is not None, (m.text or "")[:2]) for m in sent] == [
        (True, False, "图表"),   # short text: the photo's caption
        (False, False, "长长"),  # too long for a caption: the text first …
        (True, False, ""),      # … then the photo alone
        (False, True, "汇总"),
    ]
    assert sent[3].document == ("汇总.xlsx", b"PK\x03\x04fake")
