"""kpi figures: each month's KPI figures, kept for the console's dashboard

Revision ID: 0024
Revises: 0023
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'kpi_figures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('key', sa.String(length=48), nullable=False),
        sa.Column('group_name', sa.String(length=64), nullable=False),
        sa.Column('value', sa.Float(), nullable=True),
        sa.Column('numerator', sa.Integer(), nullable=True),
        sa.Column('denominator', sa.Integer(), nullable=True),
        sa.Column('people', sa.Boolean(), nullable=False),
        sa.Column('provisional', sa.Boolean(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_kpi_figures_month'), 'kpi_figures', ['month'])


def downgrade() -> None:
    op.drop_index(op.f('ix_kpi_figures_month'), table_name='kpi_figures')
    op.drop_table('kpi_figures')
