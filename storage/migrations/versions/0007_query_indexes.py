"""indexes led by what the hot queries filter on, for tables of a million rows

Revision ID: 0007_query_indexes
Revises: 0010
Create Date: 2026-12-02 02:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0007_query_indexes"
down_revision = "0010"
branch_labels = None
depends_on = None

# (name, table, columns) added; the ones they make redundant are dropped (a prefix of each).
ADDED = (
    ("ix_notifications_subject_state", "notifications", ["subject", "state"]),
    ("ix_notifications_kind_due", "notifications", ["kind", "due_at"]),
    ("ix_problems_unit_status_deadline", "problems", ["unit_id", "status", "deadline"]),
    ("ix_problems_unit_deadline", "problems", ["unit_id", "deadline"]),
    ("ix_problems_created_by", "problems", ["created_by", "created_at"]),
    ("ix_problem_events_kind_at", "problem_events", ["kind", "at"]),
    ("ix_members_unit_role", "members", ["unit_id", "role", "user_id"]),
    ("ix_users_id_name", "users", ["id", "display_name"]),
)
DROPPED = (
    ("ix_notifications_subject", "notifications", ["subject"]),
    ("ix_problems_unit_status", "problems", ["unit_id", "status"]),
    ("ix_members_unit_id", "members", ["unit_id"]),
)


def upgrade() -> None:
    for name, table, columns in ADDED:
        op.create_index(name, table, columns, unique=False)
    for name, table, _ in DROPPED:
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for name, table, columns in DROPPED:
        op.create_index(name, table, columns, unique=False)
    for name, table, _ in ADDED:
        op.drop_index(name, table_name=table)
