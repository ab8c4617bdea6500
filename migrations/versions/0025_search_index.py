"""search index: each activity's texts in every language with readings and romaji, and its
title with readings for やさしい日本語 readers

Revision ID: 0025
Revises: 0024
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('activities') as batch:
        batch.add_column(sa.Column('search_title', sa.Text(), server_default='', nullable=False))
        batch.add_column(sa.Column('search_text', sa.Text(), server_default='', nullable=False))
        batch.add_column(sa.Column('title_ruby', sa.Text(), nullable=True))
    # the activities already there are indexed now; later saves index themselves
    from models.search_index import reindex

    connection = op.get_bind()
    ids = [row[0] for row in connection.execute(sa.text("SELECT id FROM activities"))]
    if ids:
        reindex(connection, ids)


def downgrade() -> None:
    with op.batch_alter_table('activities') as batch:
        batch.drop_column('title_ruby')
        batch.drop_column('search_text')
        batch.drop_column('search_title')
