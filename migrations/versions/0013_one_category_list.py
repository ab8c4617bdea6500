"""one category list: followed topics, idea calls and initiatives use the activities' codes

Followed topics, idea calls, initiatives (and the new-item feed and staff announcements
addressed "by interest") stored codes of a second list that activities never carried, so
news of an activity reached nobody who followed its field. Their codes move to the
activities' list (models/categories.py); codes both lists had stay. The mapping is written
out here, as it was at this revision.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 07:55:17.227398
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

OLD_TO_NEW = {"children": "childcare", "safety": "disaster", "culture": "sports_culture",
              "town": "community"}

topics = sa.table("subscription_topics", sa.column("user_id", sa.Integer),
                  sa.column("dimension", sa.String), sa.column("value", sa.String))
announcements = sa.table("announcements", sa.column("id", sa.Integer),
                         sa.column("segment", sa.JSON))
# (table, column, only these rows): activities never had the old codes
CODED = [
    (sa.table("initiatives", sa.column("category", sa.String)), "category", None),
    (sa.table("idea_calls", sa.column("category", sa.String)), "category", None),
    (sa.table("new_items", sa.column("kind", sa.String), sa.column("category", sa.String)),
     "category", lambda t: t.c.kind != "activity"),
]


def _recode(mapping: dict[str, str]) -> None:
    bind = op.get_bind()
    for old, new in mapping.items():
        # a person following both (only possible by hand) keeps one row: the unique key
        already = sa.select(topics.c.user_id).where(topics.c.dimension == "category",
                                                    topics.c.value == new)
        bind.execute(topics.delete().where(topics.c.dimension == "category",
                                           topics.c.value == old,
                                           topics.c.user_id.in_(already)))
        bind.execute(topics.update().where(topics.c.dimension == "category",
                                           topics.c.value == old).values(value=new))
        for table, column, only in CODED:
            where = [table.c[column] == old]
            if only is not None:
                where.append(only(table))
            bind.execute(table.update().where(*where).values({column: new}))
    for row_id, segment in bind.execute(sa.select(announcements.c.id,
                                                  announcements.c.segment)).all():
        if not isinstance(segment, dict) or segment.get("kind") != "categories":
            continue
        values: list[Any] = list(segment.get("values") or [])
        recoded = [mapping.get(v, v) for v in values]
        if recoded != values:
            bind.execute(announcements.update().where(announcements.c.id == row_id)
                         .values(segment={**segment, "values": recoded}))


def upgrade() -> None:
    _recode(OLD_TO_NEW)


def downgrade() -> None:
    # the codes only the new list has (elderly, multicultural, other) have no old name:
    # they stay, and the old code shows nothing for them
    _recode({new: old for old, new in OLD_TO_NEW.items()})
