"""photos: who sent each one (the owner, or a supporter acting for them)

Revision ID: 0010
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sender_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_photos_sender_id_users'), 'users',
                                    ['sender_id'], ['id'], ondelete='SET NULL')
        batch_op.create_index(batch_op.f('ix_photos_sender_id'), ['sender_id'], unique=False)
    # photos kept so far were sent by their owners (proxy sends were not told apart)
    op.execute("UPDATE photos SET sender_id = owner_id")


def downgrade() -> None:
    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_photos_sender_id'))
        batch_op.drop_constraint(batch_op.f('fk_photos_sender_id_users'), type_='foreignkey')
        batch_op.drop_column('sender_id')
