"""conversation states: a chat thread's pending proposal, dialogue state and memory

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 16:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('conversation_states',
    sa.Column('thread_id', sa.String(length=64), nullable=False),
    sa.Column('actor_kind', sa.String(length=10), nullable=False),
    sa.Column('actor_email', sa.String(length=254), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('thread_id', name=op.f('pk_conversation_states'))
    )


def downgrade() -> None:
    op.drop_table('conversation_states')
