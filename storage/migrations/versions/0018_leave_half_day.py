"""half-day leave (半天假): the morning or the afternoon of a single day

Revision ID: 0018_leave_half_day
Revises: 0017_speed_counts_index
Create Date: 2026-12-02 20:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_leave_half_day"
down_revision = "0017_speed_counts_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("leave_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("half", sa.String(length=2), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("leave_requests", schema=None) as batch_op:
        batch_op.drop_column("half")
