"""Signing in to the web without passwords: one-time links, Mini App initData, sessions."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qsl

from sqlalchemy import delete, func, select

from bot.clock import Clock
from bot.errors import DomainError
from bot.services.membership import MembershipService
from storage.db import Database
from storage.web import WebLink, WebSession

LINK_TTL = dt.timedelta(minutes=10)
# Links one person may ask for within LINK_TTL: enough for a typo'd browser, not for a flood.
LINKS_PER_TTL = 5
# A clock a little ahead of Telegram's must not refuse a fresh initData.
CLOCK_SKEW = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class WebAppUser:
    """The person Telegram vouches for in a Mini App's initData."""

    user_id: int
    language_code: str | None
    auth_date: dt.datetime


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _digest(random_part: str) -> str:
    return hashlib.sha256(random_part.encode("ascii")).hexdigest()


def webapp_secret(bot_token: str) -> bytes:
    """Telegram's key for Web App data: HMAC-SHA256 of the bot token, keyed "WebAppData"."""
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def data_check_string(fields: dict[str, str]) -> str:
    """Every received field but `hash`, sorted by key, as key=value lines."""
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")


def check_init_data(raw: str, bot_token: str, *, now: dt.datetime,
                    max_age: dt.timedelta) -> WebAppUser:
    """Validate a Mini App's initData exactly as Telegram specifies for Web Apps.

    hash = hex(HMAC_SHA256(key=HMAC_SHA256(key="WebAppData", msg=token), msg=data_check_string))
    and auth_date no older than `max_age`. Anything else is refused, with one key for all
    forgeries so a prober learns nothing about which part was wrong.
    """
    try:
        pairs = parse_qsl(raw, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise DomainError("web.initdata_invalid") from None
    fields = dict(pairs)
    received = fields.get("hash", "")
    if len(fields) != len(pairs) or not received:
        raise DomainError("web.initdata_invalid")
    expected = hmac.new(webapp_secret(bot_token), data_check_string(fields).encode(),
                        hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, received):
        raise DomainError("web.initdata_invalid")
    try:
        signed_at = dt.datetime.fromtimestamp(int(fields["auth_date"]), dt.UTC)
        user = json.loads(fields["user"])
        user_id = int(user["id"])
    except (KeyError, ValueError, TypeError, OverflowError, OSError):
        raise DomainError("web.initdata_invalid") from None
    if now - signed_at > max_age or signed_at - now > CLOCK_SKEW:
        raise DomainError("web.initdata_expired")
    lang = user.get("language_code") if isinstance(user, dict) else None
    return WebAppUser(user_id, lang if isinstance(lang, str) else None, signed_at)


class SigninService:
    """Issues and redeems sign-in links, checks initData, opens and closes sessions.

    Links and cookies are `random.signature`: the signature (HMAC with the configured secret)
    refuses a forged or tampered value before the database is asked; the database holds only a
    digest of the random part, so a copy of it signs nobody in.
    """

    def __init__(self, db: Database, clock: Clock, membership: MembershipService, *,
                 secret: str | None, bot_token: str | None, init_data_max_age: int,
                 session_hours: float) -> None:
        self.db = db
        self.clock = clock
        self.membership = membership
        self._secret = secret.encode() if secret else None
        self._bot_token = bot_token
        self.max_age = dt.timedelta(seconds=init_data_max_age)
        self.session_ttl = dt.timedelta(hours=session_hours)

    # -- signed tokens -------------------------------------------------------------------------

    def _sign(self, purpose: str, random_part: str) -> str:
        if self._secret is None:
            raise DomainError("web.not_configured")
        mac = hmac.new(self._secret, f"{purpose}:{random_part}".encode(), hashlib.sha256)
        return _b64(mac.digest())

    def _new_token(self, purpose: str) -> tuple[str, str]:
        random_part = _b64(secrets.token_bytes(24))
        return f"{random_part}.{self._sign(purpose, random_part)}", _digest(random_part)

    def _verified(self, purpose: str, token: str) -> str | None:
        """The digest of a token's random part if its signature holds, else None."""
        random_part, dot, signature = token.partition(".")
        if not dot or not random_part.isascii() or len(token) > 200:
            return None
        if not hmac.compare_digest(self._sign(purpose, random_part), signature):
            return None
        return _digest(random_part)

    def _member(self, user_id: int) -> None:
        if self.membership.identify(user_id).role is None:
            raise DomainError("web.not_member")

    # -- one-time links ------------------------------------------------------------------------

    def issue_link(self, user_id: int) -> str:
        """A sign-in token for `user_id`, valid once within LINK_TTL."""
        self._member(user_id)
        token, digest = self._new_token("link")
        now = self.clock.now()
        with self.db.unit() as uow:
            s = uow.session
            s.execute(delete(WebLink).where(WebLink.expires_at < now - LINK_TTL))
            recent = s.scalar(select(func.count()).select_from(WebLink).where(
                WebLink.user_id == user_id, WebLink.created_at > now - LINK_TTL)) or 0
            if recent >= LINKS_PER_TTL:
                raise DomainError("web.link_too_many")
            s.add(WebLink(digest=digest, user_id=user_id, created_at=now,
                          expires_at=now + LINK_TTL))
        return token

    def redeem_link(self, token: str) -> int:
        """Use a sign-in link: the person it was issued to, once; refused when reused or late."""
        digest = self._verified("link", token)
        if digest is None:
            raise DomainError("web.link_invalid")
        now = self.clock.now()
        with self.db.unit() as uow:
            link = uow.session.get(WebLink, digest, with_for_update=True)
            if link is None:
                raise DomainError("web.link_invalid")
            if link.used_at is not None:
                raise DomainError("web.link_used")
            if link.expires_at <= now:
                raise DomainError("web.link_expired")
            link.used_at = now
            user_id = link.user_id
        self._member(user_id)
        return user_id

    # -- the Mini App --------------------------------------------------------------------------

    def from_init_data(self, raw: str) -> WebAppUser:
        """The member a Mini App's initData names, once Telegram's signature and age hold."""
        if not self._bot_token:
            raise DomainError("web.not_configured")
        user = check_init_data(raw, self._bot_token, now=self.clock.now(), max_age=self.max_age)
        self._member(user.user_id)
        return user

    # -- sessions ------------------------------------------------------------------------------

    def open_session(self, user_id: int, via: str) -> str:
        """A new session for a signed-in member; returns the cookie value."""
        token, digest = self._new_token("session")
        now = self.clock.now()
        with self.db.unit() as uow:
            s = uow.session
            s.execute(delete(WebSession).where(WebSession.expires_at < now))
            s.add(WebSession(digest=digest, user_id=user_id, via=via, created_at=now,
                             expires_at=now + self.session_ttl))
        return token

    def session_user(self, cookie: str) -> int | None:
        """Whose session a cookie is, or None when it is forged, tampered, closed or expired."""
        if self._secret is None:
            return None
        digest = self._verified("session", cookie)
        if digest is None:
            return None
        with self.db.read() as conn:
            return conn.execute(select(WebSession.user_id).where(
                WebSession.digest == digest,
                WebSession.expires_at > self.clock.now())).scalar()

    def close_session(self, cookie: str) -> None:
        """Sign out: the session ends on the server, not only in this browser."""
        digest = self._verified("session", cookie) if self._secret else None
        if digest is None:
            return
        with self.db.unit() as uow:
            uow.session.execute(delete(WebSession).where(WebSession.digest == digest))
