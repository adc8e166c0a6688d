"""investigation: candidates, consent, checklists, search log, findings, evidence

Also pins a checklist version on cycles; cycles opened before this revision return to draft.

Revision ID: b4fc8ed4da37
Revises: a01af3633361
Create Date: 2026-11-20 23:40:15.881249
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b4fc8ed4da37"
down_revision: str | None = "a01af3633361"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "checklist_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_checklist_templates_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checklist_templates")),
    )
    op.create_table(
        "checklist_draft_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("technique_code", sa.String(length=8), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("guidance", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["checklist_templates.id"],
            name=op.f("fk_checklist_draft_items_template_id_checklist_templates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checklist_draft_items")),
    )
    with op.batch_alter_table("checklist_draft_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checklist_draft_items_template_id"), ["template_id"], unique=False)

    op.create_table(
        "checklist_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["published_by_id"], ["users.id"], name=op.f("fk_checklist_versions_published_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["checklist_templates.id"],
            name=op.f("fk_checklist_versions_template_id_checklist_templates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checklist_versions")),
        sa.UniqueConstraint("template_id", "number", name="one_number_per_template"),
    )
    with op.batch_alter_table("checklist_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checklist_versions_template_id"), ["template_id"], unique=False)

    op.create_table(
        "checklist_version_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("technique_code", sa.String(length=8), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("guidance", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["checklist_versions.id"],
            name=op.f("fk_checklist_version_items_version_id_checklist_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checklist_version_items")),
        sa.UniqueConstraint("version_id", "position", name="one_item_per_position"),
    )
    with op.batch_alter_table("checklist_version_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checklist_version_items_version_id"), ["version_id"], unique=False)

    op.create_table(
        "candidates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("profile_enc", sa.Text(), nullable=False),
        sa.Column("wrapped_key", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("search_completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("search_completed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_candidates_created_by_id_users")),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycles.id"], name=op.f("fk_candidates_cycle_id_cycles")),
        sa.ForeignKeyConstraint(
            ["search_completed_by_id"], ["users.id"], name=op.f("fk_candidates_search_completed_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidates")),
        sa.UniqueConstraint("cycle_id", "code", name="one_code_per_cycle"),
    )
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_candidates_cycle_id"), ["cycle_id"], unique=False)

    op.create_table(
        "consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column(
            "method",
            sa.Enum(
                "wet_ink", "electronic", name="signature_method", native_enum=False, create_constraint=True, length=32
            ),
            nullable=False,
        ),
        sa.Column("document_sha256", sa.String(length=64), nullable=False),
        sa.Column("document_storage_name", sa.String(length=64), nullable=False),
        sa.Column("document_content_type", sa.String(length=64), nullable=False),
        sa.Column("document_size", sa.Integer(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["candidate_id"], ["candidates.id"], name=op.f("fk_consents_candidate_id_candidates")),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"], name=op.f("fk_consents_recorded_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
        sa.UniqueConstraint("candidate_id", name=op.f("uq_consents_candidate_id")),
    )
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("source_url_enc", sa.Text(), nullable=False),
        sa.Column("platform", sa.String(length=100), nullable=False),
        sa.Column("content_date", sa.Date(), nullable=True),
        sa.Column("captured_at", sa.DateTime(timezone=True), nullable=False),
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
        sa.Column("identity_basis", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revision", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.ForeignKeyConstraint(["candidate_id"], ["candidates.id"], name=op.f("fk_findings_candidate_id_candidates")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_findings_created_by_id_users")),
        sa.ForeignKeyConstraint(
            ["item_id"], ["checklist_version_items.id"], name=op.f("fk_findings_item_id_checklist_version_items")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_findings")),
    )
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_findings_candidate_id"), ["candidate_id"], unique=False)

    op.create_table(
        "item_resolutions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "completed",
                "no_results",
                "unable",
                name="resolution_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("technique_code", sa.String(length=8), nullable=False),
        sa.Column("attested", sa.Boolean(), nullable=False),
        sa.Column("reason_enc", sa.Text(), nullable=True),
        sa.Column("notes_enc", sa.Text(), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(status = 'unable') = (reason_enc IS NOT NULL)", name=op.f("ck_item_resolutions_reason_iff_unable")
        ),
        sa.CheckConstraint("attested", name=op.f("ck_item_resolutions_attested")),
        sa.ForeignKeyConstraint(
            ["candidate_id"], ["candidates.id"], name=op.f("fk_item_resolutions_candidate_id_candidates")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["checklist_version_items.id"],
            name=op.f("fk_item_resolutions_item_id_checklist_version_items"),
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"], ["users.id"], name=op.f("fk_item_resolutions_resolved_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_resolutions")),
        sa.UniqueConstraint("candidate_id", "item_id", name="one_resolution_per_item"),
    )
    with op.batch_alter_table("item_resolutions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_item_resolutions_candidate_id"), ["candidate_id"], unique=False)

    op.create_table(
        "search_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("query_enc", sa.Text(), nullable=False),
        sa.Column("source_enc", sa.Text(), nullable=False),
        sa.Column("searched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("result_count", sa.Integer(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("result_count >= 0", name=op.f("ck_search_log_result_count_not_negative")),
        sa.ForeignKeyConstraint(
            ["candidate_id"], ["candidates.id"], name=op.f("fk_search_log_candidate_id_candidates")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["checklist_version_items.id"], name=op.f("fk_search_log_item_id_checklist_version_items")
        ),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"], name=op.f("fk_search_log_recorded_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_log")),
    )
    with op.batch_alter_table("search_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_search_log_candidate_id"), ["candidate_id"], unique=False)

    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("filename_enc", sa.Text(), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_name", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["finding_id"], ["findings.id"], name=op.f("fk_evidence_finding_id_findings")),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["users.id"], name=op.f("fk_evidence_uploaded_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence")),
        sa.UniqueConstraint("storage_name", name=op.f("uq_evidence_storage_name")),
    )
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_finding_id"), ["finding_id"], unique=False)

    op.create_table(
        "validation_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column(
            "method",
            sa.Enum(
                "official_record",
                "second_source",
                "identity_check",
                "archive_comparison",
                "candidate_statement",
                "other",
                name="validation_method",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "result",
            sa.Enum(
                "corroborates",
                "contradicts",
                "inconclusive",
                name="validation_result",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("notes_enc", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["finding_id"], ["findings.id"], name=op.f("fk_validation_steps_finding_id_findings")),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_validation_steps_recorded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_validation_steps")),
    )
    with op.batch_alter_table("validation_steps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_validation_steps_finding_id"), ["finding_id"], unique=False)

    with op.batch_alter_table("cycles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("checklist_version_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("identity_match_minimum", sa.Integer(), server_default=sa.text("3"), nullable=False)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_cycles_checklist_version_id_checklist_versions"),
            "checklist_versions",
            ["checklist_version_id"],
            ["id"],
        )
    # Cycles opened before checklists existed go back to draft: they have no candidates yet,
    # and an opened cycle must now carry its frozen checklist version (R6).
    op.execute(
        "UPDATE cycles SET status = 'draft', opened_at = NULL, closed_at = NULL "
        "WHERE status <> 'draft' AND checklist_version_id IS NULL"
    )
    with op.batch_alter_table("cycles", schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f("ck_cycles_open_cycle_has_checklist"), "status = 'draft' OR checklist_version_id IS NOT NULL"
        )
        batch_op.create_check_constraint(
            op.f("ck_cycles_identity_match_minimum_range"), "identity_match_minimum BETWEEN 1 AND 8"
        )


def downgrade() -> None:

    with op.batch_alter_table("cycles", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_cycles_identity_match_minimum_range"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_cycles_open_cycle_has_checklist"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_cycles_checklist_version_id_checklist_versions"), type_="foreignkey")
        batch_op.drop_column("identity_match_minimum")
        batch_op.drop_column("checklist_version_id")

    with op.batch_alter_table("validation_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_validation_steps_finding_id"))

    op.drop_table("validation_steps")
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_finding_id"))

    op.drop_table("evidence")
    with op.batch_alter_table("search_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_log_candidate_id"))

    op.drop_table("search_log")
    with op.batch_alter_table("item_resolutions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_item_resolutions_candidate_id"))

    op.drop_table("item_resolutions")
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_findings_candidate_id"))

    op.drop_table("findings")
    op.drop_table("consents")
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_candidates_cycle_id"))

    op.drop_table("candidates")
    with op.batch_alter_table("checklist_version_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checklist_version_items_version_id"))

    op.drop_table("checklist_version_items")
    with op.batch_alter_table("checklist_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checklist_versions_template_id"))

    op.drop_table("checklist_versions")
    with op.batch_alter_table("checklist_draft_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checklist_draft_items_template_id"))

    op.drop_table("checklist_draft_items")
    op.drop_table("checklist_templates")
