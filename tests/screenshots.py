"""Where the browser tests keep their screenshots (a folder CI keeps), and what they saved."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "artifacts" / "screenshots"
saved: list[Path] = []


def path(name: str) -> Path:
    FOLDER.mkdir(parents=True, exist_ok=True)
    target = FOLDER / f"{name}.png"
    saved.append(target)
    return target


def report(write_line: object) -> None:
    """One line at the end of the session: where the screenshots of this run are."""
    if saved:
        write_line(f"screenshots ({len(saved)}): {FOLDER}")  # type: ignore[operator]
