"""candidate_work: the uniformity read model, searches and resolutions counted per candidate and person (issue 17)

One row per candidate and person who searched or resolved for them: counts, first and last
search, and how many resolutions were on the cycle's pinned checklist version. The report's
medians and tallies read these instead of every search and resolution of the cycle. Filled here
from the rows that exist; the app rebuilds a candidate's rows whenever it writes their searches.
Resolutions and searches are indexed by item, for the report's check of work on other versions.

Revision ID: c4e5f6a7b8d9
Revises: b3d4e5f6a7c8
Create Date: 2026-12-03 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c4e5f6a7b8d9"
down_revision: str | None = "b3d4e5f6a7c8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each search and each resolution as one row of counts, then summed per candidate and person.
# An item is on the checklist when its version is the one the candidate's cycle pinned.
_FILL = """
INSERT INTO candidate_work (
    candidate_id, user_id, searches, first_search_at, last_search_at,
    resolutions, unable, resolved_on_checklist, unable_on_checklist
)
SELECT candidate_id, user_id, SUM(searches), MIN(first_at), MAX(last_at),
       SUM(resolutions), SUM(unable), SUM(on_list), SUM(unable_on_list)
FROM (
    SELECT s.candidate_id AS candidate_id, s.recorded_by_id AS user_id, 1 AS searches,
           s.searched_at AS first_at, s.searched_at AS last_at,
           0 AS resolutions, 0 AS unable, 0 AS on_list, 0 AS unable_on_list
    FROM search_log s
    UNION ALL
    SELECT r.candidate_id, r.resolved_by_id, 0, NULL, NULL, 1,
           CASE WHEN r.status = 'unable' THEN 1 ELSE 0 END,
           CASE WHEN i.version_id = c.checklist_version_id THEN 1 ELSE 0 END,
           CASE WHEN i.version_id = c.checklist_version_id AND r.status = 'unable' THEN 1 ELSE 0 END
    FROM item_resolutions r
    JOIN candidates k ON k.id = r.candidate_id
    JOIN cycles c ON c.id = k.cycle_id
    JOIN checklist_version_items i ON i.id = r.item_id
) AS work
GROUP BY candidate_id, user_id
"""


def upgrade() -> None:
    op.create_table(
        "candidate_work",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("searches", sa.Integer(), nullable=False),
        sa.Column("first_search_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_search_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolutions", sa.Integer(), nullable=False),
        sa.Column("unable", sa.Integer(), nullable=False),
        sa.Column("resolved_on_checklist", sa.Integer(), nullable=False),
        sa.Column("unable_on_checklist", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"], ["candidates.id"], name=op.f("fk_candidate_work_candidate_id_candidates")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_candidate_work_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidate_work")),
        sa.UniqueConstraint("candidate_id", "user_id", name="one_work_row_per_person"),
    )
    op.create_index("ix_candidate_work_candidate_id", "candidate_work", ["candidate_id"], unique=False)
    op.execute(_FILL)
    # Work on another version's items is looked up by item (the report's stray check).
    op.create_index("ix_item_resolutions_item_id", "item_resolutions", ["item_id"], unique=False)
    op.create_index("ix_search_log_item_id", "search_log", ["item_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_search_log_item_id", table_name="search_log")
    op.drop_index("ix_item_resolutions_item_id", table_name="item_resolutions")
    op.drop_index("ix_candidate_work_candidate_id", table_name="candidate_work")
    op.drop_table("candidate_work")
