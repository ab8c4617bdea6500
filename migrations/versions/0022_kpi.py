"""kpi: a person's age band; which recommended slots were shown to whom

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('age_band', sa.String(length=8), nullable=True))
    op.create_table(
        'recommendations_shown',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('slot_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=48), nullable=False),
        sa.Column('shown_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['slot_id'], ['slots.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_recommendations_shown_shown_at', 'recommendations_shown', ['shown_at'])
    op.create_index(op.f('ix_recommendations_shown_user_id'), 'recommendations_shown',
                    ['user_id'])
    op.create_index(op.f('ix_recommendations_shown_slot_id'), 'recommendations_shown',
                    ['slot_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_recommendations_shown_slot_id'), table_name='recommendations_shown')
    op.drop_index(op.f('ix_recommendations_shown_user_id'), table_name='recommendations_shown')
    op.drop_index('ix_recommendations_shown_shown_at', table_name='recommendations_shown')
    op.drop_table('recommendations_shown')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('age_band')
