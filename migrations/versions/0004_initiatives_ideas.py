"""initiatives, interest, opinions, gatherings, idea calls, ideas

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-23 12:05:08.897569
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('idea_calls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('theme', sa.String(length=100), nullable=False),
    sa.Column('issue', sa.Text(), nullable=False),
    sa.Column('deadline', sa.DateTime(timezone=True), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('area', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_idea_calls_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idea_calls'))
    )
    with op.batch_alter_table('idea_calls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idea_calls_status'), ['status'], unique=False)

    op.create_table('initiatives',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('presenter_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=80), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('help_wanted', sa.String(length=80), nullable=False),
    sa.Column('area', sa.String(length=64), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('photo_message_id', sa.String(length=32), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('opinion_question', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['presenter_id'], ['users.id'], name=op.f('fk_initiatives_presenter_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_initiatives'))
    )
    with op.batch_alter_table('initiatives', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_initiatives_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_initiatives_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_initiatives_photo_message_id'), ['photo_message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_initiatives_presenter_id'), ['presenter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_initiatives_status'), ['status'], unique=False)

    op.create_table('gatherings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=True),
    sa.Column('idea_call_id', sa.Integer(), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('online_url', sa.String(length=500), nullable=False),
    sa.Column('ics_token', sa.String(length=43), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('cancelled', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_gatherings_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['idea_call_id'], ['idea_calls.id'], name=op.f('fk_gatherings_idea_call_id_idea_calls'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiatives.id'], name=op.f('fk_gatherings_initiative_id_initiatives'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gatherings')),
    sa.UniqueConstraint('ics_token', name=op.f('uq_gatherings_ics_token'))
    )
    with op.batch_alter_table('gatherings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gatherings_idea_call_id'), ['idea_call_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_gatherings_initiative_id'), ['initiative_id'], unique=False)

    op.create_table('ideas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('submitter_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('photo_message_id', sa.String(length=32), nullable=True),
    sa.Column('can_help', sa.Boolean(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('staff_message', sa.String(length=300), nullable=False),
    sa.Column('announced', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['call_id'], ['idea_calls.id'], name=op.f('fk_ideas_call_id_idea_calls'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submitter_id'], ['users.id'], name=op.f('fk_ideas_submitter_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ideas'))
    )
    with op.batch_alter_table('ideas', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ideas_call_id'), ['call_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ideas_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_ideas_photo_message_id'), ['photo_message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ideas_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_ideas_submitter_id'), ['submitter_id'], unique=False)

    op.create_table('initiative_interests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('offers', sa.String(length=80), nullable=False),
    sa.Column('message', sa.String(length=500), nullable=False),
    sa.Column('member_contact', sa.String(length=200), nullable=True),
    sa.Column('presenter_contact', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiatives.id'], name=op.f('fk_initiative_interests_initiative_id_initiatives'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_initiative_interests_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_initiative_interests')),
    sa.UniqueConstraint('initiative_id', 'user_id', name=op.f('uq_initiative_interests_initiative_id'))
    )
    with op.batch_alter_table('initiative_interests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_initiative_interests_initiative_id'), ['initiative_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_initiative_interests_user_id'), ['user_id'], unique=False)

    op.create_table('initiative_opinions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('phase', sa.String(length=16), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiatives.id'], name=op.f('fk_initiative_opinions_initiative_id_initiatives'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_initiative_opinions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_initiative_opinions'))
    )
    with op.batch_alter_table('initiative_opinions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_initiative_opinions_initiative_id'), ['initiative_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_initiative_opinions_user_id'), ['user_id'], unique=False)

    op.create_table('gathering_rsvps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('gathering_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('answer', sa.String(length=8), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['gathering_id'], ['gatherings.id'], name=op.f('fk_gathering_rsvps_gathering_id_gatherings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_gathering_rsvps_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gathering_rsvps')),
    sa.UniqueConstraint('gathering_id', 'user_id', name=op.f('uq_gathering_rsvps_gathering_id'))
    )
    with op.batch_alter_table('gathering_rsvps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gathering_rsvps_gathering_id'), ['gathering_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_gathering_rsvps_user_id'), ['user_id'], unique=False)

    op.create_table('initiative_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('interest_id', sa.Integer(), nullable=False),
    sa.Column('from_presenter', sa.Boolean(), nullable=False),
    sa.Column('body', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['interest_id'], ['initiative_interests.id'], name=op.f('fk_initiative_messages_interest_id_initiative_interests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_initiative_messages'))
    )
    with op.batch_alter_table('initiative_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_initiative_messages_interest_id'), ['interest_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('initiative_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_initiative_messages_interest_id'))

    op.drop_table('initiative_messages')
    with op.batch_alter_table('gathering_rsvps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gathering_rsvps_user_id'))
        batch_op.drop_index(batch_op.f('ix_gathering_rsvps_gathering_id'))

    op.drop_table('gathering_rsvps')
    with op.batch_alter_table('initiative_opinions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_initiative_opinions_user_id'))
        batch_op.drop_index(batch_op.f('ix_initiative_opinions_initiative_id'))

    op.drop_table('initiative_opinions')
    with op.batch_alter_table('initiative_interests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_initiative_interests_user_id'))
        batch_op.drop_index(batch_op.f('ix_initiative_interests_initiative_id'))

    op.drop_table('initiative_interests')
    with op.batch_alter_table('ideas', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ideas_submitter_id'))
        batch_op.drop_index(batch_op.f('ix_ideas_status'))
        batch_op.drop_index(batch_op.f('ix_ideas_photo_message_id'))
        batch_op.drop_index(batch_op.f('ix_ideas_created_at'))
        batch_op.drop_index(batch_op.f('ix_ideas_call_id'))

    op.drop_table('ideas')
    with op.batch_alter_table('gatherings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gatherings_initiative_id'))
        batch_op.drop_index(batch_op.f('ix_gatherings_idea_call_id'))

    op.drop_table('gatherings')
    with op.batch_alter_table('initiatives', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_initiatives_status'))
        batch_op.drop_index(batch_op.f('ix_initiatives_presenter_id'))
        batch_op.drop_index(batch_op.f('ix_initiatives_photo_message_id'))
        batch_op.drop_index(batch_op.f('ix_initiatives_created_at'))
        batch_op.drop_index(batch_op.f('ix_initiatives_category'))

    op.drop_table('initiatives')
    with op.batch_alter_table('idea_calls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idea_calls_status'))

    op.drop_table('idea_calls')
