"""签收 of a case handed to a unit: its due time, when and by whom it was acknowledged

Revision ID: 0014_public_roles
Revises: 0015_rounds
Create Date: 2026-12-02 07:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0014_public_roles"
down_revision = "0015_rounds"
branch_labels = None
depends_on = None

UTC = storage.types.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ack_due_at", UTC(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("acked_at", UTC(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("acked_by", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("acked_by")
        batch_op.drop_column("acked_at")
        batch_op.drop_column("ack_due_at")
