"""board: recommendations, decisions, notices, candidate responses, questions, holidays

Adds the board's records and, on cycles, how the board decides (rule, quorum, chair), the
candidate's response window (never under 5 business days) and FCRA mode with the consumer
reporting agency the final adverse-action notice must name.

Revision ID: 1db2906e4027
Revises: 91c122c2484f
Create Date: 2026-11-21 03:17:26.417079
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1db2906e4027"
down_revision: str | None = "91c122c2484f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "holidays",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_holidays_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holidays")),
        sa.UniqueConstraint("day", name=op.f("uq_holidays_day")),
    )
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(
                "advance",
                "do_not_advance",
                "needs_more_information",
                name="outcome",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "proposed",
                "final",
                "withdrawn",
                name="decision_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("rationale_enc", sa.Text(), nullable=False),
        sa.Column("release_ids", sa.JSON(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("response_due", sa.Date(), nullable=True),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("(status = 'final') = (response_due IS NULL)", name=op.f("ck_decisions_due_unless_final")),
        sa.CheckConstraint("outcome IN ('advance', 'do_not_advance')", name=op.f("ck_decisions_decision_outcome")),
        sa.ForeignKeyConstraint(["candidate_id"], ["candidates.id"], name=op.f("fk_decisions_candidate_id_candidates")),
        sa.ForeignKeyConstraint(["proposal_id"], ["decisions.id"], name=op.f("fk_decisions_proposal_id_decisions")),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"], name=op.f("fk_decisions_recorded_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
    )
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decisions_candidate_id"), ["candidate_id"], unique=False)

    op.create_table(
        "recommendations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(
                "advance",
                "do_not_advance",
                "needs_more_information",
                name="outcome",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("rationale_enc", sa.Text(), nullable=False),
        sa.Column("release_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["candidate_id"], ["candidates.id"], name=op.f("fk_recommendations_candidate_id_candidates")
        ),
        sa.ForeignKeyConstraint(["member_id"], ["users.id"], name=op.f("fk_recommendations_member_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendations")),
    )
    with op.batch_alter_table("recommendations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recommendations_candidate_id"), ["candidate_id"], unique=False)

    op.create_table(
        "board_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("asked_by_id", sa.Integer(), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("question_enc", sa.Text(), nullable=False),
        sa.Column("answer_enc", sa.Text(), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["answered_by_id"], ["users.id"], name=op.f("fk_board_questions_answered_by_id_users")),
        sa.ForeignKeyConstraint(["approved_by_id"], ["users.id"], name=op.f("fk_board_questions_approved_by_id_users")),
        sa.ForeignKeyConstraint(["asked_by_id"], ["users.id"], name=op.f("fk_board_questions_asked_by_id_users")),
        sa.ForeignKeyConstraint(
            ["candidate_id"], ["candidates.id"], name=op.f("fk_board_questions_candidate_id_candidates")
        ),
        sa.ForeignKeyConstraint(["finding_id"], ["findings.id"], name=op.f("fk_board_questions_finding_id_findings")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_board_questions")),
    )
    with op.batch_alter_table("board_questions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_board_questions_candidate_id"), ["candidate_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_board_questions_finding_id"), ["finding_id"], unique=False)

    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "pre_decision",
                "adverse_action",
                name="notice_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=False),
        sa.Column("response_due", sa.Date(), nullable=True),
        sa.Column("response_days", sa.Integer(), nullable=True),
        sa.Column("fcra", sa.Boolean(), nullable=False),
        sa.Column("cra_name", sa.String(length=200), nullable=True),
        sa.Column("cra_address", sa.String(length=500), nullable=True),
        sa.Column("cra_phone", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(["candidate_id"], ["candidates.id"], name=op.f("fk_notices_candidate_id_candidates")),
        sa.ForeignKeyConstraint(["decision_id"], ["decisions.id"], name=op.f("fk_notices_decision_id_decisions")),
        sa.ForeignKeyConstraint(["issued_by_id"], ["users.id"], name=op.f("fk_notices_issued_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
    )
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notices_candidate_id"), ["candidate_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_notices_decision_id"), ["decision_id"], unique=False)

    op.create_table(
        "candidate_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("response", "dispute", name="response_kind", native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("text_enc", sa.Text(), nullable=False),
        sa.Column("finding_ids", sa.JSON(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("closing_notes_enc", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["candidate_id"], ["candidates.id"], name=op.f("fk_candidate_responses_candidate_id_candidates")
        ),
        sa.ForeignKeyConstraint(["closed_by_id"], ["users.id"], name=op.f("fk_candidate_responses_closed_by_id_users")),
        sa.ForeignKeyConstraint(["notice_id"], ["notices.id"], name=op.f("fk_candidate_responses_notice_id_notices")),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_candidate_responses_recorded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidate_responses")),
    )
    with op.batch_alter_table("candidate_responses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_candidate_responses_candidate_id"), ["candidate_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_candidate_responses_notice_id"), ["notice_id"], unique=False)

    with op.batch_alter_table("cycles", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "decision_rule",
                sa.Enum(
                    "chair", "majority", name="decision_rule", native_enum=False, create_constraint=True, length=32
                ),
                server_default="chair",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("decision_quorum", sa.Integer(), server_default=sa.text("1"), nullable=False))
        batch_op.add_column(sa.Column("chair_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("response_days", sa.Integer(), server_default=sa.text("5"), nullable=False))
        batch_op.add_column(sa.Column("fcra_mode", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("cra_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("cra_address", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("cra_phone", sa.String(length=40), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_cycles_chair_id_users"), "users", ["chair_id"], ["id"])
        batch_op.create_check_constraint("response_days_range", "response_days BETWEEN 5 AND 60")
        batch_op.create_check_constraint("decision_quorum_range", "decision_quorum BETWEEN 1 AND 50")
        batch_op.create_check_constraint(
            "fcra_mode_names_the_agency",
            "NOT fcra_mode OR (cra_name IS NOT NULL AND cra_address IS NOT NULL AND cra_phone IS NOT NULL)",
        )


def downgrade() -> None:
    with op.batch_alter_table("cycles", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_cycles_fcra_mode_names_the_agency"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_cycles_decision_quorum_range"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_cycles_response_days_range"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_cycles_chair_id_users"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("ck_cycles_decision_rule"), type_="check")
        batch_op.drop_column("cra_phone")
        batch_op.drop_column("cra_address")
        batch_op.drop_column("cra_name")
        batch_op.drop_column("fcra_mode")
        batch_op.drop_column("response_days")
        batch_op.drop_column("chair_id")
        batch_op.drop_column("decision_quorum")
        batch_op.drop_column("decision_rule")

    with op.batch_alter_table("candidate_responses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_candidate_responses_notice_id"))
        batch_op.drop_index(batch_op.f("ix_candidate_responses_candidate_id"))

    op.drop_table("candidate_responses")
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notices_decision_id"))
        batch_op.drop_index(batch_op.f("ix_notices_candidate_id"))

    op.drop_table("notices")
    with op.batch_alter_table("board_questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_board_questions_finding_id"))
        batch_op.drop_index(batch_op.f("ix_board_questions_candidate_id"))

    op.drop_table("board_questions")
    with op.batch_alter_table("recommendations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recommendations_candidate_id"))

    op.drop_table("recommendations")
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decisions_candidate_id"))

    op.drop_table("decisions")
    op.drop_table("holidays")
