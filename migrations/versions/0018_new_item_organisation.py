"""new items name the organisation that posted them, so that its followers hear of them

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('new_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organisation_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_new_items_organisation_id'), ['organisation_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('new_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_new_items_organisation_id'))
        batch_op.drop_column('organisation_id')
