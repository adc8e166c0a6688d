"""notices: delivery (when, how, recorded by whom); a proposal's window starts at delivery

Issue 16 point 3: a pre-decision notice's response window starts when the notice reaches the
candidate, so a proposal has no due date until then. The decisions' CHECK constraint says only
that a final decision has none. Notices already issued had their window from the day of issue:
they are taken as delivered then (``hand``, by their issuer), so nothing already given moves.

A downgrade gives each proposal still waiting for delivery a window from the downgrade's day
(the old schema knows no other), counted on the notice's business days with the agency's
holidays, in UTC.

SQLite: rebuilding ``decisions`` or ``notices`` (a batch operation) fails once other rows refer to
them (foreign keys are on, and cannot be turned off inside the migration's transaction). So the
columns are added and dropped in place, and the constraints are changed in the stored table
definition (SQLite's documented procedure for CHECK and FOREIGN KEY changes: the upgrade only
loosens the decisions' CHECK, and the downgrade tightens it after giving every proposal a date).

Revision ID: a5c9d0e1f2b3
Revises: b6d0e1f2a3c4
Create Date: 2026-12-02 19:10:00
"""

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "a5c9d0e1f2b3"
down_revision: str | None = "b6d0e1f2a3c4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

notices = sa.table(
    "notices",
    sa.column("id", sa.Integer),
    sa.column("decision_id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("issued_at", sa.DateTime(timezone=True)),
    sa.column("issued_by_id", sa.Integer),
    sa.column("response_due", sa.Date),
    sa.column("response_days", sa.Integer),
    sa.column("delivered_at", sa.DateTime(timezone=True)),
    sa.column("delivered_via", sa.String),
    sa.column("delivered_by_id", sa.Integer),
)
decisions = sa.table(
    "decisions",
    sa.column("id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("response_due", sa.Date),
)
holidays = sa.table("holidays", sa.column("day", sa.Date))


def _business_days_after(start: date, days: int, closed: set[date]) -> date:
    """The ``days``-th business day after ``start`` (spelt out here: a migration keeps its own rules)."""
    day, counted = start, 0
    while counted < days:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in closed:
            counted += 1
    return day


OLD_CHECK = "CONSTRAINT ck_decisions_due_unless_final CHECK ((status = 'final') = (response_due IS NULL))"
NEW_CHECK = "CONSTRAINT ck_decisions_final_has_no_due CHECK (status != 'final' OR response_due IS NULL)"
NOTICE_CONSTRAINTS = (
    ", CONSTRAINT fk_notices_delivered_by_id_users FOREIGN KEY(delivered_by_id) REFERENCES users (id)"
    ", CONSTRAINT ck_notices_notice_delivery CHECK (delivered_via IN ('email', 'link', 'hand'))"
)
COLUMNS = ("delivered_at", "delivered_via", "delivered_by_id")


def _rewrite(table: str, change: Callable[[str], str]) -> None:
    """Change ``table``'s stored definition on SQLite (no rebuild: rows elsewhere refer to it)."""
    bind = op.get_bind()
    sql = bind.execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :name"), {"name": table}
    ).scalar_one()
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.execute(
        sa.text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = :name"),
        {"sql": change(sql), "name": table},
    )
    bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def _swap(old: str, new: str) -> Callable[[str], str]:
    def change(sql: str) -> str:
        if old not in sql:
            raise RuntimeError(f"the stored table definition lacks {old!r}")
        return sql.replace(old, new)

    return change


def _add_constraints(sql: str) -> str:
    body = sql.rstrip()
    if not body.endswith(")"):
        raise RuntimeError("unexpected notices table definition")
    return body[:-1].rstrip() + NOTICE_CONSTRAINTS + ")"


def _delivery_via() -> sa.Enum:
    return sa.Enum(
        "email", "link", "hand", name="notice_delivery", native_enum=False, create_constraint=True, length=32
    )


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.add_column("notices", sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True))
        op.add_column("notices", sa.Column("delivered_via", sa.String(32), nullable=True))
        op.add_column("notices", sa.Column("delivered_by_id", sa.Integer(), nullable=True))
        _rewrite("notices", _add_constraints)
        _rewrite("decisions", _swap(OLD_CHECK, NEW_CHECK))
    else:
        with op.batch_alter_table("notices") as batch:
            batch.add_column(sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True))
            batch.add_column(sa.Column("delivered_via", _delivery_via(), nullable=True))
            batch.add_column(sa.Column("delivered_by_id", sa.Integer(), nullable=True))
            batch.create_foreign_key(batch.f("fk_notices_delivered_by_id_users"), "users", ["delivered_by_id"], ["id"])
        with op.batch_alter_table("decisions") as batch:
            batch.drop_constraint(op.f("ck_decisions_due_unless_final"), type_="check")
            batch.create_check_constraint(
                op.f("ck_decisions_final_has_no_due"), "status != 'final' OR response_due IS NULL"
            )
    # Every notice issued so far counted its window from its issue: delivered then.
    op.execute(
        notices.update()
        .values(delivered_at=notices.c.issued_at, delivered_via="hand", delivered_by_id=notices.c.issued_by_id)
        .where(notices.c.delivered_at.is_(None))
    )


def downgrade() -> None:
    bind = op.get_bind()
    closed = {row.day for row in bind.execute(sa.select(holidays.c.day))}
    start = datetime.now(UTC).date()
    waiting = bind.execute(
        sa.select(notices.c.id, notices.c.decision_id, notices.c.response_days).where(
            notices.c.response_due.is_(None), notices.c.kind == "pre_decision"
        )
    ).all()
    for notice_id, decision_id, days in waiting:
        due = _business_days_after(start, days or 5, closed)
        bind.execute(notices.update().where(notices.c.id == notice_id).values(response_due=due))
        bind.execute(
            decisions.update()
            .where(decisions.c.id == decision_id, decisions.c.response_due.is_(None), decisions.c.status != "final")
            .values(response_due=due)
        )
    if bind.dialect.name == "sqlite":
        _rewrite("decisions", _swap(NEW_CHECK, OLD_CHECK))
        _rewrite("notices", _swap(NOTICE_CONSTRAINTS, ""))
        for column in reversed(COLUMNS):
            op.execute(f"ALTER TABLE notices DROP COLUMN {column}")
        return
    with op.batch_alter_table("decisions") as batch:
        batch.drop_constraint(op.f("ck_decisions_final_has_no_due"), type_="check")
        batch.create_check_constraint(
            op.f("ck_decisions_due_unless_final"), "(status = 'final') = (response_due IS NULL)"
        )
    with op.batch_alter_table("notices") as batch:
        batch.drop_constraint(batch.f("fk_notices_delivered_by_id_users"), type_="foreignkey")
        batch.drop_constraint(batch.f("ck_notices_notice_delivery"), type_="check")
        for column in reversed(COLUMNS):
            batch.drop_column(column)
