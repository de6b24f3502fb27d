"""What the cases service hands out, and the checks on what the public sends (pure)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from bot.domain import CaseState, Rating, Source, Status
from bot.services.stats import rate_text
from storage.cases import Case

KINDS = (Source.PUBLIC, Source.BUSINESS)
# 查询码: no 0/O, 1/I/L, so it survives being read aloud or copied by hand.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
DUPLICATE_WINDOW = dt.timedelta(days=1)
PHONE = re.compile(r"^\+?[0-9][0-9 \-]{4,19}$")


def code_of() -> str:
    """A fresh 查询码: random, never derived from the case."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


@dataclass(frozen=True)
class Submitted:
    code: str
    duplicate: bool  # the same case was sent within a day: its code is given again


@dataclass(frozen=True)
class CaseView:
    """A case as the office sees it, contact included."""

    id: int
    code: str
    unit_id: int
    unit_name: str
    kind: Source
    text: str
    has_photo: bool
    contact_name: str | None
    contact_phone: str | None
    state: CaseState
    problem_id: int | None
    created_at: dt.datetime


@dataclass(frozen=True)
class PublicCase:
    """What a 查询码 shows anyone who has it: no contact, no cadre's name."""

    code: str
    unit_name: str
    kind: Source
    state: CaseState
    created_at: dt.datetime
    reason: str | None
    number: str | None
    item_status: Status | None
    deadline: dt.datetime | None
    signed_off_at: dt.datetime | None
    can_rate: bool
    ratings: tuple[Rating, ...]
    acked_at: dt.datetime | None = None  # 签收 by the unit it was handed to


@dataclass(frozen=True)
class Rated:
    rating: Rating
    reopened: bool


@dataclass(frozen=True)
class Satisfaction:
    unit_id: int
    rated: int
    satisfied: int

    @property
    def rate(self) -> str:
        """满意率 as shown: one decimal, or a dash when nobody rated yet."""
        return rate_text(self.satisfied, self.rated)


def clean(value: str | None) -> str:
    """What the public typed, trimmed; without NUL, which no database column can hold."""
    return (value or "").replace("\x00", "").strip()


def normalize_code(code: str) -> str:
    return re.sub(r"[\s\-]", "", code).upper()[:32]


def case_digest(unit_id: int, kind: Source, text: str, photo: bytes | None) -> str:
    digest = hashlib.sha256(f"{unit_id}\0{kind}\0{' '.join(text.split())}\0".encode())
    digest.update(photo or b"")
    return digest.hexdigest()


def case_view(case: Case, unit_name: str) -> CaseView:
    """The office's view of a case row."""
    return CaseView(id=case.id, code=case.code, unit_id=case.unit_id, unit_name=unit_name,
                    kind=case.kind, text=case.text, has_photo=case.photo is not None,
                    contact_name=case.contact_name, contact_phone=case.contact_phone,
                    state=case.state, problem_id=case.problem_id, created_at=case.created_at)
