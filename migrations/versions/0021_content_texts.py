"""texts people write have a version per locale (content_texts); an activity's English
title (the open data's イベント名_英語) moves there from activities.title_en

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'content_texts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('field', sa.String(length=32), nullable=False),
        sa.Column('locale', sa.String(length=16), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_content_texts')),
        sa.UniqueConstraint('kind', 'item_id', 'field', 'locale',
                            name='uq_content_texts_version'),
    )
    op.execute(
        "INSERT INTO content_texts (kind, item_id, field, locale, text, state, updated_at) "
        "SELECT 'activity', id, 'title', 'en', title_en, 'author', updated_at "
        "FROM activities WHERE title_en IS NOT NULL AND title_en != ''")
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_column('title_en')


def downgrade() -> None:
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title_en', sa.String(length=200), nullable=True))
    # the column holds at most 200 characters; versions in other locales have no place
    op.execute(
        "UPDATE activities SET title_en = (SELECT substr(text, 1, 200) FROM content_texts "
        "WHERE kind = 'activity' AND item_id = activities.id AND field = 'title' "
        "AND locale = 'en')")
    op.drop_table('content_texts')
