"""the language each original is written in (original_locale on every kind with versions;
the rows there are the ward's Japanese), and announcements' machine translations

Revision ID: 0026
Revises: 0025
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

TABLES = ("activities", "slots", "organisations", "initiatives", "idea_calls", "ideas",
          "gatherings")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('original_locale', sa.String(length=16),
                                       server_default='ja', nullable=False))
    with op.batch_alter_table('announcements') as batch:
        batch.add_column(sa.Column('machine_texts', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('announcements') as batch:
        batch.drop_column('machine_texts')
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column('original_locale')
