"""The seven statutory holidays by their Chinese names, with the short names people use."""

from __future__ import annotations

from typing import Final

# In calendar order; the names the State Council's notice and the date reader use.
HOLIDAY_NAMES: Final = ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")
ALIASES: Final = {
    "元旦节": "元旦", "五一": "劳动节", "十一": "国庆节", "国庆": "国庆节", "清明": "清明节",
    "端午": "端午节", "中秋": "中秋节",
}  # fmt: skip
ENGLISH: Final = {
    "元旦": "New Year's Day", "春节": "Spring Festival", "清明节": "Qingming",
    "劳动节": "Labour Day", "端午节": "Dragon Boat Festival", "中秋节": "Mid-Autumn Festival",
    "国庆节": "National Day",
}  # fmt: skip


def canonical(name: str) -> str:
    """The holiday's full name for any of its names; ValueError for anything else."""
    full = ALIASES.get(name, name)
    if full not in HOLIDAY_NAMES:
        raise ValueError(f"not a statutory holiday: {name!r}")
    return full
