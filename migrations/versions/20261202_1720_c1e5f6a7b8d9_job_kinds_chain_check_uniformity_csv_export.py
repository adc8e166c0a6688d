"""jobs: three more kinds (the full chain check, the uniformity CSV, the audit export)

Issue 17 point 2: the ``job_kind`` CHECK constraint takes the new kinds. A downgrade removes
the jobs of those kinds first (their files stay in the store's jobs folder, named by no row).

Revision ID: c1e5f6a7b8d9
Revises: f4b8c9d0e1a2
Create Date: 2026-12-02 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c1e5f6a7b8d9"
down_revision: str | None = "f4b8c9d0e1a2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = ("audit_report",)
NEW_KINDS = (*OLD_KINDS, "audit_chain_check", "uniformity_csv", "audit_export")


def _allow(kinds: Sequence[str]) -> None:
    """The constraint as the models' Enum type writes it."""
    listed = ", ".join(f"'{kind}'" for kind in kinds)
    with op.batch_alter_table("jobs") as batch:
        batch.drop_constraint(op.f("ck_jobs_job_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_jobs_job_kind"), f"kind IN ({listed})")


def upgrade() -> None:
    _allow(NEW_KINDS)


def downgrade() -> None:
    jobs = sa.table("jobs", sa.column("kind", sa.String))
    op.execute(jobs.delete().where(jobs.c.kind.not_in(OLD_KINDS)))
    _allow(OLD_KINDS)
