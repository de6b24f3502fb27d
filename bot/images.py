"""A picture's type read from its first bytes, never from its name or what the sender claims."""

from __future__ import annotations

_IMAGES = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"),
           (b"GIF87a", "image/gif"), (b"GIF89a", "image/gif"))


def image_type(content: bytes) -> str | None:
    """The image type by the file's first bytes; None for anything else (served as a download,
    never as something a browser would render as a page)."""
    for magic, kind in _IMAGES:
        if content.startswith(magic):
            return kind
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return None
