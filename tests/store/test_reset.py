"""`rescind seed --reset` as an operator runs it: twice in a row on a migrated database, then
the store serves (a lookup, a proposal and its confirmation); on a SQLite file and on
PostgreSQL, and on a database a failed run left without Alembic's record of its tables."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from store import services
from store.db import open_store
from store.domain.model import Actor, ProposalKind, Reason
from store.sql.orm import Base
from tests.store.test_migrations import schema_diff
from tests.support import RESCIND, throwaway_database

ROOT = Path(__file__).resolve().parents[2]
ANA = Actor("customer", "ana@example.com")


def rescind(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run(
        [RESCIND, *args], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=120, check=False,
    )


def reset_twice_then_serve(url: str) -> None:
    first = rescind(url, "seed")
    assert first.returncode == 0, first.stderr
    for _ in range(2):
        again = rescind(url, "seed", "--reset")
        assert again.returncode == 0, again.stderr
        assert "demo world loaded" in again.stdout
    assert_serves(url)


def assert_serves(url: str) -> None:
    """The schema is Alembic's head, and the demo world answers a lookup and takes a write."""
    store = open_store(url)
    try:
        assert schema_diff(store.engine) == []
        assert set(inspect(store.engine).get_table_names()) == \
            set(Base.metadata.tables) | {"alembic_version"}
        order = services.lookup_order(store.uow(), ANA, "112-0000001").as_dict()
        assert [i["id"] for i in order["items"]] == ["A1", "A2"]
        proposed = services.propose(store.uow(), ANA, ProposalKind.CANCEL, "112-0000001",
                                    ["A1"], Reason.NO_LONGER_NEEDED).as_dict()
        outcome = services.confirm(store.uow(), ANA, proposed["proposal"]["proposal_id"])
        assert outcome.done == ("A1",)
    finally:
        store.engine.dispose()


@pytest.fixture
def pg_database() -> Iterator[str]:
    with throwaway_database("rescind_reset") as url:
        yield url


def test_seed_reset_twice_in_a_row_on_a_migrated_sqlite_file_leaves_a_store_that_serves(
    tmp_path: Path,
) -> None:
    reset_twice_then_serve(f"sqlite:///{tmp_path / 'rescind.db'}")


@pytest.mark.postgres
def test_seed_reset_twice_in_a_row_on_postgresql_leaves_a_store_that_serves(
    pg_database: str,
) -> None:
    reset_twice_then_serve(pg_database)


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_seed_reset_repairs_a_database_whose_tables_lost_their_migration_record(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest,
) -> None:
    url = (f"sqlite:///{tmp_path / 'rescind.db'}" if backend == "sqlite"
           else request.getfixturevalue("pg_database"))
    assert rescind(url, "seed").returncode == 0
    store = open_store(url, migrate=False)
    with store.engine.begin() as conn:  # what the old reset left behind
        conn.execute(text("DROP TABLE alembic_version"))
        conn.execute(text("CREATE TABLE notes_from_another_revision (id INTEGER PRIMARY KEY)"))
    store.engine.dispose()
    broken = rescind(url, "migrate")
    assert broken.returncode != 0  # the state the bug left: nothing can migrate it

    repaired = rescind(url, "seed", "--reset")

    assert repaired.returncode == 0, repaired.stderr
    assert rescind(url, "migrate").returncode == 0
    assert_serves(url)
    store = open_store(url, migrate=False)
    try:
        with store.engine.connect() as conn:
            assert MigrationContext.configure(conn).get_current_revision() is not None
    finally:
        store.engine.dispose()
