"""chat sessions: the thread each browser session is on, so a reconnect to another process
continues it

Revision ID: 0006s
Revises: 0005
Create Date: 2026-11-26 17:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006s'
down_revision = '0006u'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('chat_sessions',
    sa.Column('session_id', sa.String(length=64), nullable=False),
    sa.Column('thread_id', sa.String(length=64), nullable=False),
    sa.Column('user_identifier', sa.String(length=254), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('session_id', name=op.f('pk_chat_sessions'))
    )


def downgrade() -> None:
    op.drop_table('chat_sessions')
