"""A unit's QR code for its service window: the public report page's address, the name below."""

from __future__ import annotations

import io

from bot.reports.chart import font_path, printable

MODULE = 12  # pixels per QR module: sharp when printed at A6 and up
BORDER = 4  # the quiet zone the standard asks for, in modules
NAME_SIZE = 40  # font size of the unit's name, in pixels
# Never at the start of a line (禁则): a closing bracket or a stop takes a character along.
NO_LINE_START = "）」』》〉】，。、；：！？)"


def report_url(public_url: str, public_path: str, unit_code: str) -> str:
    """The public report page with the unit already picked."""
    from urllib.parse import quote

    return f"{public_url.rstrip('/')}/{public_path}/report?unit={quote(unit_code)}"


def unit_qr_png(url: str, name: str, *, caption: str | None = None) -> bytes:
    """The QR code of `url` with `name` (and an optional second line) centred under it, as PNG."""
    import segno
    from PIL import Image, ImageDraw, ImageFont

    code = segno.make(url, error="m", micro=False)
    qr = io.BytesIO()
    code.save(qr, kind="png", scale=MODULE, border=BORDER)
    qr.seek(0)
    square = Image.open(qr).convert("L")
    width = square.width
    font = ImageFont.truetype(str(font_path()), NAME_SIZE)
    small = ImageFont.truetype(str(font_path()), NAME_SIZE * 3 // 5)
    lines = [(line, font) for line in _wrap(printable(name), font, width - 2 * MODULE * BORDER)]
    if caption:
        lines += [(line, small) for line in _wrap(printable(caption), small,
                                                  width - 2 * MODULE * BORDER)]
    gap = NAME_SIZE // 3
    heights = [_size(text, f)[1] + gap for text, f in lines]
    page = Image.new("L", (width, square.height + sum(heights) + MODULE * BORDER), 255)
    page.paste(square, (0, 0))
    draw = ImageDraw.Draw(page)
    y = square.height - MODULE * BORDER // 2
    for (text, f), height in zip(lines, heights, strict=True):
        draw.text(((width - _size(text, f)[0]) // 2, y), text, fill=0, font=f)
        y += height
    out = io.BytesIO()
    page.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _size(text: str, font: object) -> tuple[int, int]:
    left, top, right, bottom = font.getbbox(text)  # type: ignore[attr-defined]
    return int(right - left), int(bottom - top)


def _wrap(text: str, font: object, width: int) -> list[str]:
    """Break a long name where it no longer fits, character by character (no spaces in 中文)."""
    lines, line = [], ""
    for char in text:
        if line and _size(line + char, font)[0] > width:
            carried = line[-1] if char in NO_LINE_START and len(line) > 1 else ""
            lines.append(line[:len(line) - len(carried)])
            line = (carried + char).lstrip()
        else:
            line += char
    return [*lines, line] if line else lines
