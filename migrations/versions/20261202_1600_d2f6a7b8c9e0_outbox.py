"""outbox: e-mail queued with the change that causes it, delivered by the worker with retries

Issue 16 point 5: a message is claimed by a guarded status update under a new attempt number,
retried with back-off, and marked sent or failed by the attempt that holds it.

Revision ID: d2f6a7b8c9e0
Revises: f8b2d3e4a5c6
Create Date: 2026-12-02 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d2f6a7b8c9e0"
down_revision: str | None = "f8b2d3e4a5c6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "template",
            sa.Enum(
                "test", "candidate_link", name="message_template", native_enum=False, create_constraint=True, length=32
            ),
            nullable=False,
        ),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "sending",
                "sent",
                "failed",
                name="outbox_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("caused_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("(status = 'sent') = (sent_at IS NOT NULL)", name=op.f("ck_outbox_sent_iff_sent_at")),
        sa.CheckConstraint(
            "(status IN ('queued', 'sending')) = (next_attempt_at IS NOT NULL)", name=op.f("ck_outbox_due_iff_pending")
        ),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_outbox_attempts_not_negative")),
        sa.ForeignKeyConstraint(["caused_by_id"], ["users.id"], name=op.f("fk_outbox_caused_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_status_next_attempt_at", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_caused_by_id"), ["caused_by_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_caused_by_id"))
        batch_op.drop_index("ix_outbox_status_next_attempt_at")
    op.drop_table("outbox")
