"""Serving the web app with uvicorn: beside the bot on its event loop, or alone."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import uvicorn
from starlette.types import ASGIApp

from bot.bootstrap import Services
from web.app import build_web
from web.evidence import EvidenceFiles

log = logging.getLogger(__name__)


class _Beside(uvicorn.Server):
    """A uvicorn server that leaves SIGINT and SIGTERM to the bot it runs beside."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound here so that a port in use fails at once, with its error."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def _config(app: ASGIApp) -> uvicorn.Config:
    # Behind the reverse proxy: X-Forwarded-For from it names the client (the rate limit's key).
    return uvicorn.Config(app, lifespan="off", log_config=None, access_log=False,
                          proxy_headers=True, server_header=False)


class WebServer:
    """The web app on the running event loop: start() returns once it listens; stop() ends it."""

    def __init__(self, app: ASGIApp, host: str, port: int) -> None:
        self.server = _Beside(_config(app))
        self.host, self.port = host, port
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> int:
        """Listen and serve in the background; return the port (useful when asked for 0)."""
        sock = bind(self.host, self.port)
        self.port = sock.getsockname()[1]
        self._task = asyncio.create_task(self.server.serve(sockets=[sock]), name="web")
        while not self.server.started:
            if self._task.done():
                self._task.result()
                raise RuntimeError("the web server stopped while starting")
            await asyncio.sleep(0.01)
        log.info("web: serving on %s:%s", self.host, self.port)
        return self.port

    async def stop(self) -> None:
        if self._task is None:
            return
        self.server.should_exit = True
        await self._task
        self._task = None


Hook = Callable[[Any], Awaitable[None]]


def serve_beside(application: Any) -> None:
    """Serve the web from a python-telegram-bot Application: start once the bot is initialised
    (post_init), on its loop; stop in post_shutdown. Evidence comes through the bot's own Bot."""
    application.bot_data.services.config.require_web_secret()
    before_init: Hook | None = application.post_init
    before_shutdown: Hook | None = application.post_shutdown
    holder: dict[str, WebServer] = {}

    async def post_init(app: Any) -> None:
        if before_init is not None:
            await before_init(app)
        services: Services = app.bot_data.services
        web = services.config.web
        asgi = build_web(services, evidence=EvidenceFiles(app.bot))
        holder["server"] = WebServer(asgi, web.listen, web.port)
        await holder["server"].start()

    async def post_shutdown(app: Any) -> None:
        if "server" in holder:
            await holder.pop("server").stop()
        if before_shutdown is not None:
            await before_shutdown(app)

    application.post_init = post_init
    application.post_shutdown = post_shutdown


async def serve_alone(services: Services) -> None:
    """`python -m bot web`: the web app until SIGINT or SIGTERM, then a clean exit (0)."""
    web = services.config.web
    evidence = EvidenceFiles.from_config(services.config)
    server = _Beside(_config(build_web(services, evidence=evidence)))
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, setattr, server, "should_exit", True)
    try:
        await server.serve(sockets=[bind(web.listen, web.port)])
    finally:
        await evidence.close()
