"""Loopback HTTP front for BotApiSandbox, so a real bot process can long-poll it."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import re
import select
import signal
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from sandbox import control
from sandbox.api import BotApiSandbox
from sandbox.forms import decode_field, parse_multipart
from sandbox.objects import JSON, Files

__all__ = ["SandboxServer", "main", "serve"]

_LOGGER = logging.getLogger(__name__)
_API_ROUTE = re.compile(r"/bot(?P<token>[^/]*)/(?P<method>\w+)")
_FILE_ROUTE = re.compile(r"/file/bot[^/]*/(?P<path>.+)")
_HANG_SECONDS = 30.0  # how long a "timeout" fault holds a request if the client never gives up


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # A bot handling many updates at once opens many connections at once; the default
    # backlog of 5 resets the rest, which a real Bot API server never does.
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], sandbox: BotApiSandbox) -> None:
        self.sandbox = sandbox
        self.closing = threading.Event()
        self.open_connections: set[socket.socket] = set()
        self.open_lock = threading.Lock()
        super().__init__(address, _Handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        connection, address = super().get_request()
        # Nagle would hold a small reply until the client ACKs, which it delays by ~40 ms.
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.open_lock:
            self.open_connections.add(connection)
        return connection, address

    def shutdown_request(self, request: Any) -> None:
        with self.open_lock:
            self.open_connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up (timeouts, cancelled polls) are routine; anything else is a bug.
        _LOGGER.debug("sandbox HTTP connection from %s failed", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as PTB's httpx pool expects
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        _LOGGER.debug("sandbox HTTP: " + format, *args)

    def do_GET(self) -> None:
        try:
            self._route()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client stopped listening (e.g. a cancelled poll)

    do_POST = do_GET

    def _route(self) -> None:
        url = urlsplit(self.path)
        if match := _API_ROUTE.fullmatch(url.path):
            self._api(match["method"], url.query)
        elif match := _FILE_ROUTE.fullmatch(url.path):
            content = self.server.sandbox.file_bytes(match["path"])
            if content is None:
                self._send(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            else:
                self._send(200, content, "application/octet-stream")
        elif url.path.startswith("/sandbox/"):
            self._control(url.path.removeprefix("/sandbox/"), url.query)
        else:
            self._send(404, {"ok": False, "error_code": 404, "description": "Not Found"})

    def _api(self, method: str, query: str) -> None:
        try:
            params, files = self._params(query)
        except (TypeError, ValueError) as exc:  # undecodable body: answer like Telegram would
            self._send(400, {"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"})
            return
        reply = self.server.sandbox.dispatch(method, params, files)
        if reply.drop == "timeout":
            self._hang()
        if reply.drop is not None:
            self._drop()
        else:
            self._send(reply.status, reply.payload)

    def _params(self, query: str) -> tuple[JSON, Files]:
        params: JSON = {k: decode_field(k, v) for k, v in parse_qsl(query)}
        body, files = self._body(), Files()
        content_type = self.headers.get_content_type()
        if content_type == "multipart/form-data":
            boundary = str(self.headers.get_param("boundary") or "")
            form, files = parse_multipart(body, boundary.encode())
            params.update(form)
        elif content_type == "application/json" and body:
            params.update(json.loads(body))
        elif body:
            decoded = parse_qsl(body.decode(), keep_blank_values=True)
            params.update({k: decode_field(k, v) for k, v in decoded})
        return params, files

    def _control(self, route: str, query: str) -> None:
        try:
            data: JSON = json.loads(self._body() or b"{}") if self.command == "POST" else {}
        except (KeyError, TypeError, ValueError, LookupError) as exc:
            self._send(400, {"error": f"{type(exc).__name__}: {exc}"})
            return
        self._send(*control.answer(self.server.sandbox, route, query, data))

    def _body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _send(self, status: int, body: Any, content_type: str = "application/json") -> None:
        payload = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        # Headers and body leave in one write: two small segments per answer would make the
        # second one wait on the client's delayed ACK wherever Nagle is on.
        head, wire = io.BytesIO(), self.wfile
        self.wfile = head
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
        finally:
            self.wfile = wire
        self.wfile.write(head.getvalue() + payload)

    def _hang(self) -> None:
        """Say nothing until the client gives up (EOF), the server closes, or a cap passes."""
        deadline = time.monotonic() + _HANG_SECONDS
        while not self.server.closing.is_set() and time.monotonic() < deadline:
            readable, _, _ = select.select([self.connection], [], [], 0.05)
            if readable:
                return

    def _drop(self) -> None:
        # Zero linger makes the close a TCP RST: the client sees "connection reset", not EOF.
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()


class SandboxServer:
    """A running loopback server; `url` is the base_url to give PTB (it appends the token)."""

    def __init__(self, sandbox: BotApiSandbox, httpd: _Server, thread: threading.Thread) -> None:
        self.sandbox = sandbox
        self._httpd = httpd
        self._thread = thread
        host, port = httpd.server_address[:2]
        self.host, self.port = str(host), int(port)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/bot"

    @property
    def file_url(self) -> str:
        return f"http://{self.host}:{self.port}/file/bot"

    @property
    def control_url(self) -> str:
        return f"http://{self.host}:{self.port}/sandbox"

    def close(self) -> None:
        """Stop serving, wake parked long polls and cut open keep-alive connections."""
        self._httpd.closing.set()
        self.sandbox.interrupt()
        self._httpd.shutdown()
        self._httpd.server_close()
        with self._httpd.open_lock:
            for connection in list(self._httpd.open_connections):
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
        self._thread.join()

    def __enter__(self) -> SandboxServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def serve(sandbox: BotApiSandbox, host: str = "127.0.0.1", port: int = 0) -> SandboxServer:
    """Serve the sandbox over HTTP from a daemon thread (port 0 picks a free port)."""
    httpd = _Server((host, port), sandbox)
    # A short poll interval keeps close() quick; the default 0.5 s would dominate test time.
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True, name="sandbox-http"
    )
    thread.start()
    return SandboxServer(sandbox, httpd, thread)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox", description="Run a fake Telegram Bot API locally."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument(
        "--lenient", action="store_true", help="answer untaught methods with true, not 400"
    )
    parser.add_argument(
        "--latency", type=float, default=0.0, metavar="S", help="each call waits S s to be answered"
    )
    parser.add_argument(
        "--jitter", type=float, default=0.0, metavar="S", help="the wait varies by up to ±S s"
    )
    parser.add_argument("--seed", type=int, default=None, help="draw the jitter repeatably")
    args = parser.parse_args(argv)
    if args.latency < 0 or args.jitter < 0:
        parser.error("--latency and --jitter cannot be negative")
    sandbox = BotApiSandbox(
        strict=not args.lenient, latency=args.latency, jitter=args.jitter, seed=args.seed
    )
    stop = threading.Event()
    # Explicit handlers: a backgrounded process may inherit SIGINT as ignored.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with serve(sandbox, args.host, args.port) as server:
        routes = server.control_url
        print(
            f"Bot API sandbox running. Point the bot at it with:\n  TELEGRAM_BASE_URL={server.url}"
        )
        print(f"  (file downloads: base_file_url {server.file_url})")
        print(f'Say something: curl -d \'{{"user_id": 1, "text": "/start"}}\' {routes}/message')
        print(f"Read replies:  curl '{routes}/sent?chat_id=1'   (Ctrl-C stops)", flush=True)
        while not stop.wait(0.2):
            pass
    print("Bot API sandbox stopped.", flush=True)


if __name__ == "__main__":
    main()
