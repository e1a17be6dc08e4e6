"""What every part of the repository stands on: the connection, its round trips, and
writes batched into one trip to the driver.

The parts (accounts, orders, proposals, effects, views) are mixins over this base, so they
share one connection, one `row_locks` flag and one batch.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection


class RepositoryBase:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        # SQLite transactions begin IMMEDIATE and so already hold the only write lock:
        # row locks would be round trips that change nothing.
        self.row_locks = connection.dialect.name != "sqlite"
        self._batch: list[tuple[str, Any]] | None = None

    def _run(self, statement: Any, params: Any = None) -> Any:
        return self.connection.execute(statement, params)

    @contextmanager
    def batched(self) -> Iterator[None]:
        """Writes made inside are sent straight to the driver when the block ends: on
        PostgreSQL in one round trip (a psycopg pipeline), on SQLite without SQLAlchemy's
        per-statement bookkeeping. For writes whose results nobody reads (the effects of a
        confirmation): the client's time per statement is what bounds throughput."""
        if self._batch is not None:
            yield
            return
        self._batch = []
        try:
            yield
            batch, self._batch = self._batch, None
            raw: Any = self.connection.connection.driver_connection
            if self.row_locks:
                with raw.pipeline(), raw.cursor() as cursor:
                    for sql, params in batch:
                        cursor.execute(sql, params)
            else:
                cursor = raw.cursor()
                try:
                    for sql, params in batch:
                        cursor.execute(sql, params)
                finally:
                    cursor.close()
        finally:
            self._batch = None

    def _write(self, statement: Any, params: dict[str, Any] | list[dict[str, Any]]) -> None:
        if self._batch is None:
            self._run(statement, params)
            return
        for row in params if isinstance(params, list) else [params]:
            sql, processors, order = _compiled(statement, self.connection.dialect,
                                               tuple(sorted(row)))
            bound = {k: processors[k](v) if k in processors else v for k, v in row.items()}
            self._batch.append((sql, tuple(bound[k] for k in order) if order else bound))

    def _scalar(self, statement: Any) -> Any:
        return self.connection.execute(statement).scalar()


Compiled = tuple[str, dict[str, Any], tuple[str, ...] | None]
_COMPILED: dict[tuple[Any, str, tuple[str, ...]], Compiled] = {}


def _compiled(statement: Any, dialect: Any, keys: tuple[str, ...]) -> Compiled:
    """A prebuilt statement as driver SQL for the given parameter names, compiled once:
    the SQL, the type conversions of its parameters, and their order if positional."""
    cache_key = (statement, dialect.name, keys)
    if cache_key not in _COMPILED:
        compiled = statement.compile(dialect=dialect, column_keys=list(keys))
        # Nobody reads a batched write's result; skip the generated-key RETURNING.
        sql = str(compiled).split(" RETURNING ")[0]
        order = tuple(compiled.positiontup) if compiled.positional else None
        _COMPILED[cache_key] = (sql, dict(compiled._bind_processors), order)
    return _COMPILED[cache_key]
