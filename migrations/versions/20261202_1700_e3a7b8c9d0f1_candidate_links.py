"""candidate links: one candidate, one purpose, expiring hashed tokens; the candidate's sealed e-mail

Issue 16 points 1-4: links the candidate opens without an account (consent, notice, response,
self-identification), refused attempts for the per-address limit, an optional sealed e-mail on
the candidate, and responses the candidate sends online (no recording investigator) with the
files attached to them.

Revision ID: e3a7b8c9d0f1
Revises: d2f6a7b8c9e0
Create Date: 2026-12-02 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e3a7b8c9d0f1"
down_revision: str | None = "d2f6a7b8c9e0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "candidate_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column(
            "purpose",
            sa.Enum(
                "consent",
                "notice",
                "response",
                "self_identification",
                name="link_purpose",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("token_sha256", sa.String(length=64), nullable=True),
        sa.Column("notice_id", sa.Integer(), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("spent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("opened_count", sa.Integer(), nullable=False),
        sa.Column("downloaded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["candidate_id"], ["candidates.id"], name=op.f("fk_candidate_links_candidate_id_candidates")
        ),
        sa.ForeignKeyConstraint(["issued_by_id"], ["users.id"], name=op.f("fk_candidate_links_issued_by_id_users")),
        sa.ForeignKeyConstraint(["notice_id"], ["notices.id"], name=op.f("fk_candidate_links_notice_id_notices")),
        sa.ForeignKeyConstraint(["outbox_id"], ["outbox.id"], name=op.f("fk_candidate_links_outbox_id_outbox")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidate_links")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_candidate_links_token_sha256")),
    )
    with op.batch_alter_table("candidate_links", schema=None) as batch_op:
        batch_op.create_index("ix_candidate_links_candidate_purpose", ["candidate_id", "purpose"], unique=False)
        batch_op.create_index(batch_op.f("ix_candidate_links_notice_id"), ["notice_id"], unique=False)

    op.create_table(
        "candidate_link_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidate_link_failures")),
    )
    with op.batch_alter_table("candidate_link_failures", schema=None) as batch_op:
        batch_op.create_index("ix_candidate_link_failures_ip_at", ["ip", "occurred_at"], unique=False)

    op.create_table(
        "response_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("storage_name", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"], ["candidates.id"], name=op.f("fk_response_attachments_candidate_id_candidates")
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["candidate_responses.id"],
            name=op.f("fk_response_attachments_response_id_candidate_responses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response_attachments")),
    )
    with op.batch_alter_table("response_attachments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_response_attachments_response_id"), ["response_id"], unique=False)

    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email_enc", sa.Text(), nullable=True))

    with op.batch_alter_table("candidate_responses", schema=None) as batch_op:
        batch_op.alter_column("recorded_by_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    # Responses sent online have no recording investigator and cannot survive the old schema.
    with op.batch_alter_table("response_attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_response_attachments_response_id"))
    op.drop_table("response_attachments")
    op.execute("DELETE FROM candidate_responses WHERE recorded_by_id IS NULL")
    with op.batch_alter_table("candidate_responses", schema=None) as batch_op:
        batch_op.alter_column("recorded_by_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.drop_column("email_enc")
    with op.batch_alter_table("candidate_link_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_candidate_link_failures_ip_at")
    op.drop_table("candidate_link_failures")
    with op.batch_alter_table("candidate_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_candidate_links_notice_id"))
        batch_op.drop_index("ix_candidate_links_candidate_purpose")
    op.drop_table("candidate_links")
