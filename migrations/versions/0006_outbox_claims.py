"""outbox: the retry key is the claim; partial indexes by state

Revision ID: 0006
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0002'
branch_labels = None
depends_on = None

FRESH = sa.text("status = 'pending' AND retry_key IS NULL")
RETRY = sa.text("status = 'pending' AND retry_key IS NOT NULL")
SENDING = sa.text("status = 'sending'")
KEYED = sa.text("retry_key IS NOT NULL")


def upgrade() -> None:
    # rows a dispatcher of the old kind was sending go back to waiting: sent again under
    # their key if they had one (LINE answers 409 if it took them), else batched anew
    op.execute("UPDATE notifications SET status = 'pending' WHERE status = 'sending'")
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_status_due_at')
        batch_op.drop_index('ix_notifications_claim_token')
        batch_op.drop_index('ix_notifications_retry_key')
        batch_op.drop_column('claim_token')
        batch_op.create_index('ix_notifications_fresh_due_at', ['due_at'], unique=False,
                              sqlite_where=FRESH, postgresql_where=FRESH)
        batch_op.create_index('ix_notifications_retry_due_at', ['due_at'], unique=False,
                              sqlite_where=RETRY, postgresql_where=RETRY)
        batch_op.create_index('ix_notifications_sending_claimed_at', ['claimed_at'],
                              unique=False, sqlite_where=SENDING, postgresql_where=SENDING)
        batch_op.create_index('ix_notifications_retry_key', ['retry_key'], unique=False,
                              sqlite_where=KEYED, postgresql_where=KEYED)


def downgrade() -> None:
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_retry_key')
        batch_op.create_index('ix_notifications_retry_key', ['retry_key'], unique=False)
        batch_op.drop_index('ix_notifications_sending_claimed_at')
        batch_op.drop_index('ix_notifications_retry_due_at')
        batch_op.drop_index('ix_notifications_fresh_due_at')
        batch_op.add_column(sa.Column('claim_token', sa.String(length=32), nullable=True))
        batch_op.create_index('ix_notifications_claim_token', ['claim_token'], unique=False)
        batch_op.create_index('ix_notifications_status_due_at', ['status', 'due_at'],
                              unique=False)
