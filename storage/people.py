"""Who a person is to the campaign, read in one query: it runs on every update."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, select
from sqlalchemy.orm import InstrumentedAttribute, aliased

from storage.models import Member, Unit, User

_PARENT = aliased(Unit)
# A query of any columns: the identity is joined onto reads of other shapes too.
AnyQuery = Select[*tuple[Any, ...]]
# What identifies a person: read by itself, or joined onto another hot read (a dialog's row).
IDENTITY_COLUMNS = (User.lang, Member.role, Unit.id, Unit.code, Unit.name, _PARENT.code)


def join_identity(
    query: AnyQuery, user_id: ColumnElement[int] | InstrumentedAttribute[int],
) -> AnyQuery:
    """Join the tables IDENTITY_COLUMNS come from onto a query, for the person `user_id`."""
    return _membership(query.outerjoin(User, User.id == user_id))


def _membership(query: AnyQuery) -> AnyQuery:
    return (
        query.outerjoin(Member, Member.user_id == User.id)
        .outerjoin(Unit, Unit.id == Member.unit_id)
        .outerjoin(_PARENT, _PARENT.id == Unit.parent_id)
    )


# Built once: a statement rebuilt per call would also miss SQLAlchemy's compiled cache.
_IDENTITY: AnyQuery = select(*IDENTITY_COLUMNS).select_from(User)
IDENTIFY = _membership(_IDENTITY).where(
    User.id == bindparam("uid"))
