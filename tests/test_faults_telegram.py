"""Telegram faults against the real Application and sender: nothing lost, nothing sent twice."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Iterator

import pytest

from bot import routing
from bot.bootstrap import Services
from bot.clock import FixedClock
from bot.config import Config
from bot.delivery.rendering import Rendered
from bot.domain import NoteState, Role
from bot.services.notify import Note, Planned
from sandbox import BotApiSandbox
from storage.db import Database
from tests import figures
from tests.chat import Chat, running_bot

LIAISON, CADRE, LEADER = 77, 21, 22
ADMIN_CHAT = -4242
GROUP = -100500
PROBE = "faults.probe"
TRANSIENT = ("429", "500", "502", "timeout", "reset")


@pytest.fixture(autouse=True)
def _probe_renderer(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A message kind that names its key, so deliveries can be counted per key."""
    # Office-hours reminders and the calendar warning come from a daily planner; tested elsewhere.
    monkeypatch.setattr("bot.app.daily_planners", lambda services: ())

    def probe(svc: object, note: Note, lang: str, brief: bool) -> Rendered:
        body = f"probe {note.key}"
        if note.payload.get("too_long"):
            body += " " + "长" * 4100  # past Telegram's 4096: a 400 no retry can fix
        if note.payload.get("photo"):
            return Rendered(body + " " + "图" * 1100, photo=b"\x89PNG\r\n\x1a\nfake")
        return Rendered(body)

    table = {**routing.renderers(), PROBE: probe}
    monkeypatch.setattr("bot.app.renderers", lambda: table)
    yield


@pytest.fixture
def admin_config(config: Config) -> Config:
    telegram = config.telegram.model_copy(update={"admin_chat": ADMIN_CHAT})
    return config.model_copy(update={"telegram": telegram})


def probe(key: str, chat_id: int, due: dt.datetime, **payload: object) -> Planned:
    return Planned(key=key, chat_id=chat_id, kind=PROBE, due_at=due, payload=dict(payload))


def deliveries(sandbox: BotApiSandbox) -> Counter[tuple[int, str]]:
    """Successful sends of probe messages, per (chat, key)."""
    counted: Counter[tuple[int, str]] = Counter()
    for call in sandbox.calls:
        text = str(call.params.get("text") or call.params.get("caption") or "")
        if call.status == 200 and call.method == "sendMessage" and text.startswith("probe "):
            counted[(int(call.params["chat_id"]), text.split()[1])] += 1
    return counted


def count_faults(sandbox: BotApiSandbox) -> None:
    """Add every fault the sandbox injected to the figures, by kind."""
    for call in sandbox.calls:
        if call.fault is not None and call.fault != "untaught":
            figures.count(f"faults.telegram.{call.fault}")
        elif call.fault is None and call.status == 400 and call.method.startswith("send"):
            figures.count("faults.telegram.400")  # a real refusal: the text was too long


def check(sandbox: BotApiSandbox, expected: dict[tuple[int, str], int]) -> None:
    """Each (chat, key) went out exactly as often as expected; count what was checked."""
    got = deliveries(sandbox)
    lost = sum(1 for k, n in expected.items() if n and got[k] < n)
    duplicated = sum(1 for k in got if got[k] > max(1, expected.get(k, 0)))
    figures.count("faults.notifications_checked", len(expected))
    figures.count("faults.lost", lost)
    figures.count("faults.duplicated", duplicated)
    count_faults(sandbox)
    assert (lost, duplicated) == (0, 0), {k: (n, got[k]) for k, n in expected.items()
                                          if got[k] != n}


def setup_unit(services: Services, sandbox: BotApiSandbox, members: list[int]) -> None:
    m = services.membership
    m.add_unit("市教育局", code="EDU")
    people = [(LIAISON, Role.LIAISON, "联络员"), (LEADER, Role.LEADER, "李局长")]
    people += [(u, Role.MEMBER, f"干部{u}") for u in members]
    for user, role, name in people:
        code = m.create_invite(unit="EDU", role=role, by=None).code
        m.redeem_invite(code, user_id=user, display_name=name, username=None)
        sandbox.add_user(user, name)


async def tick(chat: Chat) -> None:
    await chat.app.bot_data.sender.tick()


