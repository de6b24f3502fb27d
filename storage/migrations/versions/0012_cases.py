"""the public's cases (群众反映 / 企业投诉) and the complainants' ratings

Revision ID: 0012_cases
Revises: 0007_query_indexes
Create Date: 2026-12-02 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0012_cases"
down_revision = "0007_query_indexes"
branch_labels = None
depends_on = None

UTC = storage.types.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum("self", "public", "business", "inspection", "supervision",
                                  name="source", native_enum=False, length=24), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("photo", sa.LargeBinary(), nullable=True),
        sa.Column("photo_type", sa.String(length=32), nullable=True),
        sa.Column("contact_name", sa.String(length=100), nullable=True),
        sa.Column("contact_phone", sa.String(length=40), nullable=True),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("state", sa.Enum("new", "transferred", "merged", "refused", name="case_state",
                                   native_enum=False, length=16), nullable=False),
        sa.Column("problem_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.BigInteger(), nullable=True),
        sa.Column("decided_at", UTC(timezone=True), nullable=True),
        sa.Column("reopen_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["problem_id"], ["problems.id"],
                                name=op.f("fk_cases_problem_id_problems")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_cases_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("code", name=op.f("uq_cases_code")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_digest_created", ["digest", "created_at"], unique=False)
        batch_op.create_index("ix_cases_state_created", ["state", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_problem_id"), ["problem_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_unit_id"), ["unit_id"], unique=False)
    op.create_table(
        "case_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("signed_off_at", UTC(timezone=True), nullable=False),
        sa.Column("rating", sa.Enum("very_satisfied", "satisfied", "fairly_satisfied",
                                    "dissatisfied", "very_dissatisfied", name="rating",
                                    native_enum=False, length=24), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("reopened", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"],
                                name=op.f("fk_case_ratings_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_ratings")),
    )
    with op.batch_alter_table("case_ratings", schema=None) as batch_op:
        batch_op.create_index("uq_case_ratings_case_round", ["case_id", "signed_off_at"],
                              unique=True)


def downgrade() -> None:
    with op.batch_alter_table("case_ratings", schema=None) as batch_op:
        batch_op.drop_index("uq_case_ratings_case_round")
    op.drop_table("case_ratings")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_unit_id"))
        batch_op.drop_index(batch_op.f("ix_cases_problem_id"))
        batch_op.drop_index("ix_cases_state_created")
        batch_op.drop_index("ix_cases_digest_created")
    op.drop_table("cases")
