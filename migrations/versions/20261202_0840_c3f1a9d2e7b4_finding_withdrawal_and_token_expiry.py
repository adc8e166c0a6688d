"""hardening: a finding can be withdrawn (reason sealed); API tokens have a name, an expiry and who revoked them

Issue 14: R1 on the board side needs findings that are neither released nor withdrawn to block
closing a search; tokens expire (default 90 days) and are listed and revoked one by one.

Revision ID: c3f1a9d2e7b4
Revises: 637a6561b45d
Create Date: 2026-12-02 08:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c3f1a9d2e7b4"
down_revision: str | None = "637a6561b45d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("findings") as batch:
        batch.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("withdrawn_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("withdrawal_reason_enc", sa.Text(), nullable=True))
        batch.create_foreign_key(op.f("fk_findings_withdrawn_by_id_users"), "users", ["withdrawn_by_id"], ["id"])
        batch.create_check_constraint(
            op.f("ck_findings_withdrawal_has_reason"), "(withdrawn_at IS NULL) = (withdrawal_reason_enc IS NULL)"
        )
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("name", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("revoked_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_api_tokens_revoked_by_id_users"), "users", ["revoked_by_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_constraint(op.f("fk_api_tokens_revoked_by_id_users"), type_="foreignkey")
        batch.drop_column("revoked_by_id")
        batch.drop_column("expires_at")
        batch.drop_column("name")
    with op.batch_alter_table("findings") as batch:
        batch.drop_constraint(op.f("ck_findings_withdrawal_has_reason"), type_="check")
        batch.drop_constraint(op.f("fk_findings_withdrawn_by_id_users"), type_="foreignkey")
        batch.drop_column("withdrawal_reason_enc")
        batch.drop_column("withdrawn_by_id")
        batch.drop_column("withdrawn_at")
