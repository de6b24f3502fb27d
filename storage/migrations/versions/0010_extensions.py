"""extension requests (申请延期): the request table, the original deadline and a count; the
reason a leave request was not approved

Revision ID: 0010
Revises: 0009_import_source
Create Date: 2026-12-02 02:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0010"
down_revision = "0009_import_source"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("problems", schema=None) as batch_op:
        batch_op.add_column(sa.Column("original_deadline",
                                      storage.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("extension_count", sa.Integer(), server_default="0",
                                      nullable=False))
    op.create_table(
        "extension_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("problem_id", sa.Integer(), nullable=False),
        sa.Column("asked_by", sa.BigInteger(), nullable=False),
        sa.Column("asked_name", sa.String(length=200), nullable=False),
        sa.Column("deadline", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("state", sa.Enum("pending", "approved", "declined", name="extension_state",
                                   native_enum=False, length=16), nullable=False),
        sa.Column("decided_by", sa.BigInteger(), nullable=True),
        sa.Column("decided_name", sa.String(length=200), nullable=True),
        sa.Column("decided_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["problem_id"], ["problems.id"],
                                name=op.f("fk_extension_requests_problem_id_problems")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_extension_requests")),
    )
    with op.batch_alter_table("leave_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answer", sa.Text(), nullable=True))
    with op.batch_alter_table("extension_requests", schema=None) as batch_op:
        batch_op.create_index("ix_extension_requests_problem_state", ["problem_id", "state"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("leave_requests", schema=None) as batch_op:
        batch_op.drop_column("answer")
    with op.batch_alter_table("extension_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_extension_requests_problem_state")
    op.drop_table("extension_requests")
    with op.batch_alter_table("problems", schema=None) as batch_op:
        batch_op.drop_column("extension_count")
        batch_op.drop_column("original_deadline")