# -- scheduled notifications ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["timeout", "reset", "500"])
async def test_a_transient_failure_is_retried_and_delivered_once(
    chat: Chat, clock: FixedClock, kind: str
) -> None:
    notify = chat.app.bot_data.services.notify
    chat.sandbox.add_user(1, "甲")
    notify.plan([probe("a", 1, clock.now()), probe("b", 1, clock.now())])
    chat.sandbox.fail("sendMessage", kind, times=2, chat_id=1)
    report = await chat.app.bot_data.sender.tick()
    # Each note is tried once per tick; both met the fault and wait a minute.
    assert (report.sent, report.retried, report.failed) == (0, 2, 0)
    [a, b] = notify.listing()
    assert (a.attempts, b.attempts) == (1, 1)
    reason = {"timeout": "TimedOut", "reset": "connection reset", "500": "Internal Server Error"}
    assert reason[kind] in (a.last_error or "")
    await tick(chat)  # not due yet: nothing is sent early
    assert deliveries(chat.sandbox) == Counter()
    clock.advance(minutes=1)
    assert (await chat.app.bot_data.sender.tick()).sent == 2
    await tick(chat)
    assert notify.counts() == {"sent": 2}
    check(chat.sandbox, {(1, "a"): 1, (1, "b"): 1})


async def test_a_429_mid_batch_hands_the_rest_back_due_as_they_were(
    chat: Chat, clock: FixedClock
) -> None:
    notify = chat.app.bot_data.services.notify
    users = range(1, 41)  # more than the requests in flight at once (16)
    for user in users:
        chat.sandbox.add_user(user, f"u{user}")
    due = clock.now()
    notify.plan([probe(f"n{u}", u, due + dt.timedelta(seconds=u)) for u in users])
    clock.advance(seconds=50)
    chat.sandbox.latency = 0.02  # a round trip, so that sends overlap
    chat.sandbox.fail("sendMessage", "429", retry_after=20, chat_id=3)
    report = await chat.app.bot_data.sender.tick()
    assert report.retried == 1
    pending = {n.key: n for n in notify.listing()}
    assert pending["n3"].due_at == clock.now() + dt.timedelta(seconds=20)
    # Sends already in flight beside it went; the ones never tried keep their due time and
    # spend no attempt.
    untried = sorted(set(pending) - {"n3"})
    assert untried and report.sent + len(untried) == len(users) - 1
    assert [(pending[k].due_at, pending[k].attempts) for k in untried] == [
        (due + dt.timedelta(seconds=int(k[1:])), 0) for k in untried]
    assert (await chat.app.bot_data.sender.tick()).sent == len(untried)
    clock.advance(seconds=20)
    assert (await chat.app.bot_data.sender.tick()).sent == 1
    check(chat.sandbox, {(u, f"n{u}"): 1 for u in users})


async def test_kicked_from_the_group_stops_it_and_tells_the_liaison(
    chat: Chat, clock: FixedClock
) -> None:
    svc = chat.app.bot_data.services
    setup_unit(svc, chat.sandbox, [])
    chat.sandbox.add_group(GROUP, "教育局工作群", admins=[LIAISON])
    svc.membership.bind_group(chat_id=GROUP, title="教育局工作群", unit="EDU", group_admin=True,
                              by=svc.membership.identify(LIAISON))
    unit_id = svc.membership.identify(LIAISON).unit.id  # type: ignore[union-attr]
    svc.notify.plan([probe("g1", GROUP, clock.now()),
                     probe("g2", GROUP, clock.now() + dt.timedelta(days=1))])
    chat.sandbox.fail("sendMessage", "403", chat_id=GROUP,
                      description="Forbidden: bot was kicked from the supergroup chat")
    report = await chat.app.bot_data.sender.tick()
    assert report.failed == 1
    assert svc.membership.unit_groups(unit_id) == []
    assert svc.notify.listing(chat_ids=[GROUP]) == []
    failed = svc.notify.listing(chat_ids=[GROUP], states=[NoteState.FAILED])
    assert [(n.key, "403" in (n.last_error or "")) for n in failed] == [("g1", True),
                                                                       ("g2", True)]
    await tick(chat)
    assert "无法再给" in chat.last_text(LIAISON) and str(GROUP) in chat.last_text(LIAISON)
    clock.advance(days=2)
    await tick(chat)
    check(chat.sandbox, {(GROUP, "g1"): 0, (GROUP, "g2"): 0})
    assert len(chat.sandbox.calls_to("sendMessage")) == 2  # the 403, then the liaison's notice


