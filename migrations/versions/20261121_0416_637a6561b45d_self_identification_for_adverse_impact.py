"""self-identification: voluntary EEO answers for adverse-impact monitoring

One row per candidate in a table of its own: the one-time link's token hash, and once
submitted the answers sealed under the candidate's data key (UGESP, rules-legal.md §6).

Revision ID: 637a6561b45d
Revises: 1db2906e4027
Create Date: 2026-11-21 04:16:10.764764
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "637a6561b45d"
down_revision: str | None = "1db2906e4027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "self_identifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=True),
        sa.Column("invited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answers_enc", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "(submitted_at IS NULL) = (answers_enc IS NULL)", name=op.f("ck_self_identifications_answers_iff_submitted")
        ),
        sa.CheckConstraint(
            "submitted_at IS NULL OR token_sha256 IS NULL", name=op.f("ck_self_identifications_token_spent_on_submit")
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"], ["candidates.id"], name=op.f("fk_self_identifications_candidate_id_candidates")
        ),
        sa.ForeignKeyConstraint(
            ["invited_by_id"], ["users.id"], name=op.f("fk_self_identifications_invited_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_self_identifications")),
        sa.UniqueConstraint("candidate_id", name=op.f("uq_self_identifications_candidate_id")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_self_identifications_token_sha256")),
    )


def downgrade() -> None:
    op.drop_table("self_identifications")
