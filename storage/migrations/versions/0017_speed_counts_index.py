"""a covering index for the digests' per-unit counts: read from the index, not the table

Revision ID: 0017_speed_counts_index
Revises: 0014_public_roles
Create Date: 2026-12-02 13:15:00
"""

from __future__ import annotations

from alembic import op

revision = "0017_speed_counts_index"
down_revision = "0014_public_roles"
branch_labels = None
depends_on = None

COLUMNS = ["unit_id", "status", "track", "deadline", "rework_count", "supervision"]


def upgrade() -> None:
    op.create_index("ix_problems_unit_counts", "problems", COLUMNS, unique=False)


def downgrade() -> None:
    op.drop_index("ix_problems_unit_counts", table_name="problems")
