"""GroupCommit: history writes ready together share a transaction; failures stay per write."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.exc import IntegrityError, OperationalError

from assistant.ui.history_batch import GroupCommit

WHO = contextvars.ContextVar("who", default="nobody")


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{tmp_path / 'h.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE rows (id TEXT PRIMARY KEY, who TEXT)"))
    return engine


async def in_thread(fn: Callable[[], Any]) -> Any:
    return await asyncio.to_thread(fn)


def insert(row_id: str) -> Callable[[Connection], str]:
    def write(conn: Connection) -> str:
        conn.execute(text("INSERT INTO rows VALUES (:id, :who)"), {"id": row_id,
                                                                   "who": WHO.get()})
        return row_id
    return write


def stored(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT id, who FROM rows")).all())  # type: ignore[arg-type]


def test_writes_made_together_land_in_fewer_transactions_than_writes(engine: Engine) -> None:
    commits = GroupCommit(engine, in_thread)

    async def main() -> list[str]:
        return list(await asyncio.gather(*(commits(insert(f"r{i}")) for i in range(50))))

    assert asyncio.run(main()) == [f"r{i}" for i in range(50)]
    assert len(stored(engine)) == 50
    assert commits.writes == 50
    assert commits.batches < 10


def test_a_bad_write_fails_alone_and_the_rest_of_its_batch_lands(engine: Engine) -> None:
    commits = GroupCommit(engine, in_thread)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO rows VALUES ('taken', 'x')"))

    async def main() -> list[Any]:
        return list(await asyncio.gather(commits(insert("a")), commits(insert("taken")),
                                         commits(insert("b")), return_exceptions=True))

    a, taken, b = asyncio.run(main())
    assert (a, b) == ("a", "b")
    assert isinstance(taken, IntegrityError)
    assert set(stored(engine)) == {"taken", "a", "b"}


def test_a_batch_that_fails_for_a_passing_reason_fails_every_write_for_its_retry(
        engine: Engine) -> None:
    calls: list[int] = []

    async def flaky(fn: Callable[[], Any]) -> Any:
        calls.append(1)
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    commits = GroupCommit(engine, flaky)

    async def main() -> list[Any]:
        return list(await asyncio.gather(commits(insert("a")), commits(insert("b")),
                                         return_exceptions=True))

    outcomes = asyncio.run(main())
    assert all(isinstance(o, OperationalError) for o in outcomes)
    assert len(calls) == 1  # not split up: the whole batch is tried again later
    assert stored(engine) == {}


def test_each_write_in_a_batch_runs_in_the_context_of_the_session_that_made_it(
        engine: Engine) -> None:
    commits = GroupCommit(engine, in_thread)

    async def as_(who: str, row_id: str) -> str:
        WHO.set(who)  # a task's own copy of the context, as each Chainlit session has
        return await commits(insert(row_id))

    async def main() -> None:
        await asyncio.gather(as_("ann", "a1"), as_("bob", "b1"), as_("ann", "a2"))

    asyncio.run(main())
    assert stored(engine) == {"a1": "ann", "b1": "bob", "a2": "ann"}
    assert commits.batches == 1


def test_when_the_pool_itself_fails_every_write_of_the_batch_gets_the_error(
        engine: Engine) -> None:
    async def broken(fn: Callable[[], Any]) -> Any:
        raise RuntimeError("cannot schedule new futures after shutdown")

    commits = GroupCommit(engine, broken)

    async def main() -> list[Any]:
        return list(await asyncio.wait_for(asyncio.gather(
            commits(insert("a")), commits(insert("b")), return_exceptions=True), 5))

    assert all(isinstance(o, RuntimeError) for o in asyncio.run(main()))
