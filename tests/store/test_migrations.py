"""Alembic's head is exactly the mapped schema, on a fresh SQLite file and a fresh PostgreSQL
database: `compare_metadata` finds nothing to migrate."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from store.db import open_store
from store.sql.orm import Base
from tests.support import throwaway_database


def schema_diff(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def check_head(url: str) -> None:
    store = open_store(url)
    try:
        assert schema_diff(store.engine) == []
        tables = set(inspect(store.engine).get_table_names())
        assert tables == set(Base.metadata.tables) | {"alembic_version"}
        with store.engine.connect() as conn:
            assert MigrationContext.configure(conn).get_current_revision() is not None
        open_store(url).engine.dispose()  # upgrading again is a no-op
    finally:
        store.engine.dispose()


def test_alembic_head_matches_the_mapped_schema_on_a_fresh_sqlite_file(tmp_path: Path) -> None:
    check_head(f"sqlite:///{tmp_path / 'fresh.db'}")


@pytest.mark.postgres
def test_alembic_head_matches_the_mapped_schema_on_a_fresh_postgresql_database() -> None:
    with throwaway_database("rescind_migrate") as url:
        check_head(url)
