"""one head: the branches grown from 0001 meet here

Notifications and the outbox (0002, 0006, 0009), activities (0003), initiatives and ideas
(0004), supporters (0005) and photos (0008, 0010) each grew from 0001 on their own.

Revision ID: 0011
Revises: 0003, 0004, 0005, 0009, 0010
"""

from __future__ import annotations

revision = '0011'
down_revision = ('0003', '0004', '0005', '0009', '0010')
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
