"""Figures the reliability suites count, gathered into docs/reliability.md.

Fault, fuzz and permission tests call `count()` for what they tried and what they checked;
`scripts/reliability.py` runs those suites with `RELIABILITY_FIGURES=FILE` set and renders the
totals, so the document is produced by a run, never typed by hand. `budget()` sizes a fuzz run:
small in the normal test run, larger when the script asks for the long run.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

_counts: Counter[str] = Counter()
_tables: dict[str, dict[str, Any]] = {}


def count(key: str, n: int = 1) -> None:
    """Add `n` to the figure `key` (dotted: "faults.telegram.429", "fuzz.filing.inputs", …)."""
    _counts[key] += n


def table(name: str, row: str, column: str, value: Any) -> None:
    """Record one cell of a named table (the permission matrix: action × role → outcome)."""
    _tables.setdefault(name, {}).setdefault(row, {})[column] = value


def budget(default: int) -> int:
    """How many examples a fuzz test runs: `default` in CI, FUZZ_SCALE × default when asked."""
    scale = float(os.environ.get("FUZZ_SCALE", "1"))
    return max(1, int(default * scale))


def derandomized() -> bool:
    """Fuzz with fixed examples in the normal test run (CI passes or fails the same way at any
    hour); explore new ones when a run asks for a budget (FUZZ_SCALE set, as the script does)."""
    return "FUZZ_SCALE" not in os.environ


def dump() -> None:
    """Write the figures to $RELIABILITY_FIGURES (merged with what is there) if it is set."""
    target = os.environ.get("RELIABILITY_FIGURES")
    if not target:
        return
    path = Path(target)
    data: dict[str, Any] = {"counts": {}, "tables": {}}
    if path.exists():
        data = json.loads(path.read_text(encoding="utf-8"))
    for key, n in _counts.items():
        data["counts"][key] = data["counts"].get(key, 0) + n
    for name, rows in _tables.items():
        merged = data["tables"].setdefault(name, {})
        for row, cells in rows.items():
            merged.setdefault(row, {}).update(cells)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True),
                    encoding="utf-8")