@pytest.mark.parametrize("what", ["too long", "bad markup"])
async def test_a_malformed_message_fails_at_once_and_the_admin_is_told(
    admin_config: Config, clock: FixedClock, database: Database, what: str
) -> None:
    async with running_bot(admin_config, clock, database) as chat:
        chat.sandbox.add_user(1, "甲")
        chat.sandbox.add_group(ADMIN_CHAT, "运维群", admins=[900])
        notify = chat.app.bot_data.services.notify
        notify.plan([probe("bad", 1, clock.now(), too_long=what == "too long"),
                     probe("fine", 1, clock.now())])
        if what == "bad markup":
            chat.sandbox.fail("sendMessage", "400", chat_id=1, description=(
                "Bad Request: can't parse entities: unsupported start tag \"x\" at byte offset 6"))
        report = await chat.app.bot_data.sender.tick()
        # The good one and the admin chat's report went; the bad one failed once, for good.
        assert (report.sent, report.failed, report.retried) == (2, 1, 0)
        [failed] = notify.listing(states=[NoteState.FAILED])
        assert failed.key == "bad" and failed.attempts == 1
        needle = "too long" if what == "too long" else "parse entities"
        assert (failed.last_error or "").startswith("400: ") and needle in failed.last_error
        [report_text] = chat.texts(ADMIN_CHAT)
        assert "一条提醒无法发送" in report_text and "bad" in report_text and needle in report_text
        for _ in range(5):  # hours later it is still not retried
            clock.advance(hours=1)
            await tick(chat)
        to_one = [c for c in chat.sandbox.calls_to("sendMessage") if c.params["chat_id"] == 1]
        assert len(to_one) == 2
    check(chat.sandbox, {(1, "fine"): 1})


async def test_a_report_to_the_admin_chat_that_fails_is_not_reported_again(
    admin_config: Config, clock: FixedClock, database: Database
) -> None:
    async with running_bot(admin_config, clock, database) as chat:
        chat.sandbox.add_user(1, "甲")
        notify = chat.app.bot_data.services.notify
        notify.plan([probe("bad", 1, clock.now(), too_long=True)])
        chat.sandbox.fail("sendMessage", "400", chat_id=ADMIN_CHAT,
                          description="Bad Request: chat not found")
        for _ in range(3):
            await tick(chat)
            clock.advance(minutes=10)
        assert notify.counts() == {"failed": 2}
        assert notify.listing() == []
        assert len(chat.sandbox.calls_to("sendMessage")) == 2
    count_faults(chat.sandbox)


async def test_a_photo_that_fails_after_its_text_is_retried_alone(
    chat: Chat, clock: FixedClock
) -> None:
    notify = chat.app.bot_data.services.notify
    chat.sandbox.add_user(1, "甲")
    notify.plan([probe("chart", 1, clock.now(), photo=True)])
    chat.sandbox.fail("sendPhoto", "502", chat_id=1)
    report = await chat.app.bot_data.sender.tick()
    assert report.retried == 1
    clock.advance(minutes=1)
    assert (await chat.app.bot_data.sender.tick()).sent == 1
    sent = chat.sandbox.sent(1)
    # The text went once; only the photo was sent again.
    assert [(m.photo is not None, (m.text or "")[:11]) for m in sent] == [
        (False, "probe chart"), (True, "")]
    check(chat.sandbox, {(1, "chart"): 1})


