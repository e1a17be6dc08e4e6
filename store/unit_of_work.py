"""The transaction boundary. Rolls back unless the service commits explicitly."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType

from opentelemetry.trace import INVALID_SPAN, Span
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from store.domain.errors import StoreUnavailable
from store.domain.model import utc
from store.sql.engine import reads_without_transaction
from store.sql.repository import SqlRepository
from store.sql.threads import ThreadStates
from store.telemetry import end_span, start_span

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


class UnitOfWork:
    """`with uow: ...; uow.commit()`. One connection, one transaction per `with` block.

    A plain Core connection rather than an ORM session: the repository maps rows to
    domain values itself, and skipping the session keeps a transaction cheap."""

    repo: SqlRepository
    threads: ThreadStates

    def __init__(self, engine: Engine, clock: Clock = system_clock) -> None:
        self.engine = engine
        self.clock = clock
        self._connection: Connection | None = None
        self._span: Span = INVALID_SPAN
        self._reading = False

    def reading(self) -> UnitOfWork:
        """`with uow.reading(): ...` for a read of one statement, or of several that need no
        common snapshot: on PostgreSQL it runs without BEGIN and ROLLBACK, two round trips
        of three (`reads_without_transaction`). Nothing in it can be committed."""
        self._reading = True
        return self

    def now(self) -> datetime:
        # Stored timestamps are UTC; a clock in another zone must not shift them.
        return utc(self.clock())

    def __enter__(self) -> UnitOfWork:
        if self._connection is not None:
            raise RuntimeError("unit of work is already in use (not re-entrant)")
        # Not made current: nothing inside a transaction starts a span of its own.
        self._span = start_span("rescind.store.transaction",
                                {"db.system.name": self.engine.dialect.name})
        try:
            self._connection = self.engine.connect()
            if not (self._reading and reads_without_transaction(self._connection)):
                self._connection.begin()
        except (OperationalError, DBAPIError) as e:
            self._reading = False
            if self._connection is not None:
                self._connection.close()
                self._connection = None
            end_span(self._span, e)
            raise StoreUnavailable() from e
        self.repo = SqlRepository(self._connection)
        self.threads = ThreadStates(self._connection)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        connection, self._connection = self._connection, None
        self._reading = False
        assert connection is not None
        try:
            connection.rollback()
        except DBAPIError:
            pass  # the connection is gone; the transaction died with it
        finally:
            connection.close()
            end_span(self._span, exc)
        # A dropped database is an operational fault, not a bug: report it in domain terms
        # so every edge shows the same clear message and nothing half-written survives.
        if isinstance(exc, OperationalError | DBAPIError) and _is_connection_fault(exc):
            raise StoreUnavailable() from exc

    def commit(self, *, durable: bool = True) -> None:
        """`durable=False` for what can be lost in a crash without harm (a read's audit row,
        a proposal the user can ask for again): PostgreSQL then skips waiting for the disk.
        Confirmed changes always wait (P8, P9)."""
        assert self._connection is not None
        if self._reading:
            raise RuntimeError("a unit of work opened for reading commits nothing")
        if not durable and self._connection.dialect.name == "postgresql":
            self._connection.exec_driver_sql("SET LOCAL synchronous_commit = off")
        self._connection.commit()
        self._span.set_attribute("rescind.committed", "durable" if durable else "lazy")


def _is_connection_fault(exc: DBAPIError) -> bool:
    return bool(getattr(exc, "connection_invalidated", False)) or isinstance(
        exc, OperationalError
    )
