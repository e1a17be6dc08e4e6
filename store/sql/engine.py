"""Engines for SQLite (the zero-set-up default) and PostgreSQL (`DATABASE_URL`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.pool import StaticPool

from store.settings import ServingSettings


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url, **kwargs)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # No pre-ping: it costs a round trip per transaction. A connection that died is
    # invalidated on first use, the unit of work reports StoreUnavailable, the next one works.
    # Each process's share of the server's connections (RESCIND_DB_POOL + _OVERFLOW):
    # `make serve` sets them so K processes fit max_connections.
    serving = ServingSettings.load()
    kwargs.setdefault("pool_size", serving.db_pool)
    kwargs.setdefault("max_overflow", serving.db_overflow)
    return create_engine(url, **kwargs)


def reads_without_transaction(conn: Connection) -> bool:
    """On PostgreSQL, run each statement on `conn` as its own transaction: no BEGIN and
    ROLLBACK round trips around a read. Its default isolation, READ COMMITTED, gives every
    statement of a transaction a snapshot of its own anyway, so reads see nothing different.
    Elsewhere (SQLite, where a transaction does hold one snapshot) nothing changes: False."""
    if conn.dialect.name != "postgresql":
        return False
    conn.execution_options(isolation_level="AUTOCOMMIT")
    return True


def _sqlite_engine(url: str, **kwargs: Any) -> Engine:
    memory = url in ("sqlite://", "sqlite:///:memory:")
    connect_args = {"check_same_thread": False, "timeout": 30}
    if memory:
        # One shared connection: an in-memory database exists only inside its connection.
        kwargs.setdefault("poolclass", StaticPool)
    engine = create_engine(url, connect_args=connect_args, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin, so that
        # the BEGIN below is the one that takes effect.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE takes the write lock up front: two confirmations of one proposal then
        # run one after the other instead of both reading "pending" (P11).
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
