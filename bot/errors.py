"""Domain errors: each carries the text key that tells the user what went wrong."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refusal the user can act on; rendered from the text catalogue, never a traceback."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params
