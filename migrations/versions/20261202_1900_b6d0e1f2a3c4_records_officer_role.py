"""user_roles: the records officer role (issue 15)

The ``role`` CHECK constraint takes ``records_officer``. A downgrade removes that role from
every account first (an account left with no role can still sign in to its account page).

Revision ID: b6d0e1f2a3c4
Revises: c1e5f6a7b8d9
Create Date: 2026-12-02 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b6d0e1f2a3c4"
down_revision: str | None = "c1e5f6a7b8d9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_ROLES = ("admin", "investigator", "board_member", "auditor")
NEW_ROLES = (*OLD_ROLES, "records_officer")


def _allow(roles: Sequence[str]) -> None:
    """The constraint as the models' Enum type writes it."""
    listed = ", ".join(f"'{role}'" for role in roles)
    with op.batch_alter_table("user_roles") as batch:
        batch.drop_constraint(op.f("ck_user_roles_role"), type_="check")
        batch.create_check_constraint(op.f("ck_user_roles_role"), f"role IN ({listed})")


def upgrade() -> None:
    _allow(NEW_ROLES)


def downgrade() -> None:
    user_roles = sa.table("user_roles", sa.column("role", sa.String))
    op.execute(user_roles.delete().where(user_roles.c.role.not_in(OLD_ROLES)))
    _allow(OLD_ROLES)
