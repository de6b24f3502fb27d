"""what evidence an item holds (kind and file name of each), and the items withdrawn (撤回)
after filing, kept with their history

Revision ID: 0016_daily_loop
Revises: 0013_quiet_hours
Create Date: 2026-12-02 07:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0016_daily_loop"
down_revision = "0013_quiet_hours"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("problems", schema=None) as batch_op:
        batch_op.add_column(sa.Column("evidence_files", sa.JSON(), nullable=True))
    op.create_table(
        "withdrawn_problems",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=48), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("withdrawn_by", sa.BigInteger(), nullable=False),
        sa.Column("withdrawn_name", sa.String(length=200), nullable=False),
        sa.Column("withdrawn_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"],
                                name=op.f("fk_withdrawn_problems_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_withdrawn_problems")),
        sa.UniqueConstraint("number", name=op.f("uq_withdrawn_problems_number")),
    )


def downgrade() -> None:
    op.drop_table("withdrawn_problems")
    with op.batch_alter_table("problems", schema=None) as batch_op:
        batch_op.drop_column("evidence_files")
