"""the update inbox, per-unit problem counters, wrong invite codes

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 23:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.Enum("taken", "done", "dropped", name="inbox_state",
                                   native_enum=False, length=16), nullable=False),
        sa.Column("received_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("taken_by", sa.String(length=64), nullable=True),
        sa.Column("taken_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("done_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_inbox")),
    )
    op.create_index("ix_inbox_state_taken", "inbox", ["state", "taken_at"], unique=False)
    op.create_table(
        "join_failures",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("first_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("locked_until", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_join_failures")),
    )
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.add_column(sa.Column("problem_seq", sa.Integer(), server_default="0",
                                      nullable=False))
    # Numbers already handed out stay taken: the counter starts at each unit's highest.
    op.execute("UPDATE units SET problem_seq = COALESCE("
               "(SELECT MAX(seq) FROM problems WHERE problems.unit_id = units.id), 0)")


def downgrade() -> None:
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.drop_column("problem_seq")
    op.drop_table("join_failures")
    op.drop_index("ix_inbox_state_taken", table_name="inbox")
    op.drop_table("inbox")
