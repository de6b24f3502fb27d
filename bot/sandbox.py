"""Kept for bot/shell.py until it imports sandbox directly."""

from sandbox import BotApiSandbox, SandboxRequest

__all__ = ["BotApiSandbox", "SandboxRequest"]
