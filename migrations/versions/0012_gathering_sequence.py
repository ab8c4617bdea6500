"""gatherings: a sequence number raised each time one moves or is called off

The calendar file's SEQUENCE: a phone's calendar replaces the entry it holds for the
gathering (same UID) only with one of a higher sequence.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('gatherings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sequence', sa.Integer(), server_default='0',
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('gatherings', schema=None) as batch_op:
        batch_op.drop_column('sequence')
