"""BotApiSandbox: answers, records, delays and optionally fails or rate-limits PTB's calls."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime

from sandbox.chats import ChatMethods
from sandbox.faults import Fault, FaultKind, Faults, RateLimits
from sandbox.messages import MessageMethods
from sandbox.objects import JSON, ApiCall, Files, Reply, SandboxApiError, clone, error, ok
from sandbox.updates import poll_args


def _chat_of(params: JSON) -> int | None:
    try:
        return int(params["chat_id"])
    except (KeyError, TypeError, ValueError):
        return None


def _commands_key(p: JSON) -> str:
    return json.dumps([p.get("scope") or {"type": "default"}, p.get("language_code") or ""])


class BotApiSandbox(ChatMethods, MessageMethods):
    """Fake Bot API: answers, records and optionally fails or rate-limits PTB's calls.

    Every call waits `latency` seconds, give or take up to `jitter` (drawn from `seed`),
    before it is answered, as a network round trip would: half on the way in (the rate
    limits count a call when it arrives, as Telegram's do) and half on the way back. A call
    arrives half its round trip after it was made, as it would at a remote server: if this
    process's event loop is held up meanwhile, the call is answered late but counted at that
    time, not bunched with the calls made after it."""

    def __init__(
        self,
        *,
        bot_id: int = 1000,
        bot_username: str = "zhenggai_bot",
        strict: bool = True,
        clock: Callable[[], datetime] | None = None,
        latency: float = 0.0,
        jitter: float = 0.0,
        seed: int | None = None,
    ) -> None:
        super().__init__(bot_id=bot_id, bot_username=bot_username, strict=strict, clock=clock)
        if latency < 0 or jitter < 0:
            raise ValueError("latency and jitter are seconds and cannot be negative")
        self.latency = latency
        self.jitter = jitter
        self.calls: list[ApiCall] = []
        self.untaught: list[str] = []
        self.stats: Counter[str] = Counter()
        self.webhook_url = ""
        self._random = random.Random(seed)
        self._commands: dict[str, list[JSON]] = {}
        self._menu_buttons: dict[int | None, JSON] = {}
        self._faults = Faults()

    @classmethod
    def taught(cls) -> frozenset[str]:
        return frozenset(n.removeprefix("_api_") for n in dir(cls) if n.startswith("_api_"))

    def calls_to(self, method: str) -> list[ApiCall]:
        return [call for call in list(self.calls) if call.method == method]

    def fail(
        self,
        method: str,
        kind: FaultKind | str,
        *,
        times: int = 1,
        retry_after: int = 1,
        description: str | None = None,
        chat_id: int | None = None,
    ) -> None:
        """Make the next `times` calls of `method` ("*" = any; optionally only for chat_id)
        fail with `kind`: "429", "403", "400", "500", "502", "timeout" or "reset"."""
        with self._lock:
            self._faults.arm(Fault(method, kind, times, retry_after, description, chat_id))

    def enforce_limits(
        self,
        per_second: int | None = 30,
        per_chat_per_second: int | None = 1,
        per_group_per_minute: int | None = 20,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Answer send*/edit* calls over these limits with 429 (None lifts a limit)."""
        with self._lock:
            limits = RateLimits(per_second, per_chat_per_second, per_group_per_minute, clock)
            self._faults.limits = limits

    def round_trip(self) -> float:
        """Seconds the next call waits before it is answered: latency ± jitter, never below 0."""
        if not self.jitter:
            return self.latency
        with self._lock:
            spread = self._random.uniform(-self.jitter, self.jitter)
        return max(0.0, self.latency + spread)

    # ----- transport entry points ----------------------------------------------------------
    def dispatch(self, method: str, params: JSON, files: Files | None = None) -> Reply:
        """Answer one call, blocking this thread for the delay and any long poll (HTTP server)."""
        at = None
        if delay := self.round_trip():
            at = self._arrival(delay)
            time.sleep(delay / 2)
        early = self._prepare(method, params, at)
        if early is None and method == "getUpdates" and not self.webhook_url:
            self._queue.wait_sync(*poll_args(params))
        reply = self._finish(method, params, files or {}, early)
        if delay:
            time.sleep(delay / 2)
        return reply

    async def dispatch_async(self, method: str, params: JSON, files: Files | None = None) -> Reply:
        """Answer one call; the delay and a getUpdates long poll await, never block the loop."""
        at = None
        if delay := self.round_trip():
            at = self._arrival(delay)
            await asyncio.sleep(delay / 2)
        early = self._prepare(method, params, at)
        if early is None and method == "getUpdates" and not self.webhook_url:
            await self._queue.wait_async(*poll_args(params))
        reply = self._finish(method, params, files or {}, early)
        if delay:
            await asyncio.sleep(delay / 2)
        return reply

    def _arrival(self, delay: float) -> float | None:
        """When a call made now with this round trip arrives, on the rate limits' clock."""
        limits = self._faults.limits
        return None if limits is None else limits.clock() + delay / 2

    def _prepare(self, method: str, params: JSON,
                 at: float | None = None) -> tuple[Reply, str] | None:
        """An early answer (fault, untaught, rate limit), or None to run the method; `at`: when
        the call arrived on the rate limits' clock (default: now)."""
        with self._lock:
            chat = _chat_of(params)
            if fault := self._faults.take(method, chat):
                self.stats["429"] += 1 if fault.kind == "429" else 0
                return fault.reply(), fault.kind
            if not hasattr(self, f"_api_{method}"):
                if not self.strict:
                    return ok(True), "untaught"
                self.untaught.append(method)
                text = f"Bad Request: method {method} not taught to the sandbox"
                return error(400, text), "untaught"
            if (retry := self._faults.retry_after(method, chat, at)) is not None:
                self.stats["429"] += 1
                return error(429, f"Too Many Requests: retry after {retry}", retry), "limit"
        return None

    def _finish(
        self, method: str, params: JSON, files: Files, early: tuple[Reply, str] | None
    ) -> Reply:
        with self._lock:
            reply, fault = early or (None, None)
            if reply is None:
                try:
                    reply = ok(getattr(self, f"_api_{method}")(params, files))
                except SandboxApiError as exc:
                    reply = error(exc.status, exc.description)
                except (KeyError, TypeError, ValueError) as exc:  # malformed parameters
                    reply = error(400, f"Bad Request: invalid {method} parameters: {exc!r}")
            self.stats["calls"] += 1
            uploads = {name: content for name, (_, content, _) in files.items()}
            self.calls.append(ApiCall(method, params, uploads, fault, reply.status))
        return reply

    # ----- Bot API methods (called with self._lock held) -----------------------------------
    def _api_logOut(self, p: JSON, files: Files) -> bool:
        return True

    _api_close = _api_logOut

    def _api_setWebhook(self, p: JSON, files: Files) -> bool:
        self.webhook_url = str(p.get("url") or "")
        return True

    def _api_deleteWebhook(self, p: JSON, files: Files) -> bool:
        if p.get("drop_pending_updates"):
            self._queue.updates.clear()
        self.webhook_url = ""
        return True

    def _api_getWebhookInfo(self, p: JSON, files: Files) -> JSON:
        info: JSON = {"url": self.webhook_url, "has_custom_certificate": False}
        return info | {"pending_update_count": len(self._queue.updates)}

    def _api_getUpdates(self, p: JSON, files: Files) -> list[JSON]:
        if self.webhook_url:
            raise SandboxApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset, _ = poll_args(p)
        return self._queue.take(offset, p.get("allowed_updates"), p.get("limit"))

    def _api_setMyCommands(self, p: JSON, files: Files) -> bool:
        self._commands[_commands_key(p)] = list(p.get("commands") or [])
        return True

    def _api_deleteMyCommands(self, p: JSON, files: Files) -> bool:
        self._commands.pop(_commands_key(p), None)
        return True

    def _api_getMyCommands(self, p: JSON, files: Files) -> list[JSON]:
        return clone(self._commands.get(_commands_key(p), []))

    def _api_setChatMenuButton(self, p: JSON, files: Files) -> bool:
        self._menu_buttons[_chat_of(p)] = p.get("menu_button") or {"type": "default"}
        return True
