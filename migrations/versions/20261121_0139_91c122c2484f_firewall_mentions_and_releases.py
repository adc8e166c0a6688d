"""firewall: detector mentions and released findings

Mentions hold the detector's hits on each finding's text and how an investigator resolved
them; releases are the immutable board-facing versions approved by a second investigator.

Revision ID: 91c122c2484f
Revises: b4fc8ed4da37
Create Date: 2026-11-21 01:39:15.820695
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "91c122c2484f"
down_revision: str | None = "b4fc8ed4da37"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "finding_mentions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=16), nullable=False),
        sa.Column("start_offset", sa.Integer(), nullable=False),
        sa.Column("end_offset", sa.Integer(), nullable=False),
        sa.Column(
            "source",
            sa.Enum("detector", "manual", name="mention_source", native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column("detail_enc", sa.Text(), nullable=False),
        sa.Column(
            "resolution",
            sa.Enum(
                "redact",
                "not_protected",
                name="mention_resolution",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("reason_enc", sa.Text(), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "resolution IS NULL OR (resolution = 'not_protected') = (reason_enc IS NOT NULL)",
            name=op.f("ck_finding_mentions_reason_iff_not_protected"),
        ),
        sa.CheckConstraint(
            "start_offset >= 0 AND end_offset > start_offset", name=op.f("ck_finding_mentions_span_not_empty")
        ),
        sa.ForeignKeyConstraint(["finding_id"], ["findings.id"], name=op.f("fk_finding_mentions_finding_id_findings")),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"], ["users.id"], name=op.f("fk_finding_mentions_resolved_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finding_mentions")),
    )
    with op.batch_alter_table("finding_mentions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_finding_mentions_finding_id"), ["finding_id"], unique=False)

    op.create_table(
        "finding_releases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("platform_enc", sa.Text(), nullable=False),
        sa.Column("summary_enc", sa.Text(), nullable=False),
        sa.Column("excerpt_enc", sa.Text(), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "violence_threats",
                "bias_hate",
                "illegal_activity",
                "sexual_misconduct",
                "dishonesty",
                "confidential_disclosure",
                "reckless_conduct",
                "positive_mitigating",
                "protected_trait",
                "protected_activity",
                "political_speech",
                "lawful_off_duty",
                name="behaviour_category",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "authorship",
            sa.Enum(
                "authored", "tagged", "shared", name="authorship", native_enum=False, create_constraint=True, length=32
            ),
            nullable=False,
        ),
        sa.Column("content_date", sa.Date(), nullable=True),
        sa.Column("identity_matches", sa.Integer(), nullable=False),
        sa.Column("identity_match_minimum", sa.Integer(), nullable=False),
        sa.Column("identity_basis", sa.JSON(), nullable=False),
        sa.Column("reviewed_sha256", sa.String(length=64), nullable=False),
        sa.Column("released_by_id", sa.Integer(), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"], ["candidates.id"], name=op.f("fk_finding_releases_candidate_id_candidates")
        ),
        sa.ForeignKeyConstraint(["finding_id"], ["findings.id"], name=op.f("fk_finding_releases_finding_id_findings")),
        sa.ForeignKeyConstraint(
            ["released_by_id"], ["users.id"], name=op.f("fk_finding_releases_released_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finding_releases")),
        sa.UniqueConstraint("finding_id", "number", name="one_release_per_number"),
    )
    with op.batch_alter_table("finding_releases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_finding_releases_candidate_id"), ["candidate_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_finding_releases_finding_id"), ["finding_id"], unique=False)

    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("updated_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("screened_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("current_release_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f("fk_findings_updated_by_id_users"), "users", ["updated_by_id"], ["id"])
        batch_op.create_foreign_key(
            "fk_findings_current_release_id_finding_releases",
            "finding_releases",
            ["current_release_id"],
            ["id"],
            use_alter=True,
        )


def downgrade() -> None:
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.drop_constraint("fk_findings_current_release_id_finding_releases", type_="foreignkey")
        batch_op.drop_column("current_release_id")
        batch_op.drop_column("screened_at")
        batch_op.drop_constraint(op.f("fk_findings_updated_by_id_users"), type_="foreignkey")
        batch_op.drop_column("updated_by_id")

    with op.batch_alter_table("finding_releases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_finding_releases_finding_id"))
        batch_op.drop_index(batch_op.f("ix_finding_releases_candidate_id"))

    op.drop_table("finding_releases")
    with op.batch_alter_table("finding_mentions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_finding_mentions_finding_id"))

    op.drop_table("finding_mentions")
