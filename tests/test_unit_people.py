"""The filing's people questions: leaders first, by name; a large unit's short list shared."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.bootstrap import Services
from bot.clock import FixedClock
from bot.domain import Role
from bot.services import ledger_reads


def _join(services: Services, user: int, name: str, role: Role = Role.MEMBER) -> None:
    m = services.membership
    code = m.create_invite(unit="EDU", role=role, by=None).code
    m.redeem_invite(code, user_id=user, display_name=name, username=None)


@pytest.fixture
def unit(services: Services) -> Services:
    services.membership.add_unit("市教育局", code="EDU")
    _join(services, 1, "乙局长", Role.LEADER)
    _join(services, 2, "丙联络", Role.LIAISON)
    for user in range(10, 22):
        _join(services, user, f"干部{user}")
    return services


def names(services: Services, **kwargs: object) -> list[str]:
    unit_id = services.membership.identify(1).unit
    assert unit_id is not None
    return [p.name for p in services.ledger.unit_people(unit_id.id, **kwargs)]  # type: ignore[arg-type]


def test_leaders_then_liaisons_then_members_by_name_without_the_asker(unit: Services) -> None:
    assert names(unit, limit=4, exclude=10) == ["乙局长", "丙联络", "干部11", "干部12"]
    assert names(unit, role=Role.LEADER, limit=8) == ["乙局长"]
    _join(unit, 30, "干部00")  # a small unit: seen at once
    assert names(unit, limit=3) == ["乙局长", "丙联络", "干部00"]


def test_a_large_units_short_list_is_shared_for_a_while(
        unit: Services, clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ledger_reads, "LARGE_UNIT", 10)
    assert names(unit, limit=3, exclude=1) == ["丙联络", "干部10", "干部11"]
    _join(unit, 30, "干部00")
    # Within PEOPLE_FRESH the list read a moment ago serves, whoever asks (minus the asker).
    assert names(unit, limit=3, exclude=2) == ["乙局长", "干部10", "干部11"]
    assert names(unit, limit=3) == ["乙局长", "丙联络", "干部10"]
    assert "干部00" in names(unit)  # a whole list is always read afresh
    clock.set(clock.now() + ledger_reads.PEOPLE_FRESH + dt.timedelta(seconds=1))
    assert names(unit, limit=3) == ["乙局长", "丙联络", "干部00"]
