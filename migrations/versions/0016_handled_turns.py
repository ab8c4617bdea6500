"""handled turns: the outcome of each turn that changed something, under its event's key

A re-handled event (its worker died after the commit) delivers this outcome again instead of
running its turn twice (models/turns.py). Rows are kept a day.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'handled_turns',
        sa.Column('event_key', sa.String(length=200), nullable=False),
        sa.Column('line_user_id', sa.String(length=64), nullable=False),
        sa.Column('handled_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('outcome', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('event_key', name=op.f('pk_handled_turns')),
    )
    op.create_index(op.f('ix_handled_turns_line_user_id'), 'handled_turns', ['line_user_id'])
    op.create_index(op.f('ix_handled_turns_handled_at'), 'handled_turns', ['handled_at'])


def downgrade() -> None:
    op.drop_index(op.f('ix_handled_turns_handled_at'), table_name='handled_turns')
    op.drop_index(op.f('ix_handled_turns_line_user_id'), table_name='handled_turns')
    op.drop_table('handled_turns')
