"""A fake Telegram Bot API for tests and local runs: in-process or over loopback HTTP."""

from sandbox.api import BotApiSandbox
from sandbox.faults import FAULT_KINDS, FaultKind
from sandbox.forms import decode_field, parse_multipart
from sandbox.http import SandboxServer, serve
from sandbox.objects import JSON, ApiCall, Files, Reply, SandboxApiError
from sandbox.text import visible_text
from sandbox.transport import SandboxRequest
from sandbox.world import SentMessage

__all__ = [
    "FAULT_KINDS",
    "JSON",
    "ApiCall",
    "BotApiSandbox",
    "FaultKind",
    "Files",
    "Reply",
    "SandboxApiError",
    "SandboxRequest",
    "SandboxServer",
    "SentMessage",
    "decode_field",
    "parse_multipart",
    "serve",
    "visible_text",
]
