"""Opening the store: engine from `DATABASE_URL` (SQLite file by default), schema via Alembic."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, MetaData

from store.settings import DatabaseSettings
from store.sql.engine import make_engine
from store.sql.orm import Base
from store.unit_of_work import Clock, UnitOfWork, system_clock

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE = ROOT / "var" / "rescind.db"
MIGRATIONS = Path(__file__).resolve().parent / "sql" / "migrations"


def database_url() -> str:
    url = DatabaseSettings.load().url
    if url:
        return url
    DEFAULT_SQLITE.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DEFAULT_SQLITE}"


def where(url: str | None = None) -> str:
    """The database's address for messages: no user name or password."""
    url = url or database_url()
    return url.split("@")[-1] if "@" in url else url


def open_failure(error: Exception, url: str | None = None) -> str:
    """What to tell an operator when `open_store` failed: where, why, and what helps."""
    reason = (str(getattr(error, "orig", None) or error).strip().splitlines() or ["?"])[0]
    return (f"the database at {where(url)} could not be opened or brought to the latest "
            f"schema: {reason}. (If it is reachable but its schema can't be migrated, "
            "`rescind seed --reset` rebuilds it, deleting its data.)")


@dataclass
class Store:
    engine: Engine
    clock: Clock = system_clock

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.engine, self.clock)


def open_store(
    url: str | None = None, clock: Clock = system_clock, *, migrate: bool = True
) -> Store:
    engine = make_engine(url or database_url())
    if migrate:
        upgrade(engine)
    return Store(engine, clock)


def memory_store(clock: Clock = system_clock) -> Store:
    """A fresh private store (evals, tests): the mapped schema, no migration history."""
    engine = make_engine("sqlite://")
    Base.metadata.create_all(engine)
    return Store(engine, clock)


def alembic_config(engine: Engine | None = None):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


# Any constant shared by every process: the key of the PostgreSQL advisory lock that lets
# one migration run at a time (concurrent `alembic upgrade`s raced into UniqueViolations).
MIGRATION_LOCK = 0x52455343  # "RESC"


def upgrade(engine: Engine) -> None:
    """Bring the schema to head. On PostgreSQL under an advisory lock held on a connection
    of its own: a second process waits, then finds the schema at head and does nothing."""
    from alembic import command

    if engine.dialect.name != "postgresql":
        command.upgrade(alembic_config(engine), "head")
        return
    with engine.connect() as lock:
        lock.exec_driver_sql(f"SELECT pg_advisory_lock({MIGRATION_LOCK})")
        try:
            command.upgrade(alembic_config(engine), "head")
        finally:
            lock.exec_driver_sql(f"SELECT pg_advisory_unlock({MIGRATION_LOCK})")
            lock.commit()


def rebuild(engine: Engine) -> None:
    """Drop every table the database holds, Alembic's own included, then migrate to head.

    The tables are read from the database, not from the mapped schema: a database left
    behind by an older or newer revision (or half-built by a failed run) has tables the
    mapping doesn't know, and any one left over makes the first migration fail."""
    with engine.begin() as conn:
        found = MetaData()
        found.reflect(conn)
        found.drop_all(conn)
    upgrade(engine)
