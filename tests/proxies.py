"""Small loopback proxies for the tests: a forwarding HTTP proxy and a SOCKS5 proxy.

Both pass bytes through unchanged and keep what each client sent upstream, so a test can count
the Bot API requests that went through them (the sandbox reads absolute-form request lines).
"""

from __future__ import annotations

import re
import socket
import socketserver
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Literal
from urllib.parse import urlsplit

_REQUEST_LINE = re.compile(rb"(?:GET|POST) (?:http://[^/ ]+)?/bot[^/ ]*/(\w+) HTTP/1\.1\r\n")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, kind: Literal["http", "socks5"], port: int) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.kind = kind
        self.lock = threading.Lock()
        self.streams: list[bytearray] = []
        self.connections = 0


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        client: socket.socket = self.request
        sent = bytearray()
        with self.server.lock:
            self.server.connections += 1
            self.server.streams.append(sent)
        try:
            target, first = (self._socks(client) if self.server.kind == "socks5"
                             else self._http(client))
        except (OSError, ValueError):
            return
        if target is None:
            return
        with socket.create_connection(target) as upstream:
            sent += first
            upstream.sendall(first)
            back = threading.Thread(target=_pump, args=(upstream, client, None), daemon=True)
            back.start()
            _pump(client, upstream, sent)
            back.join(timeout=5)

    def _http(self, client: socket.socket) -> tuple[tuple[str, int] | None, bytes]:
        head = b""
        while b"\r\n" not in head:
            chunk = client.recv(65536)
            if not chunk:
                return None, b""
            head += chunk
        line = head.split(b"\r\n", 1)[0].decode("latin-1")
        url = urlsplit(line.split(" ")[1])
        if url.scheme != "http" or url.hostname is None:  # CONNECT and the like: not needed
            client.sendall(b"HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\n\r\n")
            return None, b""
        return (url.hostname, url.port or 80), head

    def _socks(self, client: socket.socket) -> tuple[tuple[str, int] | None, bytes]:
        version, count = _exactly(client, 2)
        if version != 5:
            raise ValueError("not SOCKS5")
        _exactly(client, count)
        client.sendall(b"\x05\x00")  # no authentication
        _, command, _, kind = _exactly(client, 4)
        if kind == 1:
            host = socket.inet_ntoa(_exactly(client, 4))
        elif kind == 3:
            host = _exactly(client, _exactly(client, 1)[0]).decode()
        else:
            raise ValueError("address type")
        (port,) = struct.unpack("!H", _exactly(client, 2))
        if command != 1:
            client.sendall(b"\x05\x07\x00\x01" + bytes(6))
            return None, b""
        client.sendall(b"\x05\x00\x00\x01" + bytes(6))
        return (host, port), b""


def _exactly(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ValueError("closed")
        data += chunk
    return data


def _pump(src: socket.socket, dst: socket.socket, record: bytearray | None) -> None:
    try:
        while chunk := src.recv(65536):
            if record is not None:
                record += chunk
            dst.sendall(chunk)
    except OSError:
        pass
    finally:
        for sock in (src, dst):
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class LoopbackProxy:
    """A running proxy on 127.0.0.1: its URL, and the Bot API methods that went through it."""

    def __init__(self, server: _Server) -> None:
        self._server = server
        port = server.server_address[1]
        self.url = f"{server.kind}://127.0.0.1:{port}"

    @property
    def connections(self) -> int:
        return self._server.connections

    def methods(self) -> list[str]:
        with self._server.lock:
            streams = [bytes(s) for s in self._server.streams]
        return [m.decode() for s in streams for m in _REQUEST_LINE.findall(s)]


@contextmanager
def loopback_proxy(kind: Literal["http", "socks5"], port: int = 0) -> Iterator[LoopbackProxy]:
    server = _Server(kind, port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LoopbackProxy(server)
    finally:
        server.shutdown()
        server.server_close()


def free_port() -> int:
    """A loopback port nothing listens on (for an unreachable proxy)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
