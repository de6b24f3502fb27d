"""Config sections that stand on their own (the web, papers, import, cases, ladder, scores),
kept apart so bot/config.py stays readable; bot.config re-exports them."""

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
    # The public pages (report a problem, follow a case) live under /{public_path}, no sign-in.
    public_path: str = Field("public", pattern=r"^[a-z0-9_-]{1,32}$")

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


class CasesConfig(Section):
    """The public's cases: limits of the public page, 签收 time, 复号 and how long data is kept."""

    # 复号: how many times a complainant's 不满意 may reopen one item.
    max_reopen: int = Field(2, ge=0, le=20)
    # Working hours a unit has to 签收 a case handed to it.
    ack_hours: int = Field(8, ge=1, le=24 * 30)
    # The reminder to 签收 goes this many working hours before that time (at half of it, when
    # ack_hours is shorter).
    ack_remind_hours: int = Field(2, ge=0, le=24 * 30)
    # Days a closed case's personal data (contact, photo) is kept.
    retention_days: int = Field(365, ge=1, le=3650)
    max_text: int = Field(2000, ge=10, le=20000)
    max_photo_bytes: int = Field(5_000_000, ge=1000, le=50_000_000)
    # Days a reopened item gets for its new 整改时限.
    reopen_days: int = Field(7, ge=1, le=365)
    # The public form's challenge: seconds a form must be open before it is sent, and how long
    # it stays valid.
    challenge_min_seconds: int = Field(3, ge=0, le=600)
    challenge_max_seconds: int = Field(3600, ge=60, le=86400)
    # Submissions per address per hour on the public page.
    per_address_hour: int = Field(10, ge=1, le=10000)
    # Submissions about one unit per hour on the public page, from every address together.
    per_unit_hour: int = Field(30, ge=1, le=100000)
    # Whether a unit sees which inspector (督导组) filed a 暗访监督 finding; if not, the finding
    # reads as filed by inspector_name.
    show_inspector: bool = False
    # 重点治理 in the city digest: a unit with this many cases (不予受理 aside), or a 满意率
    # under focus_rate percent over at least focus_min_ratings ratings.
    focus_cases: int = Field(5, ge=1, le=100000)
    focus_rate: float = Field(60.0, ge=0, le=100)
    focus_min_ratings: int = Field(3, ge=1, le=10000)
    inspector_name: str = Field("督导组", min_length=1, max_length=100)
    # Who a 复号 is recorded as in an item's history, and the measures a handed-over case
    # starts with until the unit sets its own.
    actor_name: str = Field("群众评价", min_length=1, max_length=100)
    measures: str = Field("由责任单位研究制定整改措施", min_length=1, max_length=200)


class LadderConfig(Section):
    """The colour ladder: 蓝 when the deadline is this near, 黄 when nothing moved this long."""

    blue_days: int = Field(3, ge=0, le=60)
    stagnant_days: int = Field(7, ge=1, le=365)


class ScoreWeights(Section):
    """考核: 整改率, 按期整改率 and 满意率 (once the public rated the unit's items) make up 100
    points in these proportions; each 回炉, 红牌督办, day overdue and 未报送 progress report, per
    item of the unit, takes this many points off. 0 leaves a component out."""

    rectification_rate: float = Field(60, ge=0)
    on_time_rate: float = Field(40, ge=0)
    rework: float = Field(10, ge=0)
    red_cards: float = Field(20, ge=0)
    overdue_days: float = Field(1, ge=0)
    satisfaction: float = Field(20, ge=0)
    missed_rounds: float = Field(5, ge=0)


class ScoresConfig(Section):
    weights: ScoreWeights = ScoreWeights()
