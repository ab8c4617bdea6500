"""activities, slots, sign-ups, feedback, points

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-23 11:54:32.343178
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('organisations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('contact_name', sa.String(length=200), nullable=True),
    sa.Column('contact_phone', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisations')),
    sa.UniqueConstraint('name', name=op.f('uq_organisations_name'))
    )
    op.create_table('activities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_key', sa.String(length=80), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('title_kana', sa.String(length=200), nullable=True),
    sa.Column('title_en', sa.String(length=200), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('styles', sa.JSON(), nullable=False),
    sa.Column('area', sa.String(length=64), nullable=True),
    sa.Column('fee', sa.String(length=200), nullable=True),
    sa.Column('fee_detail', sa.Text(), nullable=True),
    sa.Column('contact_name', sa.String(length=200), nullable=True),
    sa.Column('contact_phone', sa.String(length=40), nullable=True),
    sa.Column('how_to_apply', sa.Text(), nullable=True),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('when_note', sa.Text(), nullable=True),
    sa.Column('skills', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_activities_organisation_id_organisations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activities')),
    sa.UniqueConstraint('source_key', name=op.f('uq_activities_source_key'))
    )
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activities_area'), ['area'], unique=False)
        batch_op.create_index(batch_op.f('ix_activities_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_activities_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('volunteer_profiles',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('skills', sa.JSON(), nullable=False),
    sa.Column('free_times', sa.JSON(), nullable=False),
    sa.Column('styles', sa.JSON(), nullable=False),
    sa.Column('lat', sa.Double(), nullable=True),
    sa.Column('lon', sa.Double(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_volunteer_profiles_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_volunteer_profiles'))
    )
    op.create_table('activity_dismissals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_activity_dismissals_activity_id_activities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_activity_dismissals_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_dismissals')),
    sa.UniqueConstraint('user_id', 'activity_id', name=op.f('uq_activity_dismissals_user_id'))
    )
    with op.batch_alter_table('activity_dismissals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_dismissals_user_id'), ['user_id'], unique=False)

    op.create_table('slots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('lat', sa.Double(), nullable=True),
    sa.Column('lon', sa.Double(), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('seats_taken', sa.Integer(), nullable=False),
    sa.Column('signup_deadline', sa.DateTime(timezone=True), nullable=True),
    sa.Column('checkin_word', sa.String(length=40), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_slots_activity_id_activities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_slots')),
    sa.UniqueConstraint('code', name=op.f('uq_slots_code'))
    )
    with op.batch_alter_table('slots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_slots_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index('ix_slots_status_starts_at', ['status', 'starts_at'], unique=False)

    op.create_table('signups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slot_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('offered_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('queued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['slot_id'], ['slots.id'], name=op.f('fk_signups_slot_id_slots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_signups_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signups')),
    sa.UniqueConstraint('slot_id', 'user_id', name=op.f('uq_signups_slot_id'))
    )
    with op.batch_alter_table('signups', schema=None) as batch_op:
        batch_op.create_index('ix_signups_slot_id_status', ['slot_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_signups_user_id'), ['user_id'], unique=False)

    op.create_table('activity_feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('signup_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['signup_id'], ['signups.id'], name=op.f('fk_activity_feedback_signup_id_signups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_activity_feedback_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_feedback')),
    sa.UniqueConstraint('signup_id', name=op.f('uq_activity_feedback_signup_id'))
    )
    with op.batch_alter_table('activity_feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_feedback_user_id'), ['user_id'], unique=False)

    op.create_table('volunteer_points',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('signup_id', sa.Integer(), nullable=True),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('hours', sa.Double(), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['signup_id'], ['signups.id'], name=op.f('fk_volunteer_points_signup_id_signups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_volunteer_points_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volunteer_points')),
    sa.UniqueConstraint('signup_id', 'reason', name=op.f('uq_volunteer_points_signup_id'))
    )
    with op.batch_alter_table('volunteer_points', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_volunteer_points_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('volunteer_points', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_volunteer_points_user_id'))

    op.drop_table('volunteer_points')
    with op.batch_alter_table('activity_feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_feedback_user_id'))

    op.drop_table('activity_feedback')
    with op.batch_alter_table('signups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signups_user_id'))
        batch_op.drop_index('ix_signups_slot_id_status')

    op.drop_table('signups')
    with op.batch_alter_table('slots', schema=None) as batch_op:
        batch_op.drop_index('ix_slots_status_starts_at')
        batch_op.drop_index(batch_op.f('ix_slots_activity_id'))

    op.drop_table('slots')
    with op.batch_alter_table('activity_dismissals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_dismissals_user_id'))

    op.drop_table('activity_dismissals')
    op.drop_table('volunteer_profiles')
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activities_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_activities_category'))
        batch_op.drop_index(batch_op.f('ix_activities_area'))

    op.drop_table('activities')
    op.drop_table('organisations')
