"""The public's cases: limits at submission, triage by the office, tracking, and 复号."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bot.bootstrap import Services
from bot.clock import FixedClock
from bot.domain import CaseState, EventKind, NoteKind, Source, Status
from bot.errors import DomainError
from storage.notify import Notification
from tests.test_digest import LEADER, LIAISON, OFFICE, config, seed, unit_id  # noqa: F401 - fixture
from tests.test_web_browser import png

CONTACT = ("王小明", "13800001111")


@pytest.fixture
def city(services: Services, clock: FixedClock) -> Services:
    seed(services, clock)
    return services


def _submit(services: Services, text: str = "窗口工作人员态度生硬", **kw: object) -> str:
    values: dict[str, object] = {"unit_id": unit_id(services, "EDU"), "kind": "public",
                                 "text": text, **kw}
    return services.cases.submit(**values).code  # type: ignore[arg-type]


def _pending_id(services: Services, code: str) -> int:
    office = services.membership.identify(OFFICE)
    return next(c.id for c in services.cases.pending(by=office) if c.code == code)


def _transfer(services: Services, clock: FixedClock, code: str) -> int:
    office = services.membership.identify(OFFICE)
    problem = services.cases.transfer(_pending_id(services, code), by=office, by_name="办公室",
                                      deadline=clock.now() + dt.timedelta(days=10))
    return problem.id


def _sign_off(services: Services, problem_id: int) -> None:
    who = services.membership.identify
    services.ledger.report_done(problem_id, by=who(LIAISON), by_name="王联络",
                                completion="已整改")
    services.ledger.approve(problem_id, by=who(LEADER), by_name="李局长")


def test_limits_are_checked_before_anything_is_kept(city: Services) -> None:
    edu = unit_id(city, "EDU")
    submit = city.cases.submit
    for kwargs, key in (
            ({"text": "  "}, "cases.empty"),
            ({"text": "长" * 2001}, "cases.too_long"),
            ({"kind": "self"}, "cases.bad_kind"),
            ({"photo": b"GIF89a" + b"x" * 5_000_000}, "cases.photo_too_big"),
            ({"photo": b"%PDF-1.4 pretending.png"}, "cases.photo_type"),
            ({"anonymous": False}, "cases.contact_needed"),
            ({"anonymous": False, "contact_phone": "<script>"}, "cases.bad_phone"),
            ({"unit_id": 99999}, "cases.unknown_unit")):
        values: dict[str, object] = {"unit_id": edu, "kind": "public", "text": "有事", **kwargs}
        with pytest.raises(DomainError) as refused:
            submit(**values)  # type: ignore[arg-type]
        assert refused.value.key == key
    assert city.cases.pending(by=city.membership.identify(OFFICE)) == []


def test_the_same_case_within_a_day_is_folded_into_one(city: Services,
                                                       clock: FixedClock) -> None:
    first = _submit(city, photo=png())
    assert city.cases.submit(unit_id=unit_id(city, "EDU"), kind="public",
                             text=" 窗口工作人员态度生硬 ", photo=png()).duplicate
    assert _submit(city, photo=png()) == first
    assert _submit(city) != first  # without the photo it is another case
    clock.advance(days=1, seconds=1)
    assert _submit(city, photo=png()) != first


def test_transfer_files_an_item_of_the_unit_without_the_contact(city: Services,
                                                                clock: FixedClock) -> None:
    code = _submit(city, text="办事大厅<b>排队</b>两小时", anonymous=False,
                   contact_name=CONTACT[0], contact_phone=CONTACT[1])
    office = city.membership.identify(OFFICE)
    [seen] = city.cases.pending(by=office)
    assert (seen.contact_name, seen.contact_phone) == CONTACT
    with pytest.raises(DomainError):
        city.cases.pending(by=city.membership.identify(LEADER))
    problem_id = _transfer(city, clock, code)
    problem = city.ledger.peek(problem_id)
    assert problem is not None
    assert problem.source is Source.PUBLIC and problem.unit_code == "EDU"
    assert problem.description == "办事大厅<b>排队</b>两小时"
    assert problem.status is Status.PENDING and problem.owner_user_id == LIAISON
    assert problem.leader_user_id == LEADER
    public = city.cases.track(code.lower())
    assert public is not None and public.state is CaseState.TRANSFERRED
    assert public.number == problem.number and not public.can_rate
    assert "李局长" not in repr(public) and CONTACT[0] not in repr(public)
    with pytest.raises(DomainError) as twice:
        city.cases.refuse(seen.id, "重复", by=office)
    assert twice.value.key == "cases.decided"


def test_refused_and_merged_cases_as_the_public_sees_them(city: Services,
                                                          clock: FixedClock) -> None:
    office = city.membership.identify(OFFICE)
    refused = _submit(city, text="与本单位无关的事")
    city.cases.refuse(_pending_id(city, refused), "不属于本单位职责", by=office)
    seen = city.cases.track(refused)
    assert seen is not None and seen.state is CaseState.REFUSED
    assert seen.reason == "不属于本单位职责"
    merged = _submit(city, text="窗口午休没人")
    item = city.cases.merge(_pending_id(city, merged), "edu-0001", by=office)
    seen = city.cases.track(merged)
    assert seen is not None and seen.state is CaseState.MERGED
    assert seen.number == item.number == "EDU-0001"
    assert city.cases.track("NOSUCHCODE") is None


def test_one_dissatisfied_rating_reopens_the_item_exactly_once(city: Services,
                                                               clock: FixedClock) -> None:
    code = _submit(city)
    problem_id = _transfer(city, clock, code)
    with pytest.raises(DomainError):
        city.cases.rate(code, "dissatisfied")  # not signed off yet
    _sign_off(city, problem_id)
    public = city.cases.track(code)
    assert public is not None and public.can_rate
    clock.advance(hours=1)
    rated = city.cases.rate(code, "dissatisfied", "  还是要排队  ")
    assert rated.reopened
    with pytest.raises(DomainError) as again:
        city.cases.rate(code, "very_dissatisfied")
    assert again.value.key == "cases.not_rateable"
    problem = city.ledger.peek(problem_id)
    assert problem is not None and problem.status is Status.IN_PROGRESS
    assert problem.deadline == clock.now() + dt.timedelta(days=7)
    _, history = city.board.item(city.membership.identify(OFFICE), problem_id)
    reopened = [e for e in history if e.kind is EventKind.REOPENED]
    assert len(reopened) == 1 and reopened[0].note == "还是要排队"
    with city.db.read() as conn:
        told = conn.execute(select(Notification.chat_id).where(
            Notification.kind == NoteKind.CASE_REOPENED)).scalars().all()
    assert sorted(told) == [LEADER, OFFICE]
    assert city.cases.satisfaction()[unit_id(city, "EDU")].rate == "0.0%"


def test_reopening_stops_at_max_reopen_and_satisfied_closes(city: Services,
                                                            clock: FixedClock) -> None:
    code = _submit(city)
    problem_id = _transfer(city, clock, code)
    for _ in range(2):  # cases.max_reopen defaults to 2
        _sign_off(city, problem_id)
        clock.advance(hours=1)
        assert city.cases.rate(code, "very_dissatisfied").reopened
    _sign_off(city, problem_id)
    clock.advance(hours=1)
    assert not city.cases.rate(code, "dissatisfied").reopened
    problem = city.ledger.peek(problem_id)
    assert problem is not None and problem.status is Status.SIGNED_OFF
    public = city.cases.track(code)
    assert public is not None and not public.can_rate and len(public.ratings) == 3
    other = _submit(city, text="另一件事")
    other_id = _transfer(city, clock, other)
    _sign_off(city, other_id)
    assert not city.cases.rate(other, "fairly_satisfied").reopened
    sat = city.cases.satisfaction([unit_id(city, "EDU")])[unit_id(city, "EDU")]
    assert (sat.rated, sat.satisfied, sat.rate) == (4, 1, "25.0%")


def test_personal_data_is_purged_on_request_and_after_the_retention(
        city: Services, clock: FixedClock) -> None:
    office = city.membership.identify(OFFICE)
    contact = {"anonymous": False, "contact_name": CONTACT[0], "contact_phone": CONTACT[1]}
    asked = _submit(city, text="第一件", photo=png(), **contact)
    assert city.cases.purge(asked, by=office)
    refused = _submit(city, text="第二件", **contact)
    city.cases.refuse(_pending_id(city, refused), "不属于受理范围", by=office)
    kept = _submit(city, text="第三件", **contact)  # still new: kept however old
    assert city.cases.purge_expired() == 0
    clock.advance(days=366)
    assert city.cases.purge_expired() == 1
    with pytest.raises(DomainError):
        city.cases.purge(kept, by=city.membership.identify(LEADER))
    views = {c.code: c for c in city.cases.pending(by=office)}
    assert views[kept].contact_phone == CONTACT[1]
    assert views[asked].contact_name is None and not views[asked].has_photo
    assert city.cases.track(refused) is not None
