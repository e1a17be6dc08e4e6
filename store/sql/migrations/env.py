"""Alembic environment: runs on the engine the store hands over, or on DATABASE_URL."""

from __future__ import annotations

from alembic import context

from store.sql.orm import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        from store.db import database_url
        from store.sql.engine import make_engine

        engine = make_engine(database_url())
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run()
