"""legal holds: the matters that keep candidates' records, and each hold's scope (issue 15 point 2)

``legal_holds`` holds the matter (name, reference, reason, review date), who placed it and when,
and its release (who, when, why; a second person). ``legal_hold_scopes`` holds one row per part
of the scope: a cycle, a candidate, or a position with a date range (RET-02), the range also as UTC
instants so the held-candidates query needs no time-zone arithmetic. ``reminder_thresholds`` gains
``hold_review_days`` (holds due for review are reminded of; a saved row takes the default, 30).

Revision ID: d8f2a3b4c5e6
Revises: e9a3b4c5d6f7
Create Date: 2026-12-02 19:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d8f2a3b4c5e6"
down_revision: str | None = "e9a3b4c5d6f7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "legal_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("matter", sa.String(length=200), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("review_by", sa.Date(), nullable=True),
        sa.Column("placed_by_id", sa.Integer(), nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_by_id", sa.Integer(), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("release_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "(released_at IS NULL) = (released_by_id IS NULL)", name=op.f("ck_legal_holds_released_by_iff_released")
        ),
        sa.CheckConstraint(
            "(released_at IS NULL) = (release_reason IS NULL)",
            name=op.f("ck_legal_holds_release_reason_iff_released"),
        ),
        sa.ForeignKeyConstraint(["placed_by_id"], ["users.id"], name=op.f("fk_legal_holds_placed_by_id_users")),
        sa.ForeignKeyConstraint(["released_by_id"], ["users.id"], name=op.f("fk_legal_holds_released_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_holds")),
    )
    op.create_table(
        "legal_hold_scopes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hold_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "cycle",
                "candidate",
                "position",
                name="hold_scope_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("cycle_id", sa.Integer(), nullable=True),
        sa.Column("candidate_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.String(length=200), nullable=True),
        sa.Column("from_date", sa.Date(), nullable=True),
        sa.Column("to_date", sa.Date(), nullable=True),
        sa.Column("from_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("until_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(kind = 'cycle') = (cycle_id IS NOT NULL)"
            " AND (kind = 'candidate') = (candidate_id IS NOT NULL)"
            " AND (kind = 'position') = (position IS NOT NULL AND from_date IS NOT NULL AND from_at IS NOT NULL)",
            name=op.f("ck_legal_hold_scopes_one_target_per_kind"),
        ),
        sa.CheckConstraint("to_date IS NULL OR to_date >= from_date", name=op.f("ck_legal_hold_scopes_range_forwards")),
        sa.CheckConstraint(
            "(to_date IS NULL) = (until_at IS NULL)", name=op.f("ck_legal_hold_scopes_until_iff_to_date")
        ),
        sa.ForeignKeyConstraint(
            ["hold_id"], ["legal_holds.id"], name=op.f("fk_legal_hold_scopes_hold_id_legal_holds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycles.id"], name=op.f("fk_legal_hold_scopes_cycle_id_cycles")),
        sa.ForeignKeyConstraint(
            ["candidate_id"], ["candidates.id"], name=op.f("fk_legal_hold_scopes_candidate_id_candidates")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_hold_scopes")),
    )
    with op.batch_alter_table("legal_hold_scopes") as batch:
        batch.create_index(batch.f("ix_legal_hold_scopes_hold_id"), ["hold_id"], unique=False)
        batch.create_index(batch.f("ix_legal_hold_scopes_cycle_id"), ["cycle_id"], unique=False)
        batch.create_index(batch.f("ix_legal_hold_scopes_candidate_id"), ["candidate_id"], unique=False)
    with op.batch_alter_table("reminder_thresholds") as batch:
        batch.add_column(sa.Column("hold_review_days", sa.Integer(), server_default=sa.text("30"), nullable=False))
        batch.create_check_constraint(
            op.f("ck_reminder_thresholds_hold_review_days_range"), "hold_review_days BETWEEN 1 AND 365"
        )


def downgrade() -> None:
    with op.batch_alter_table("reminder_thresholds") as batch:
        batch.drop_constraint(op.f("ck_reminder_thresholds_hold_review_days_range"), type_="check")
        batch.drop_column("hold_review_days")
    with op.batch_alter_table("legal_hold_scopes") as batch:
        batch.drop_index(batch.f("ix_legal_hold_scopes_candidate_id"))
        batch.drop_index(batch.f("ix_legal_hold_scopes_cycle_id"))
        batch.drop_index(batch.f("ix_legal_hold_scopes_hold_id"))
    op.drop_table("legal_hold_scopes")
    op.drop_table("legal_holds")
