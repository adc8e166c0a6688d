"""records requests: the public-records intake log, its working copy's decisions and the release log (issue 15 point 4)

``records_requests`` holds each request (requester, received and due dates, statute, scope of
cycles and candidates, description), its state and who prepared, approved (a second person),
released or closed it, and the release log fixed when it was prepared (RET-10).
``records_request_items`` holds the decision on each item of the working copy: a released
finding's text released, or the item withheld, and the exemption code that applies.

Revision ID: a2c3d4e5f6b7
Revises: f1b2c3d4e5a6
Create Date: 2026-12-02 19:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a2c3d4e5f6b7"
down_revision: str | None = "f1b2c3d4e5a6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = ("intake", "in_review", "prepared", "approved", "released", "closed", "denied")


def upgrade() -> None:
    op.create_table(
        "records_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requester_name", sa.String(length=200), nullable=False),
        sa.Column("requester_contact", sa.String(length=200), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("statute", sa.String(length=200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("cycle_ids", sa.JSON(), nullable=False),
        sa.Column("candidate_ids", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(*STATUSES, name="records_request_status", native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column("logged_by_id", sa.Integer(), nullable=False),
        sa.Column("logged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("prepared_by_id", sa.Integer(), nullable=True),
        sa.Column("prepared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("released_by_id", sa.Integer(), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("close_reason", sa.Text(), nullable=True),
        sa.Column("release_log", sa.JSON(), nullable=True),
        sa.CheckConstraint(
            "(approved_at IS NULL) = (approved_by_id IS NULL)",
            name=op.f("ck_records_requests_approved_by_iff_approved"),
        ),
        sa.CheckConstraint(
            "(closed_at IS NULL) = (closed_by_id IS NULL)", name=op.f("ck_records_requests_closed_by_iff_closed")
        ),
        sa.CheckConstraint(
            "(prepared_at IS NULL) = (prepared_by_id IS NULL)",
            name=op.f("ck_records_requests_prepared_by_iff_prepared"),
        ),
        sa.CheckConstraint(
            "(released_at IS NULL) = (released_by_id IS NULL)",
            name=op.f("ck_records_requests_released_by_iff_released"),
        ),
        sa.CheckConstraint(
            "approved_by_id IS NULL OR approved_by_id != prepared_by_id",
            name=op.f("ck_records_requests_second_person"),
        ),
        sa.CheckConstraint("due_on >= received_on", name=op.f("ck_records_requests_due_after_received")),
        sa.ForeignKeyConstraint(
            ["approved_by_id"], ["users.id"], name=op.f("fk_records_requests_approved_by_id_users")
        ),
        sa.ForeignKeyConstraint(["closed_by_id"], ["users.id"], name=op.f("fk_records_requests_closed_by_id_users")),
        sa.ForeignKeyConstraint(["logged_by_id"], ["users.id"], name=op.f("fk_records_requests_logged_by_id_users")),
        sa.ForeignKeyConstraint(
            ["prepared_by_id"], ["users.id"], name=op.f("fk_records_requests_prepared_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["released_by_id"], ["users.id"], name=op.f("fk_records_requests_released_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_records_requests")),
    )
    op.create_index(op.f("ix_records_requests_due_on"), "records_requests", ["due_on"], unique=False)
    op.create_index(op.f("ix_records_requests_status"), "records_requests", ["status"], unique=False)
    op.create_table(
        "records_request_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column(
            "decision",
            sa.Enum(
                "release_text",
                "withhold",
                name="records_item_decision",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("exemption_code", sa.String(length=40), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"], ["candidates.id"], name=op.f("fk_records_request_items_candidate_id_candidates")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_records_request_items_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["finding_id"], ["findings.id"], name=op.f("fk_records_request_items_finding_id_findings")
        ),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["finding_releases.id"],
            name=op.f("fk_records_request_items_release_id_finding_releases"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["records_requests.id"],
            name=op.f("fk_records_request_items_request_id_records_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_records_request_items")),
        sa.UniqueConstraint("request_id", "release_id", name=op.f("uq_records_request_items_request_id")),
    )
    op.create_index(op.f("ix_records_request_items_request_id"), "records_request_items", ["request_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_records_request_items_request_id"), table_name="records_request_items")
    op.drop_table("records_request_items")
    op.drop_index(op.f("ix_records_requests_status"), table_name="records_requests")
    op.drop_index(op.f("ix_records_requests_due_on"), table_name="records_requests")
    op.drop_table("records_requests")
