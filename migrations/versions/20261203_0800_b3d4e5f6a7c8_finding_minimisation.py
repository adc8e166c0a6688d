"""minimisation: refuted and not-reportable findings purged ahead of their candidate's file (issue 15, RET-11)

``minimisations`` holds each proposal (a batch of findings, proposed by one person and approved
by a second, RET-07) and the schedule version and citation it relied on; ``minimised_findings``
holds each finding of a batch and, once carried out, its tombstone (why it never reached the
board, dates, counts and SHA-256 digests of what was destroyed).

Revision ID: b3d4e5f6a7c8
Revises: a2c3d4e5f6b7
Create Date: 2026-12-03 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b3d4e5f6a7c8"
down_revision: str | None = "a2c3d4e5f6b7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    op.create_table(
        "minimisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", _enum("minimisation_status", "proposed", "minimised"), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=True),
        sa.Column("citation", sa.Text(), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("minimised_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(status = 'minimised') = (minimised_at IS NOT NULL)",
            name=op.f("ck_minimisations_minimised_at_iff_minimised"),
        ),
        sa.CheckConstraint(
            "approved_by_id IS NULL OR approved_by_id != proposed_by_id", name=op.f("ck_minimisations_second_person")
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"], ["retention_schedules.id"], name=op.f("fk_minimisations_schedule_id_retention_schedules")
        ),
        sa.ForeignKeyConstraint(["proposed_by_id"], ["users.id"], name=op.f("fk_minimisations_proposed_by_id_users")),
        sa.ForeignKeyConstraint(["approved_by_id"], ["users.id"], name=op.f("fk_minimisations_approved_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_minimisations")),
    )
    op.create_index("ix_minimisations_status", "minimisations", ["status"], unique=False)
    op.create_table(
        "minimised_findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("minimisation_id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("candidate_code", sa.String(length=16), nullable=False),
        sa.Column("reason", _enum("minimisation_reason", "refuted", "withdrawn", "never_reported"), nullable=False),
        sa.Column("trigger_date", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("destroyed", sa.JSON(), nullable=True),
        sa.Column("files_deleted", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["minimisation_id"], ["minimisations.id"], name=op.f("fk_minimised_findings_minimisation_id_minimisations")
        ),
        sa.ForeignKeyConstraint(
            ["finding_id"], ["findings.id"], name=op.f("fk_minimised_findings_finding_id_findings")
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"], ["candidates.id"], name=op.f("fk_minimised_findings_candidate_id_candidates")
        ),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycles.id"], name=op.f("fk_minimised_findings_cycle_id_cycles")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_minimised_findings")),
        sa.UniqueConstraint("finding_id", name=op.f("uq_minimised_findings_finding_id")),
    )
    op.create_index(
        op.f("ix_minimised_findings_minimisation_id"), "minimised_findings", ["minimisation_id"], unique=False
    )
    op.create_index(op.f("ix_minimised_findings_candidate_id"), "minimised_findings", ["candidate_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_minimised_findings_candidate_id"), table_name="minimised_findings")
    op.drop_index(op.f("ix_minimised_findings_minimisation_id"), table_name="minimised_findings")
    op.drop_table("minimised_findings")
    op.drop_index("ix_minimisations_status", table_name="minimisations")
    op.drop_table("minimisations")
