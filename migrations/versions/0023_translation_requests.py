"""machine translation: the items whose versions wait to be made (translation_requests)

Revision ID: 0023
Revises: 0022
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'translation_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('locales', sa.JSON(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_error', sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_translation_requests')),
        sa.UniqueConstraint('kind', 'item_id', name='uq_translation_requests_item'),
    )
    op.create_index(op.f('ix_translation_requests_due_at'), 'translation_requests',
                    ['due_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_translation_requests_due_at'), table_name='translation_requests')
    op.drop_table('translation_requests')
