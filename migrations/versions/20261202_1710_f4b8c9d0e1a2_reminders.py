"""reminders: the agency's reminder thresholds, the digest's claimed days, the digest opt-out

Issue 16 point 6: thresholds in one row (defaults in code until saved), one row per day whose
digests were queued (its primary key lets one worker win the day), a boolean on the user, and
the digest's message template.

Revision ID: f4b8c9d0e1a2
Revises: e3a7b8c9d0f1
Create Date: 2026-12-02 17:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f4b8c9d0e1a2"
down_revision: str | None = "e3a7b8c9d0f1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DAYS = (
    "consent_pending_days",
    "checklist_ageing_days",
    "review_waiting_days",
    "recommendation_missing_days",
    "response_window_days",
    "designation_review_days",
)
TEMPLATES_BEFORE = ("test", "candidate_link")
TEMPLATES_AFTER = (*TEMPLATES_BEFORE, "reminder_digest")


def _templates(values: tuple[str, ...]) -> None:
    listed = ", ".join(f"'{v}'" for v in values)
    with op.batch_alter_table("outbox") as batch:
        batch.drop_constraint(op.f("ck_outbox_message_template"), type_="check")
        batch.create_check_constraint(op.f("ck_outbox_message_template"), f"template IN ({listed})")


def upgrade() -> None:
    op.create_table(
        "reminder_thresholds",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in DAYS),
        sa.Column("digest_hour", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("id = 1", name=op.f("ck_reminder_thresholds_one_row")),
        *(
            sa.CheckConstraint(f"{name} BETWEEN 1 AND 365", name=op.f(f"ck_reminder_thresholds_{name}_range"))
            for name in DAYS
        ),
        sa.CheckConstraint("digest_hour BETWEEN 0 AND 23", name=op.f("ck_reminder_thresholds_digest_hour_range")),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_reminder_thresholds_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_thresholds")),
    )
    op.create_table(
        "reminder_digest_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_reminder_digest_days")),
    )
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("digest_opt_out", sa.Boolean(), server_default=sa.false(), nullable=False))
    _templates(TEMPLATES_AFTER)


def downgrade() -> None:
    op.execute("DELETE FROM outbox WHERE template = 'reminder_digest'")
    _templates(TEMPLATES_BEFORE)
    with op.batch_alter_table("users") as batch:
        batch.drop_column("digest_opt_out")
    op.drop_table("reminder_digest_days")
    op.drop_table("reminder_thresholds")
