"""progress rounds (进展报送): the rounds set, and each item's report at each close

Revision ID: 0015_rounds
Revises: 0016_daily_loop
Create Date: 2026-12-02 07:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0015_rounds"
down_revision = "0016_daily_loop"
branch_labels = None
depends_on = None

UTC = storage.types.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "progress_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("weekday", sa.SmallInteger(), nullable=True),
        sa.Column("close_time", sa.String(length=5), nullable=False),
        sa.Column("phrase", sa.Text(), nullable=False),
        sa.Column("set_by", sa.BigInteger(), nullable=False),
        sa.Column("set_name", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("stopped_at", UTC(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"],
                                name=op.f("fk_progress_rounds_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_progress_rounds")),
    )
    with op.batch_alter_table("progress_rounds", schema=None) as batch_op:
        batch_op.create_index("ix_progress_rounds_stopped", ["stopped_at"], unique=False)
    op.create_table(
        "round_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("close_at", UTC(timezone=True), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("problem_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("answer", sa.String(length=16), nullable=True),
        sa.Column("answered_at", UTC(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["problem_id"], ["problems.id"],
                                name=op.f("fk_round_reports_problem_id_problems")),
        sa.ForeignKeyConstraint(["round_id"], ["progress_rounds.id"],
                                name=op.f("fk_round_reports_round_id_progress_rounds")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_round_reports")),
    )
    with op.batch_alter_table("round_reports", schema=None) as batch_op:
        batch_op.create_index("ix_round_reports_unit_close", ["unit_id", "close_at"],
                              unique=False)
        batch_op.create_index("uq_round_reports_close_problem",
                              ["round_id", "close_at", "problem_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("round_reports", schema=None) as batch_op:
        batch_op.drop_index("uq_round_reports_close_problem")
        batch_op.drop_index("ix_round_reports_unit_close")
    op.drop_table("round_reports")
    with op.batch_alter_table("progress_rounds", schema=None) as batch_op:
        batch_op.drop_index("ix_progress_rounds_stopped")
    op.drop_table("progress_rounds")
