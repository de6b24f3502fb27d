"""Kept for bot/shell.py until it imports sandbox directly."""

from sandbox import SentMessage

__all__ = ["SentMessage"]
