"""read-aloud: a person's setting (NULL: never asked: on in simple mode) and the spoken
answers, cached by content and voice

Revision ID: 0027
Revises: 0026
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('read_aloud', sa.Boolean(), nullable=True))
    op.create_table(
        'speech_clips',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('voice', sa.String(length=40), nullable=False),
        sa.Column('text', sa.Text(), nullable=True),
        sa.Column('audio', sa.LargeBinary(), nullable=True),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('duration_ms', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=43), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key'),
        sa.UniqueConstraint('token'),
    )
    op.create_index('ix_speech_clips_used_at', 'speech_clips', ['used_at'])


def downgrade() -> None:
    op.drop_index('ix_speech_clips_used_at', table_name='speech_clips')
    op.drop_table('speech_clips')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('read_aloud')
