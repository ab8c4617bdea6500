"""photos: an organisation's logo is a photo row with no owner (it is the organisation's,
and stays when the member who uploaded it deletes their data)

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.alter_column('owner_id', existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    # logos have no owner: they go (their organisations' logo_photo_id is set to NULL)
    op.execute("DELETE FROM photos WHERE owner_id IS NULL")
    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.alter_column('owner_id', existing_type=sa.Integer(), nullable=False)
