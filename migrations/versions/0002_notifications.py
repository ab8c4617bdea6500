"""notifications, subscriptions and announcements

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('new_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('ref', sa.String(length=64), nullable=False),
    sa.Column('category', sa.String(length=64), nullable=True),
    sa.Column('area', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_new_items'))
    )
    with op.batch_alter_table('new_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_new_items_created_at'), ['created_at'], unique=False)

    op.create_table('announcements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('texts', sa.JSON(), nullable=False),
    sa.Column('segment', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('send_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('targeted', sa.Integer(), nullable=False),
    sa.Column('sent', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_announcements_author_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcements'))
    )
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('ref', sa.String(length=64), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('retry_key', sa.String(length=36), nullable=True),
    sa.Column('retry_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claim_token', sa.String(length=32), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_notifications_dedupe_key'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_claim_token'), ['claim_token'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_retry_key'), ['retry_key'], unique=False)
        batch_op.create_index('ix_notifications_kind_ref', ['kind', 'ref'], unique=False)
        batch_op.create_index('ix_notifications_status_due_at', ['status', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_user_id'), ['user_id'], unique=False)

    op.create_table('subscription_topics',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('dimension', sa.String(length=16), nullable=False),
    sa.Column('value', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_subscription_topics_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscription_topics')),
    sa.UniqueConstraint('user_id', 'dimension', 'value', name=op.f('uq_subscription_topics_user_id'))
    )
    with op.batch_alter_table('subscription_topics', schema=None) as batch_op:
        batch_op.create_index('ix_subscription_topics_dimension_value', ['dimension', 'value'], unique=False)
        batch_op.create_index(batch_op.f('ix_subscription_topics_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('subscription_topics', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subscription_topics_user_id'))
        batch_op.drop_index('ix_subscription_topics_dimension_value')

    op.drop_table('subscription_topics')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_user_id'))
        batch_op.drop_index('ix_notifications_status_due_at')
        batch_op.drop_index('ix_notifications_kind_ref')
        batch_op.drop_index(batch_op.f('ix_notifications_retry_key'))
        batch_op.drop_index(batch_op.f('ix_notifications_claim_token'))

    op.drop_table('notifications')
    op.drop_table('announcements')
    with op.batch_alter_table('new_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_new_items_created_at'))

    op.drop_table('new_items')
