"""Chat history tables (Chainlit users, threads, steps, elements, feedback).

They live in the store's metadata so one Alembic history and one `create_all` cover the
whole database, and a conversation is kept next to the orders it talks about (SQLite or
PostgreSQL alike). Only the chat history's modules (`assistant/ui/datalayer.py` and its
`history_*`, `ownership`, `reconnect`) read or write them; the domain never does.
Column names are our own snake_case: the data layer maps them to Chainlit's dictionaries.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.sql.orm import Base, table

UTCDateTime = DateTime(timezone=True)


class ChatUserRow(Base):
    __tablename__ = "chat_users"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # The account e-mail: the same identifier the store's Actor carries.
    identifier: Mapped[str] = mapped_column(String(254), unique=True)
    meta: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ChatThreadRow(Base):
    __tablename__ = "chat_threads"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Null only for the moment between a step racing ahead of the thread's first write;
    # an ownerless thread can be neither opened nor resumed by anyone.
    user_id: Mapped[str | None] = mapped_column(ForeignKey("chat_users.id"), index=True)
    user_identifier: Mapped[str | None] = mapped_column(String(254), index=True)
    name: Mapped[str | None] = mapped_column(String(255))
    tags: Mapped[list[str] | None] = mapped_column(JSON)
    meta: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Last activity: the history sidebar lists the most recently used thread first.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class ChatStepRow(Base):
    __tablename__ = "chat_steps"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    thread_id: Mapped[str] = mapped_column(ForeignKey("chat_threads.id"), index=True)
    parent_id: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(40))
    input: Mapped[str | None] = mapped_column(Text)
    output: Mapped[str | None] = mapped_column(Text)
    meta: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON)
    tags: Mapped[list[str] | None] = mapped_column(JSON)
    is_error: Mapped[bool | None] = mapped_column(Boolean)
    streaming: Mapped[bool | None] = mapped_column(Boolean)
    wait_for_answer: Mapped[bool | None] = mapped_column(Boolean)
    # Chainlit sends a bool or a language name ("json") here.
    show_input: Mapped[str | None] = mapped_column(String(40))
    language: Mapped[str | None] = mapped_column(String(40))
    generation: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    default_open: Mapped[bool | None] = mapped_column(Boolean)
    auto_collapse: Mapped[bool | None] = mapped_column(Boolean)
    command: Mapped[str | None] = mapped_column(String(100))
    icon: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ChatElementRow(Base):
    __tablename__ = "chat_elements"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    thread_id: Mapped[str | None] = mapped_column(ForeignKey("chat_threads.id"), index=True)
    for_id: Mapped[str | None] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(255))
    display: Mapped[str | None] = mapped_column(String(20))
    size: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str | None] = mapped_column(String(40))
    page: Mapped[int | None] = mapped_column(Integer)
    mime: Mapped[str | None] = mapped_column(String(100))
    url: Mapped[str | None] = mapped_column(Text)
    object_key: Mapped[str | None] = mapped_column(String(500))
    chainlit_key: Mapped[str | None] = mapped_column(String(64))
    props: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    auto_play: Mapped[bool | None] = mapped_column(Boolean)
    player_config: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class ChatFeedbackRow(Base):
    __tablename__ = "chat_feedbacks"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    for_id: Mapped[str] = mapped_column(String(64), index=True)
    thread_id: Mapped[str | None] = mapped_column(String(64))
    value: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)


class ChatSessionRow(Base):
    """Which thread a browser's Chainlit session is on. The browser keeps its session id
    when its socket reconnects; after its process died it lands on another one, which
    looks the thread up here and carries on in it (pending proposal, memory and all)."""

    __tablename__ = "chat_sessions"
    session_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    thread_id: Mapped[str] = mapped_column(String(64))
    user_identifier: Mapped[str] = mapped_column(String(254))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


# The tables for Core statements, one name each wherever the history is read or written.
USERS = table(ChatUserRow)
THREADS = table(ChatThreadRow)
STEPS = table(ChatStepRow)
ELEMENTS = table(ChatElementRow)
FEEDBACKS = table(ChatFeedbackRow)
SESSIONS = table(ChatSessionRow)
