"""digital supporters: support sessions, help requests, who is on duty

Revision ID: 0005
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('support_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket', sa.String(length=64), nullable=False),
    sa.Column('supporter_id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('via', sa.String(length=16), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_by', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['resident_id'], ['users.id'], name=op.f('fk_support_sessions_resident_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['supporter_id'], ['users.id'], name=op.f('fk_support_sessions_supporter_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_sessions')),
    sa.UniqueConstraint('ticket', name=op.f('uq_support_sessions_ticket'))
    )
    with op.batch_alter_table('support_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_support_sessions_resident_id'), ['resident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_support_sessions_started_at'), ['started_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_support_sessions_supporter_id'), ['supporter_id'], unique=False)

    op.create_table('help_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('flow', sa.String(length=64), nullable=False),
    sa.Column('step', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_by_id', sa.Integer(), nullable=True),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['accepted_by_id'], ['users.id'], name=op.f('fk_help_requests_accepted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resident_id'], ['users.id'], name=op.f('fk_help_requests_resident_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_help_requests'))
    )
    with op.batch_alter_table('help_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_help_requests_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_help_requests_resident_id'), ['resident_id'], unique=False)

    op.create_table('supporter_duty',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('since', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_supporter_duty_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_supporter_duty'))
    )


def downgrade() -> None:
    op.drop_table('supporter_duty')
    with op.batch_alter_table('help_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_help_requests_resident_id'))
        batch_op.drop_index(batch_op.f('ix_help_requests_created_at'))
    op.drop_table('help_requests')
    with op.batch_alter_table('support_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_support_sessions_supporter_id'))
        batch_op.drop_index(batch_op.f('ix_support_sessions_started_at'))
        batch_op.drop_index(batch_op.f('ix_support_sessions_resident_id'))
    op.drop_table('support_sessions')
