"""What every response carries (CSP and friends), and the sign-in attempts' rate limit."""

from __future__ import annotations

import collections
import datetime as dt
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.clock import Clock
from bot.errors import DomainError

# Scripts, styles and images only from this server: no inline script, so an injected <script>
# would not run even if escaping failed. Telegram Web shows a Mini App in a frame.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; "
       "frame-ancestors 'self' https://web.telegram.org")
HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    # A sign-in link's token must never travel on in a Referer.
    (b"referrer-policy", b"no-referrer"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)


class SecurityHeaders:
    """ASGI middleware: the headers above on every response; pages are not cached."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[Any] = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers += [h for h in HEADERS if h[0] not in names]
                if b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


class Attempts:
    """Sign-in attempts per client address in a sliding window; over the limit, refused.

    Kept in memory: each instance limits what reaches it, which is what slows a guesser down;
    the links themselves are single use and the session cookies signed, so this is a brake,
    not the lock.
    """

    def __init__(self, clock: Clock, *, limit: int = 10,
                 window: dt.timedelta = dt.timedelta(minutes=5),
                 refusal: str = "web.too_many") -> None:
        self.clock = clock
        self.refusal = refusal
        self.limit = limit
        self.window = window
        self._seen: dict[str, collections.deque[dt.datetime]] = {}

    def check(self, client: str) -> None:
        """Count one attempt from `client`; refuse it past the limit."""
        now = self.clock.now()
        seen = self._seen.setdefault(client, collections.deque())
        while seen and seen[0] <= now - self.window:
            seen.popleft()
        if len(seen) >= self.limit:
            raise DomainError(self.refusal)
        seen.append(now)
        if len(self._seen) > 10_000:  # forget quiet clients rather than grow without bound
            for key in [k for k, v in self._seen.items() if not v or v[-1] <= now - self.window]:
                del self._seen[key]
