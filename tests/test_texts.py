"""The catalogues: every key in every language, with the same placeholders; values escaped."""

from __future__ import annotations

import re
from pathlib import Path

from bot.texts import CATALOGUES, placeholders, t

ROOT = Path(__file__).resolve().parent.parent


def test_every_key_exists_in_every_language_with_the_same_placeholders() -> None:
    zh, en = CATALOGUES["zh"], CATALOGUES["en"]
    assert set(zh) == set(en)
    for key in zh:
        assert placeholders(zh[key]) == placeholders(en[key]), key


def test_every_key_the_code_names_exists() -> None:
    used: set[str] = set()
    pattern = re.compile(r"""(?:DomainError|reply|t)\([^"')]*?["']([a-z_]+\.[a-z_.]+)["']""")
    for folder in ("bot", "handlers"):
        for path in (ROOT / folder).rglob("*.py"):
            used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    assert used, "the scan found no keys: the pattern is broken"
    missing = sorted(k for k in used if k not in CATALOGUES["zh"])
    assert missing == []


def test_parameters_are_html_escaped() -> None:
    text = t("zh", "bind.ok", unit="<b>x</b> & y")
    assert "&lt;b&gt;x&lt;/b&gt; &amp; y" in text
    assert t("en", "unit.unknown", code="<i>") == "There is no unit with code “&lt;i&gt;”."
