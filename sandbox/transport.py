"""SandboxRequest: PTB's BaseRequest handing each call to a BotApiSandbox in-process."""

from __future__ import annotations

import asyncio
import json
import re

from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from sandbox.api import BotApiSandbox
from sandbox.objects import JSON, Files, error

_FILE_URL = re.compile(r"/file/bot[^/]*/(?P<path>.+)$")


class SandboxRequest(BaseRequest):
    """In-process transport: hands PTB's requests to a BotApiSandbox, no sockets involved."""

    def __init__(self, sandbox: BotApiSandbox, *, read_timeout: float | None = None) -> None:
        self.sandbox = sandbox
        self._read_timeout = read_timeout

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        # A real transport always yields to the loop; doing the same keeps interleavings honest.
        await asyncio.sleep(0)
        if method == "GET" and (match := _FILE_URL.search(url)):
            content = self.sandbox.file_bytes(match["path"])
            if content is None:
                return 404, error(404, "Not Found: file not found").payload
            return 200, content
        params: JSON = {}
        files: Files = {}
        if request_data is not None:
            # A JSON round trip turns tuples into lists etc., just as the wire would.
            params = json.loads(json.dumps(request_data.parameters))
            for name, (filename, upload, mime) in request_data.multipart_data.items():
                raw = upload if isinstance(upload, bytes) else upload.read()
                files[name] = (filename or name, raw, mime or "application/octet-stream")
        reply = await self.sandbox.dispatch_async(url.rsplit("/", 1)[-1], params, files)
        if reply.drop == "timeout":
            raise TimedOut("Timed out (injected by the sandbox)")
        if reply.drop == "reset":
            raise NetworkError("connection reset (injected by the sandbox)")
        return reply.status, reply.payload