async def test_a_summary_after_downtime_survives_a_flood_wait_and_a_timeout(
    chat: Chat, clock: FixedClock
) -> None:
    notify = chat.app.bot_data.services.notify
    chat.sandbox.add_user(1, "甲")
    notify.plan([probe(f"old{i}", 1, clock.now() - dt.timedelta(days=2, hours=i))
                 for i in range(3)])
    chat.sandbox.fail("sendMessage", "429", retry_after=30, chat_id=1)
    chat.sandbox.fail("sendMessage", "timeout", chat_id=1)
    await tick(chat)
    assert {n.attempts for n in notify.listing()} == {0}  # a flood wait costs no attempt
    clock.advance(seconds=30)
    await tick(chat)
    assert {n.attempts for n in notify.listing()} == {1}
    clock.advance(minutes=1)
    await tick(chat)
    await tick(chat)
    assert notify.counts() == {"summarised": 3}
    summaries = [text for text in chat.texts(1) if "有3条提醒已过期" in text]
    assert len(summaries) == 1 and summaries[0].count("· probe old") == 3
    count_faults(chat.sandbox)
    figures.count("faults.notifications_checked", 3)


async def test_a_seeded_random_mix_of_faults_delivers_everything_deliverable_once(
    admin_config: Config, clock: FixedClock, database: Database
) -> None:
    rng = random.Random(20261128)
    chats = list(range(101, 141))
    blocked = set(rng.sample(chats, 3))
    sandbox = BotApiSandbox()
    async with running_bot(admin_config, clock, database, sandbox) as chat:
        svc = chat.app.bot_data.services
        setup_unit(svc, sandbox, chats)
        sandbox.add_group(ADMIN_CHAT, "运维群", admins=[900])
        start = clock.now()
        plans: list[Planned] = []
        malformed: set[str] = set()
        for n in range(300):
            key, to = f"k{n}", rng.choice(chats)
            bad = rng.random() < 0.02
            if bad:
                malformed.add(key)
            due = start + dt.timedelta(minutes=rng.randrange(0, 40))
            plans.append(probe(key, to, due, too_long=bad))
        svc.notify.plan(plans)
        faults_per_chat: Counter[int] = Counter()
        block_at = {c: rng.randrange(0, 30) for c in blocked}
        for step in range(400):
            for c in chats:
                if c in blocked and block_at[c] == step:
                    sandbox.fail("sendMessage", "403", chat_id=c, times=10_000)
                elif c not in blocked and faults_per_chat[c] < 3 and rng.random() < 0.08:
                    faults_per_chat[c] += 1
                    kind = rng.choice(TRANSIENT)
                    sandbox.fail("sendMessage", kind, chat_id=c, retry_after=rng.randint(1, 40))
            await chat.app.bot_data.sender.tick()
            pending = svc.notify.listing(chat_ids=chats)
            if not pending:
                break
            clock.set(max(clock.now() + dt.timedelta(seconds=5), min(n.due_at for n in pending)))
        else:
            pytest.fail("notifications still pending after 400 ticks")
        await chat.app.bot_data.sender.tick()  # the liaison's notices and the admin reports
        states = {n.key: n for n in svc.notify.listing(
            chat_ids=chats, states=list(NoteState), limit=10_000)}
    assert len(states) == 300
    expected: dict[tuple[int, str], int] = {}
    got = deliveries(sandbox)
    for plan in plans:
        note = states[plan.key]
        if plan.key in malformed:
            assert note.state == NoteState.FAILED and (note.last_error or "").startswith("400")
            expected[(plan.chat_id, plan.key)] = 0
        elif plan.chat_id in blocked and got[(plan.chat_id, plan.key)] == 0:
            assert note.state == NoteState.FAILED and "403" in (note.last_error or "")
            expected[(plan.chat_id, plan.key)] = 0
        else:
            assert note.state == NoteState.SENT, (plan.key, note)
            expected[(plan.chat_id, plan.key)] = 1
    # No note was tried more than once per fault it met, nor sent before its due time.
    assert all(states[p.key].attempts <= 4 for p in plans)
    for message in sandbox.calls_to("sendMessage"):
        text = str(message.params.get("text"))
        if text.startswith("probe ") and message.status == 200:
            assert "（延迟送达）" not in text
    told = [m.text or "" for m in sandbox.sent(LIAISON)]
    for c in blocked:
        assert any(f"干部{c}" in text for text in told), c
    admin = "\n".join(m.text or "" for m in sandbox.sent(ADMIN_CHAT))
    assert all(f"（{key}）" in admin for key in malformed)
    assert sum(expected.values()) > 250
    check(sandbox, expected)
