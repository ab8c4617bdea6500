"""organisations on the platform: kind, description, areas, categories, public contact,
website, logo and verification; members (owner, editor), one-time invitations, followers;
an initiative presented by an organisation

Organisations made from the open data's 主催者 column came from staff's own files: they are
verified. The `organiser` role scoped to an organisation id becomes an owner membership.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), nullable=False,
                                      server_default='other'))
        batch_op.add_column(sa.Column('description', sa.Text(), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('areas', sa.JSON(), nullable=False,
                                      server_default='[]'))
        batch_op.add_column(sa.Column('categories', sa.JSON(), nullable=False,
                                      server_default='[]'))
        batch_op.add_column(sa.Column('public_contact', sa.String(length=200), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('website', sa.String(length=300), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('logo_photo_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('status', sa.String(length=16), nullable=False,
                                      server_default='verified'))
        batch_op.add_column(sa.Column('verified_at', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.create_foreign_key(op.f('fk_organisations_logo_photo_id_photos'), 'photos',
                                    ['logo_photo_id'], ['id'], ondelete='SET NULL')
        batch_op.create_index(op.f('ix_organisations_status'), ['status'])
    op.create_table(
        'organisation_members',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=16), nullable=False),
        sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                                name=op.f('fk_organisation_members_organisation_id_organisations'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_organisation_members_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_members')),
        sa.UniqueConstraint('organisation_id', 'user_id',
                            name=op.f('uq_organisation_members_organisation_id')),
    )
    op.create_index(op.f('ix_organisation_members_organisation_id'), 'organisation_members',
                    ['organisation_id'])
    op.create_index(op.f('ix_organisation_members_user_id'), 'organisation_members',
                    ['user_id'])
    op.create_table(
        'organisation_invitations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('role', sa.String(length=16), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ['organisation_id'], ['organisations.id'],
            name=op.f('fk_organisation_invitations_organisation_id_organisations'),
            ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by'], ['users.id'],
                                name=op.f('fk_organisation_invitations_created_by_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_invitations')),
        sa.UniqueConstraint('code_hash', name=op.f('uq_organisation_invitations_code_hash')),
    )
    op.create_index(op.f('ix_organisation_invitations_organisation_id'),
                    'organisation_invitations', ['organisation_id'])
    op.create_table(
        'organisation_follows',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                                name=op.f('fk_organisation_follows_organisation_id_organisations'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_organisation_follows_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_follows')),
        sa.UniqueConstraint('user_id', 'organisation_id',
                            name=op.f('uq_organisation_follows_user_id')),
    )
    op.create_index(op.f('ix_organisation_follows_user_id'), 'organisation_follows',
                    ['user_id'])
    op.create_index(op.f('ix_organisation_follows_organisation_id'), 'organisation_follows',
                    ['organisation_id'])
    with op.batch_alter_table('initiatives', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organisation_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_initiatives_organisation_id_organisations'),
                                    'organisations', ['organisation_id'], ['id'],
                                    ondelete='SET NULL')
        batch_op.create_index(op.f('ix_initiatives_organisation_id'), ['organisation_id'])

    # the organiser role scoped to an organisation becomes an owner membership
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT user_roles.user_id, user_roles.scope, user_roles.granted_at FROM user_roles "
        "WHERE user_roles.role = 'organiser'")).all()
    known = {row[0] for row in bind.execute(sa.text("SELECT id FROM organisations"))}
    for user_id, scope, granted_at in rows:
        if scope and scope.isdigit() and int(scope) in known:
            bind.execute(sa.text(
                "INSERT INTO organisation_members (organisation_id, user_id, role, joined_at) "
                "VALUES (:org, :user, 'owner', :at)"),
                {"org": int(scope), "user": user_id, "at": granted_at})
    bind.execute(sa.text("DELETE FROM user_roles WHERE role = 'organiser'"))


def downgrade() -> None:
    bind = op.get_bind()
    for org_id, user_id, joined_at in bind.execute(sa.text(
            "SELECT organisation_id, user_id, joined_at FROM organisation_members")).all():
        bind.execute(sa.text(
            "INSERT INTO user_roles (user_id, role, scope, granted_at) "
            "VALUES (:user, 'organiser', :scope, :at)"),
            {"user": user_id, "scope": str(org_id), "at": joined_at})
    with op.batch_alter_table('initiatives', schema=None) as batch_op:
        batch_op.drop_index(op.f('ix_initiatives_organisation_id'))
        batch_op.drop_constraint(op.f('fk_initiatives_organisation_id_organisations'),
                                 type_='foreignkey')
        batch_op.drop_column('organisation_id')
    op.drop_table('organisation_follows')
    op.drop_table('organisation_invitations')
    op.drop_table('organisation_members')
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_index(op.f('ix_organisations_status'))
        batch_op.drop_constraint(op.f('fk_organisations_logo_photo_id_photos'),
                                 type_='foreignkey')
        for column in ('verified_at', 'status', 'logo_photo_id', 'website', 'public_contact',
                       'categories', 'areas', 'description', 'kind'):
            batch_op.drop_column(column)
