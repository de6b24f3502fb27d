"""督办 marks: 黄牌督办 / 红牌督办 on an item, with the office's note and when it was made; an
index for the colour ladder's daily pass over the history

Revision ID: 0011_supervision
Revises: 0012_cases
Create Date: 2026-12-02 02:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0011_supervision"
down_revision = "0012_cases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("problems", schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            "supervision", sa.Enum("yellow", "red", name="supervision", native_enum=False,
                                   length=16), nullable=True))
        batch_op.add_column(sa.Column("supervision_note", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("supervised_at", storage.types.UTCDateTime(timezone=True),
                                      nullable=True))
    with op.batch_alter_table("problem_events", schema=None) as batch_op:
        batch_op.create_index("ix_problem_events_problem_kind_at", ["problem_id", "kind", "at"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("problem_events", schema=None) as batch_op:
        batch_op.drop_index("ix_problem_events_problem_kind_at")
    with op.batch_alter_table("problems", schema=None) as batch_op:
        batch_op.drop_column("supervised_at")
        batch_op.drop_column("supervision_note")
        batch_op.drop_column("supervision")
