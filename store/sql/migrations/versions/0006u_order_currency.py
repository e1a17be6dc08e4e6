"""order currency: each order's ISO 4217 code; NULL means the shop's default (RESCIND_CURRENCY)

Revision ID: 0006u
Revises: 0005
Create Date: 2026-11-26 17:45:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006u'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: existing orders were taken in the shop's one currency, which is a setting,
    # not something a migration should guess.
    with op.batch_alter_table('orders') as batch:
        batch.add_column(sa.Column('currency', sa.String(length=3), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('orders') as batch:
        batch.drop_column('currency')
