"""retention: the agency's retention schedule versions and the candidates' dispositions (issue 15)

A schedule version is proposed by one person and approved by another (RET-07); a disposition
is proposed, approved by a second person, and keeps the tombstone of what was destroyed.

Revision ID: e9a3b4c5d6f7
Revises: a5c9d0e1f2b3
Create Date: 2026-12-02 19:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e9a3b4c5d6f7"
down_revision: str | None = "a5c9d0e1f2b3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _status(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    op.create_table(
        "retention_schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entries", sa.JSON(), nullable=False),
        sa.Column("status", _status("schedule_status", "proposed", "approved", "withdrawn"), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(status = 'approved') = (approved_at IS NOT NULL)",
            name=op.f("ck_retention_schedules_approved_at_iff_approved"),
        ),
        sa.CheckConstraint(
            "approved_by_id IS NULL OR approved_by_id != proposed_by_id",
            name=op.f("ck_retention_schedules_second_person"),
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by_id"], ["users.id"], name=op.f("fk_retention_schedules_proposed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["approved_by_id"], ["users.id"], name=op.f("fk_retention_schedules_approved_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_schedules")),
    )
    op.create_table(
        "dispositions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("candidate_code", sa.String(length=16), nullable=False),
        sa.Column("status", _status("disposition_status", "proposed", "disposed"), nullable=False),
        sa.Column("retention_class", sa.String(length=32), nullable=False),
        sa.Column("trigger_date", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=True),
        sa.Column("citation", sa.Text(), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("disposed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("destroyed", sa.JSON(), nullable=True),
        sa.Column("files_deleted", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(status = 'disposed') = (disposed_at IS NOT NULL)", name=op.f("ck_dispositions_disposed_at_iff_disposed")
        ),
        sa.CheckConstraint(
            "approved_by_id IS NULL OR approved_by_id != proposed_by_id", name=op.f("ck_dispositions_second_person")
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"], ["candidates.id"], name=op.f("fk_dispositions_candidate_id_candidates")
        ),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycles.id"], name=op.f("fk_dispositions_cycle_id_cycles")),
        sa.ForeignKeyConstraint(
            ["schedule_id"], ["retention_schedules.id"], name=op.f("fk_dispositions_schedule_id_retention_schedules")
        ),
        sa.ForeignKeyConstraint(["proposed_by_id"], ["users.id"], name=op.f("fk_dispositions_proposed_by_id_users")),
        sa.ForeignKeyConstraint(["approved_by_id"], ["users.id"], name=op.f("fk_dispositions_approved_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispositions")),
        sa.UniqueConstraint("candidate_id", name=op.f("uq_dispositions_candidate_id")),
    )
    with op.batch_alter_table("dispositions") as batch:
        batch.create_index("ix_dispositions_status", ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("dispositions") as batch:
        batch.drop_index("ix_dispositions_status")
    op.drop_table("dispositions")
    op.drop_table("retention_schedules")
