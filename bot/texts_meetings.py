"""Texts of the meetings feature, one catalogue per language (merged into bot.texts)."""

ZH: dict[str, str] = {}

EN: dict[str, str] = {}
