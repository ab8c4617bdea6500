"""slot changes: a slot's time or place before and after, what its people are told

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'slot_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('slot_id', sa.Integer(), nullable=False),
        sa.Column('old_starts_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('old_ends_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('old_place', sa.String(length=200), nullable=True),
        sa.Column('old_address', sa.String(length=300), nullable=True),
        sa.Column('new_starts_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('new_ends_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('new_place', sa.String(length=200), nullable=True),
        sa.Column('new_address', sa.String(length=300), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['slot_id'], ['slots.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_slot_changes_slot_id'), 'slot_changes', ['slot_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_slot_changes_slot_id'), table_name='slot_changes')
    op.drop_table('slot_changes')
