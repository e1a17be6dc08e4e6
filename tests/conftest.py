"""Fixtures: a settable clock and a `store` on every backend the product supports.

`store` runs each test on in-memory SQLite (`memory_store`, the evals' store), on a SQLite
file migrated by Alembic, and on PostgreSQL (marked `postgres`). PostgreSQL gets one
throwaway database per test session (per xdist worker), created on the `test` database's
server, migrated with `open_store` (Alembic) and dropped at the end; tests are isolated by
emptying every table before each one. PostgreSQL tests never skip: if the server is down
they fail, which is what CI must see.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from store.db import Store, memory_store, open_store
from store.seed import load_world
from store.settings import ENV_FILE_VARIABLE
from store.sql.engine import make_engine
from tests.support import FixedClock, clear, standard_world, throwaway_database

# A developer's own .env must not change what the tests see (subprocesses included); the
# tests of .env name their own file. The app's INFO records (a line per turn) would only
# fill pytest's captured output: warnings only, unless the run asks for more.
os.environ[ENV_FILE_VARIABLE] = ""
os.environ.setdefault("RESCIND_LOG_LEVEL", "WARNING")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this session, migrated to head by Alembic."""
    with throwaway_database() as url:
        store = open_store(url)  # runs the migrations
        store.engine.dispose()
        yield url


@pytest.fixture(scope="session")
def pg_engine(pg_url: str) -> Iterator[Engine]:
    engine = make_engine(pg_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One Alembic-migrated SQLite file; each test gets its own copy."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    store = open_store(f"sqlite:///{path}")
    store.engine.dispose()  # checkpoints the WAL into the file
    return path


def _sqlite_file_store(template: Path, directory: Path, clock: FixedClock) -> Store:
    path = directory / "rescind.db"
    shutil.copyfile(template, path)
    return open_store(f"sqlite:///{path}", clock, migrate=False)


@pytest.fixture
def pg_store(pg_engine: Engine, clock: FixedClock) -> Store:
    clear(pg_engine)
    return Store(pg_engine, clock)


@pytest.fixture
def sqlite_file_store(
    sqlite_template: Path, tmp_path: Path, clock: FixedClock
) -> Iterator[Store]:
    store = _sqlite_file_store(sqlite_template, tmp_path, clock)
    yield store
    store.engine.dispose()


@pytest.fixture(
    params=[
        "sqlite-memory",
        "sqlite-file",
        pytest.param("postgres", marks=pytest.mark.postgres),
    ]
)
def store(request: pytest.FixtureRequest, clock: FixedClock) -> Iterator[Store]:
    """An empty store on each backend, on the test's clock."""
    backend: str = request.param
    if backend == "sqlite-memory":
        mem = memory_store(clock)
        yield mem
        mem.engine.dispose()
    elif backend == "sqlite-file":
        yield request.getfixturevalue("sqlite_file_store")
    else:
        yield request.getfixturevalue("pg_store")


@pytest.fixture
def shop(store: Store) -> Store:
    """The store with the standard world loaded."""
    load_world(store.uow(), standard_world())
    return store


@pytest.fixture(params=["sqlite-file", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared_store(request: pytest.FixtureRequest) -> Store:
    """A store that many threads can share (each with its own UnitOfWork): a SQLite file or
    PostgreSQL, never the single-connection in-memory database."""
    name = "sqlite_file_store" if request.param == "sqlite-file" else "pg_store"
    found: Store = request.getfixturevalue(name)
    return found
