"""Who decides on a person's request or item: the unit's leaders, never the person himself,
else the campaign office. Leave, sign-off (销号) and extensions share this rule."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain import Role
from storage.models import Member


def approvers(s: Session, unit_id: int, *, excluded: Iterable[int] = (),
              preferred: int | None = None, office_admins: Iterable[int] = ()) -> tuple[int, ...]:
    """`preferred` when he is one of the unit's leaders; else every leader of the unit; else
    the office (configured admins first). Nobody in `excluded` (the applicant, the owner,
    whoever filed it) is ever among them."""
    out = set(excluded)
    leaders = [uid for uid in s.scalars(select(Member.user_id).where(
        Member.unit_id == unit_id, Member.role == Role.LEADER).order_by(Member.id))
        if uid not in out]
    if preferred is not None and preferred in leaders:
        return (preferred,)
    if leaders:
        return tuple(leaders)
    office = s.scalars(select(Member.user_id).where(Member.role == Role.OFFICE)
                       .order_by(Member.id))
    return tuple(uid for uid in dict.fromkeys([*sorted(office_admins), *office])
                 if uid not in out)
