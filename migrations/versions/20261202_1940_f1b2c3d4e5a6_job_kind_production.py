"""jobs: production bundles (issue 15 point 5)

The ``job_kind`` CHECK constraint takes ``production``. A downgrade removes production jobs
first (their files stay in the store's jobs folder, named by no row).

Revision ID: f1b2c3d4e5a6
Revises: d8f2a3b4c5e6
Create Date: 2026-12-02 19:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f1b2c3d4e5a6"
down_revision: str | None = "d8f2a3b4c5e6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = ("audit_report", "audit_chain_check", "uniformity_csv", "audit_export")
NEW_KINDS = (*OLD_KINDS, "production")


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
