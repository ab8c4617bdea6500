"""open data columns: 連絡先内線番号, 方書, アクセス方法, 駐車場情報, the 定員 as written,
all-day slots; a slot without a capacity has no limit

The national standard event list has 32 items; these hold the five the import dropped,
and what real files write instead of a number or a time.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_extension', sa.String(length=40), nullable=True))
    with op.batch_alter_table('slots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address_detail', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('access', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('parking', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('capacity_note', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('all_day', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.alter_column('capacity', existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    # a slot without a limit gets one no sign-up count reaches
    op.execute(sa.text("UPDATE slots SET capacity = 100000 WHERE capacity IS NULL"))
    with op.batch_alter_table('slots', schema=None) as batch_op:
        batch_op.alter_column('capacity', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('all_day')
        batch_op.drop_column('capacity_note')
        batch_op.drop_column('parking')
        batch_op.drop_column('access')
        batch_op.drop_column('address_detail')
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_column('contact_extension')
