"""chat tables: Chainlit conversation history (users, threads, steps, elements, feedback)

The tables are defined in store/sql/chat_orm.py; only assistant/datalayer.py uses them.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 06:59:43.706032
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('chat_feedbacks',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('for_id', sa.String(length=64), nullable=False),
    sa.Column('thread_id', sa.String(length=64), nullable=True),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_feedbacks'))
    )
    with op.batch_alter_table('chat_feedbacks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chat_feedbacks_for_id'), ['for_id'], unique=False)

    op.create_table('chat_users',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('identifier', sa.String(length=254), nullable=False),
    sa.Column('metadata', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_users')),
    sa.UniqueConstraint('identifier', name=op.f('uq_chat_users_identifier'))
    )
    op.create_table('chat_threads',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=True),
    sa.Column('user_identifier', sa.String(length=254), nullable=True),
    sa.Column('name', sa.String(length=255), nullable=True),
    sa.Column('tags', sa.JSON(), nullable=True),
    sa.Column('metadata', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['chat_users.id'], name=op.f('fk_chat_threads_user_id_chat_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_threads'))
    )
    with op.batch_alter_table('chat_threads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chat_threads_updated_at'), ['updated_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_chat_threads_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_chat_threads_user_identifier'), ['user_identifier'], unique=False)

    op.create_table('chat_elements',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('thread_id', sa.String(length=64), nullable=True),
    sa.Column('for_id', sa.String(length=64), nullable=True),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('display', sa.String(length=20), nullable=True),
    sa.Column('size', sa.String(length=20), nullable=True),
    sa.Column('language', sa.String(length=40), nullable=True),
    sa.Column('page', sa.Integer(), nullable=True),
    sa.Column('mime', sa.String(length=100), nullable=True),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('object_key', sa.String(length=500), nullable=True),
    sa.Column('chainlit_key', sa.String(length=64), nullable=True),
    sa.Column('props', sa.JSON(), nullable=True),
    sa.Column('auto_play', sa.Boolean(), nullable=True),
    sa.Column('player_config', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['thread_id'], ['chat_threads.id'], name=op.f('fk_chat_elements_thread_id_chat_threads')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_elements'))
    )
    with op.batch_alter_table('chat_elements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chat_elements_thread_id'), ['thread_id'], unique=False)

    op.create_table('chat_steps',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('thread_id', sa.String(length=64), nullable=False),
    sa.Column('parent_id', sa.String(length=64), nullable=True),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('input', sa.Text(), nullable=True),
    sa.Column('output', sa.Text(), nullable=True),
    sa.Column('metadata', sa.JSON(), nullable=True),
    sa.Column('tags', sa.JSON(), nullable=True),
    sa.Column('is_error', sa.Boolean(), nullable=True),
    sa.Column('streaming', sa.Boolean(), nullable=True),
    sa.Column('wait_for_answer', sa.Boolean(), nullable=True),
    sa.Column('show_input', sa.String(length=40), nullable=True),
    sa.Column('language', sa.String(length=40), nullable=True),
    sa.Column('generation', sa.JSON(), nullable=True),
    sa.Column('default_open', sa.Boolean(), nullable=True),
    sa.Column('auto_collapse', sa.Boolean(), nullable=True),
    sa.Column('command', sa.String(length=100), nullable=True),
    sa.Column('icon', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('end', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['thread_id'], ['chat_threads.id'], name=op.f('fk_chat_steps_thread_id_chat_threads')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_steps'))
    )
    with op.batch_alter_table('chat_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chat_steps_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_chat_steps_thread_id'), ['thread_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('chat_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chat_steps_thread_id'))
        batch_op.drop_index(batch_op.f('ix_chat_steps_created_at'))

    op.drop_table('chat_steps')
    with op.batch_alter_table('chat_elements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chat_elements_thread_id'))

    op.drop_table('chat_elements')
    with op.batch_alter_table('chat_threads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chat_threads_user_identifier'))
        batch_op.drop_index(batch_op.f('ix_chat_threads_user_id'))
        batch_op.drop_index(batch_op.f('ix_chat_threads_updated_at'))

    op.drop_table('chat_threads')
    op.drop_table('chat_users')
    with op.batch_alter_table('chat_feedbacks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chat_feedbacks_for_id'))

    op.drop_table('chat_feedbacks')
