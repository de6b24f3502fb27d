"""Config sections that stand on their own (the web, the papers, the import), kept apart so
bot/config.py stays readable; bot.config re-exports them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Section(BaseModel):
    # An unknown key is almost always a typo; silently ignoring it hides a broken setting.
    model_config = ConfigDict(extra="forbid", frozen=True)


class WebConfig(Section):
    """The web dashboard and Telegram Mini App (web/), served by `run` or alone by `web`."""

    enabled: bool = False
    listen: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    # The address people open, as the reverse proxy publishes it (https for the Mini App).
    public_url: str | None = None
    # Seconds a Mini App's initData stays acceptable after Telegram signed it (auth_date).
    init_data_max_age: int = Field(3600, ge=10, le=7 * 86400)
    # Signs sign-in links and session cookies; WEB_SESSION_SECRET in the environment wins.
    session_secret: str | None = None
    session_hours: float = Field(12.0, gt=0, le=24 * 30)

    @field_validator("public_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"{value!r} is not an http:// or https:// address")
        return value.rstrip("/")


class PapersConfig(Section):
    """The papers handed upward: the ledger workbook and the Word 工作简报."""

    # The office's name on the city ledger's 填报单位 line and on the city 简报.
    office_name: str = Field("作风问题教育整顿领导小组办公室", min_length=1, max_length=100)
    # The workbook's font: 宋体 or 仿宋; machines without it substitute a GB2312 font.
    sheet_font: Literal["宋体", "仿宋"] = "宋体"
    # The 简报's fonts after GB/T 9704, each with the name Word falls back to.
    title_font: str = Field("方正小标宋简体", min_length=1)
    title_fallback: str = Field("华文中宋", min_length=1)
    body_font: str = Field("仿宋_GB2312", min_length=1)
    body_fallback: str = Field("仿宋", min_length=1)
    heading_font: str = Field("黑体", min_length=1)
    # 联系人 and 联系电话 on the ledger's 填报 line and at the end of the 简报, when set.
    contact: str | None = Field(None, max_length=100)
    phone: str | None = Field(None, max_length=40)


class ImportConfig(Section):
    # Rows one ledger import may hold; a bigger sheet is refused with its count.
    max_rows: int = Field(20000, ge=1, le=1_000_000)
