"""Loopback HTTP front for BotApiSandbox, so a real bot process can long-poll it."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import re
import select
import signal
import socket
import struct
import threading
import time
from dataclasses import asdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

from bot.sandbox import ApiCall, BotApiSandbox
from bot.sandbox_updates import JSON, Files, SentMessage

__all__ = ["SandboxServer", "decode_field", "main", "parse_multipart", "serve"]

_LOGGER = logging.getLogger(__name__)
# PTB posts every parameter as a form field, JSON-encoding all but strings. These fields are
# Strings in the Bot API, so they must not be JSON-decoded (a text of "123" must stay "123").
_STRING_FIELDS = frozenset(
    {"text", "caption", "parse_mode", "callback_query_id", "inline_message_id", "url"}
    | {"title", "description", "action", "document", "photo", "file_id", "language_code"}
    | {"business_connection_id", "message_effect_id", "secret_token", "custom_title"}
    | {"name", "short_description"}
)
_API_ROUTE = re.compile(r"/bot(?P<token>[^/]*)/(?P<method>\w+)")
_FILE_ROUTE = re.compile(r"/file/bot[^/]*/(?P<path>.+)")
_DISPOSITION_PARAM = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')
# httpx percent-escapes quotes and control characters inside multipart header values.
_FORM_ESCAPE = re.compile(r"%(22|[01][0-9A-F])")
_HANG_SECONDS = 30.0  # how long a "timeout" fault holds a request if the client never gives up


def decode_field(name: str, value: str) -> Any:
    """Undo PTB's form encoding of one parameter (JSON for everything but String fields)."""
    if name in _STRING_FIELDS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value  # e.g. chat_id "@channelname"


def _unescape(value: str) -> str:
    return _FORM_ESCAPE.sub(lambda m: chr(int(m[1], 16)), value).replace("\\\\", "\\")


def parse_multipart(body: bytes, boundary: bytes) -> tuple[JSON, Files]:
    """Split a multipart/form-data body into decoded parameters and uploaded files."""
    params: JSON = {}
    files: Files = {}
    for part in body.split(b"--" + boundary)[1:]:
        if part.startswith(b"--"):
            break
        head, _, content = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        headers = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        attrs = dict(_DISPOSITION_PARAM.findall(headers.get("content-disposition", "")))
        name, content = _unescape(attrs.get("name", "")), content.removesuffix(b"\r\n")
        if "filename" in attrs:
            mime = headers.get("content-type") or "application/octet-stream"
            files[name] = (_unescape(attrs["filename"]), content, mime)
        else:
            params[name] = decode_field(name, content.decode("utf-8", "replace"))
    return params, files


def _sent_json(message: SentMessage) -> JSON:
    data = asdict(message)
    if message.document is not None:
        data["document"] = {"filename": message.document[0], "size": len(message.document[1])}
    data["photo"] = None if message.photo is None else {"size": len(message.photo)}
    data["buttons"] = message.buttons()
    return data


def _newest_with_button(
    sandbox: BotApiSandbox, chat_id: int, wanted: str, *, by_label: bool
) -> SentMessage:
    """The latest live message in the chat offering that button (label or callback_data)."""
    for message in reversed(sandbox.sent(chat_id)):
        pairs = [pair for row in message.buttons() for pair in row]
        if not message.deleted and any(wanted == pair[0 if by_label else 1] for pair in pairs):
            return message
    raise LookupError(f"no message in chat {chat_id} offers a button {wanted!r}")


def _call_json(call: ApiCall) -> JSON:
    files = {name: len(content) for name, content in call.files.items()}
    return {**asdict(call), "files": files}


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], sandbox: BotApiSandbox) -> None:
        self.sandbox = sandbox
        self.closing = threading.Event()
        self.open_connections: set[socket.socket] = set()
        self.open_lock = threading.Lock()
        super().__init__(address, _Handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        connection, address = super().get_request()
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
        sandbox = self.server.sandbox
        try:
            data: JSON = json.loads(self._body() or b"{}") if self.command == "POST" else {}
            result: Any
            if route == "message":
                chat_id = data.get("chat_id")
                text = str(data.get("text", ""))
                result = sandbox.message(
                    int(data["user_id"]), text, None if chat_id is None else int(chat_id)
                )
            elif route in ("callback", "click"):
                chat, user = int(data.get("chat_id") or data["user_id"]), int(data["user_id"])
                wanted = str(data["text"] if route == "click" else data["data"])
                if message_id := data.get("message_id"):
                    message = sandbox.find(chat, int(message_id))
                else:
                    message = _newest_with_button(sandbox, chat, wanted, by_label=route == "click")
                if route == "click":
                    result = sandbox.click(user, message, wanted)
                else:
                    result = sandbox.callback(user, message, wanted)
            elif route == "sent":
                only = parse_qs(query).get("chat_id")
                result = [_sent_json(m) for m in sandbox.sent(int(only[0]) if only else None)]
            elif route == "calls":
                result = [_call_json(call) for call in list(sandbox.calls)]
            else:
                self._send(404, {"error": f"unknown control route /sandbox/{route}"})
                return
        except (KeyError, TypeError, ValueError, LookupError) as exc:
            self._send(400, {"error": f"{type(exc).__name__}: {exc}"})
            return
        self._send(200, result)

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
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

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
        prog="python -m bot.sandbox_http", description="Run a fake Telegram Bot API locally."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument(
        "--lenient", action="store_true", help="answer untaught methods with true, not 400"
    )
    args = parser.parse_args(argv)
    stop = threading.Event()
    # Explicit handlers: a backgrounded process may inherit SIGINT as ignored.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with serve(BotApiSandbox(strict=not args.lenient), args.host, args.port) as server:
        control = server.control_url
        print(
            f"Bot API sandbox running. Point the bot at it with:\n  TELEGRAM_BASE_URL={server.url}"
        )
        print(f"  (file downloads: base_file_url {server.file_url})")
        print(f'Say something: curl -d \'{{"user_id": 1, "text": "/start"}}\' {control}/message')
        print(f"Read replies:  curl '{control}/sent?chat_id=1'   (Ctrl-C stops)", flush=True)
        while not stop.wait(0.2):
            pass
    print("Bot API sandbox stopped.", flush=True)


if __name__ == "__main__":
    main()
