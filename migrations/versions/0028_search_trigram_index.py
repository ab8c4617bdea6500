"""keyword search on PostgreSQL: a pg_trgm index on the activities' search text, which
LIKE '%word%' uses for words of 3 letters or more (nothing on SQLite)

Revision ID: 0028
Revises: 0027
"""

from __future__ import annotations

from alembic import op

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # pg_trgm ships with PostgreSQL (contrib) and is a trusted extension: the database's
    # owner may create it
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index("ix_activities_search_text_trgm", "activities", ["search_text"],
                    postgresql_using="gin", postgresql_ops={"search_text": "gin_trgm_ops"},
                    postgresql_with={"fastupdate": "off"})


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # the extension stays: other objects may use it, and it holds no data
    op.drop_index("ix_activities_search_text_trgm", table_name="activities")
