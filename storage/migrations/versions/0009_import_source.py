"""ledger import: the row a problem came from in an office's own sheet

Revision ID: 0009_import_source
Revises: 0006
Create Date: 2026-12-02 02:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_import_source"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("problems") as batch:
        batch.add_column(sa.Column("source_ref", sa.String(length=64), nullable=True))
        batch.create_index("ix_problems_unit_source_ref", ["unit_id", "source_ref"])


def downgrade() -> None:
    with op.batch_alter_table("problems") as batch:
        batch.drop_index("ix_problems_unit_source_ref")
        batch.drop_column("source_ref")
