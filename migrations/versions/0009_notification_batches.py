"""outbox: rows travel in batches, which hold the retry key and the sending state

Revision ID: 0009
Revises: 0006
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0006'
branch_labels = None
depends_on = None

PENDING = sa.text("status = 'pending'")
SENDING = sa.text("status = 'sending'")


def upgrade() -> None:
    op.create_table('notification_batches',
    sa.Column('key', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('ref', sa.String(length=64), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('retry_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_notification_batches'))
    )
    with op.batch_alter_table('notification_batches', schema=None) as batch_op:
        batch_op.create_index('ix_notification_batches_pending_due_at', ['due_at'],
                              unique=False, sqlite_where=PENDING, postgresql_where=PENDING)
        batch_op.create_index('ix_notification_batches_sending_claimed_at', ['claimed_at'],
                              unique=False, sqlite_where=SENDING, postgresql_where=SENDING)
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('batch_key', sa.String(length=36), nullable=True))

    # Every existing row becomes a batch of its own, under its retry key if it had one. Rows
    # a dispatcher of the old kind was sending wait again: LINE answers 409 if it took them.
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT id, kind, ref, due_at, urgent, status, attempts, retry_key, retry_at, "
        "claimed_at, sent_at, last_error, created_at FROM notifications ORDER BY "
        "CASE WHEN status IN ('pending', 'sending', 'sent', 'failed') THEN 0 ELSE 1 END, id"
    )).mappings().all()
    batches = sa.table('notification_batches', *(sa.column(name) for name in (
        'key', 'kind', 'ref', 'due_at', 'urgent', 'status', 'attempts', 'retry_at',
        'claimed_at', 'sent_at', 'last_error', 'created_at')))
    keys, own, made, seen = [], [], [], set()
    for row in rows:  # rows sharing a retry key were one batch, and stay one
        key = row['retry_key'] or str(uuid.uuid4())
        keys.append({'row_id': row['id'], 'key': key})
        status = row['status']
        carried = status in ('pending', 'sending', 'sent', 'failed')
        own.append({'row_id': row['id'], 'status': 'queued' if carried else status})
        if key in seen:
            continue
        seen.add(key)
        made.append({
            'key': key, 'kind': row['kind'], 'ref': row['ref'], 'due_at': row['due_at'],
            'urgent': row['urgent'],
            'status': {'sending': 'pending'}.get(status, status) if carried else 'sent',
            'attempts': row['attempts'], 'retry_at': row['retry_at'],
            'claimed_at': row['claimed_at'] if row['retry_key'] else None,
            'sent_at': row['sent_at'], 'last_error': row['last_error'] if carried else None,
            'created_at': row['created_at']})
    if made:
        op.bulk_insert(batches, made)
        conn.execute(sa.text("UPDATE notifications SET batch_key = :key WHERE id = :row_id"),
                     keys)
        conn.execute(sa.text("UPDATE notifications SET status = :status WHERE id = :row_id"),
                     own)

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_fresh_due_at')
        batch_op.drop_index('ix_notifications_retry_due_at')
        batch_op.drop_index('ix_notifications_sending_claimed_at')
        batch_op.drop_index('ix_notifications_retry_key')
        batch_op.drop_column('retry_key')
        batch_op.drop_column('retry_at')
        batch_op.drop_column('claimed_at')
        batch_op.drop_column('sent_at')
        batch_op.drop_column('attempts')
        batch_op.alter_column('batch_key', existing_type=sa.String(length=36), nullable=False)
        batch_op.create_index(batch_op.f('ix_notifications_batch_key'), ['batch_key'],
                              unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_notifications_batch_key_notification_batches'),
            'notification_batches', ['batch_key'], ['key'], deferrable=True,
            initially='DEFERRED')


def downgrade() -> None:
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notifications_batch_key_notification_batches'),
                                 type_='foreignkey')
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('claimed_at', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('retry_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('retry_key', sa.String(length=36), nullable=True))
    conn = op.get_bind()
    for column in ('attempts', 'sent_at', 'claimed_at', 'retry_at'):
        conn.execute(sa.text(
            f"UPDATE notifications SET {column} = (SELECT b.{column} FROM notification_batches b "
            "WHERE b.key = notifications.batch_key)"))
    conn.execute(sa.text(
        "UPDATE notifications SET status = (SELECT b.status FROM notification_batches b "
        "WHERE b.key = notifications.batch_key) WHERE status = 'queued'"))
    conn.execute(sa.text(  # the key was used only if the batch was claimed
        "UPDATE notifications SET retry_key = batch_key WHERE claimed_at IS NOT NULL"))
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_batch_key'))
        batch_op.drop_column('batch_key')
        batch_op.create_index('ix_notifications_retry_key', ['retry_key'], unique=False,
                              sqlite_where=sa.text("retry_key IS NOT NULL"),
                              postgresql_where=sa.text("retry_key IS NOT NULL"))
        batch_op.create_index('ix_notifications_sending_claimed_at', ['claimed_at'],
                              unique=False, sqlite_where=SENDING, postgresql_where=SENDING)
        batch_op.create_index(
            'ix_notifications_retry_due_at', ['due_at'], unique=False,
            sqlite_where=sa.text("status = 'pending' AND retry_key IS NOT NULL"),
            postgresql_where=sa.text("status = 'pending' AND retry_key IS NOT NULL"))
        batch_op.create_index(
            'ix_notifications_fresh_due_at', ['due_at'], unique=False,
            sqlite_where=sa.text("status = 'pending' AND retry_key IS NULL"),
            postgresql_where=sa.text("status = 'pending' AND retry_key IS NULL"))
    op.drop_table('notification_batches')
