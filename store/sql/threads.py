"""Conversation state rows: one per chat thread, read and written whole."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, select
from sqlalchemy.dialects import postgresql, sqlite

from store.sql.orm import ConversationStateRow

_TABLE = cast(Table, ConversationStateRow.__table__)


class ThreadStates:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def get(self, thread_id: str) -> tuple[str, str, dict[str, Any]] | None:
        row = self.connection.execute(
            select(_TABLE.c.actor_kind, _TABLE.c.actor_email, _TABLE.c.data)
            .where(_TABLE.c.thread_id == thread_id)
        ).first()
        return (row.actor_kind, row.actor_email, dict(row.data)) if row else None

    def put(self, thread_id: str, actor_kind: str, actor_email: str, data: dict[str, Any],
            at: datetime) -> bool:
        """Insert or replace the thread's state; False if the thread is another actor's."""
        values = dict(thread_id=thread_id, actor_kind=actor_kind, actor_email=actor_email,
                      data=data, updated_at=at)
        dialect = self.connection.dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(_TABLE).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=[_TABLE.c.thread_id],
            set_={"data": statement.excluded.data, "updated_at": statement.excluded.updated_at},
            where=(_TABLE.c.actor_kind == actor_kind) & (_TABLE.c.actor_email == actor_email),
        )
        return bool(self.connection.execute(statement).rowcount)
