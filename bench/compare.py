"""One bench script at an earlier revision and at this checkout, run in turns on this machine.

Run: python bench/compare.py REV [--runs 8] [--script bench/bench_filing.py]
     [--key filing_updates_per_s] [--json FILE]

A shared machine's speed moves by half between runs minutes apart, so a figure measured today
cannot be held against one measured yesterday. This runs the same script from REV (a commit,
tag or branch, unpacked with `git archive` into a temporary folder) and from the working tree,
one after the other, `--runs` times, and prints each side's median and the median of the
paired ratios (this checkout over REV): a ratio above 1 is faster here for a rate, slower for
a time. The script must print `name value` lines, as every bench script does.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def unpack(rev: str, into: Path) -> Path:
    """The tree of `rev`, written under `into`."""
    archive = subprocess.run(["git", "archive", "--format=tar", rev], cwd=ROOT, check=True,
                             capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def figures(tree: Path, script: str, args: list[str]) -> dict[str, float]:
    """Run `script` from `tree` once; the figures it printed."""
    out = subprocess.run([sys.executable, str(tree / script), *args], cwd=tree, check=True,
                         capture_output=True, text=True).stdout
    found = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2:
            try:
                found[parts[0]] = float(parts[1])
            except ValueError:
                continue
    return found


def compare(rev: str, runs: int, script: str, key: str, args: list[str],
            say: bool = True) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bench-compare-") as folder:
        before = unpack(rev, Path(folder))
        pairs: list[tuple[float, float]] = []
        for run in range(1, runs + 1):
            then = figures(before, script, args)[key]
            now = figures(ROOT, script, args)[key]
            pairs.append((then, now))
            if say:
                print(f"run {run}/{runs}: {rev} {then:.2f}  here {now:.2f}", file=sys.stderr,
                      flush=True)
    return {
        f"{key}_at_rev": statistics.median(p[0] for p in pairs),
        f"{key}_here": statistics.median(p[1] for p in pairs),
        f"{key}_here_vs_rev": statistics.median(now / then for then, now in pairs),
        "runs": float(runs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("rev")
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--script", default="bench/bench_filing.py")
    parser.add_argument("--key", default="filing_updates_per_s")
    parser.add_argument("--json", metavar="FILE")
    parsed, rest = parser.parse_known_args()
    if parsed.runs < 1:
        parser.error("--runs must be at least 1")
    result = compare(parsed.rev, parsed.runs, parsed.script, parsed.key, rest)
    for name, value in result.items():
        print(f"{name:40s} {value:12.3f}")
    if parsed.json:
        Path(parsed.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
