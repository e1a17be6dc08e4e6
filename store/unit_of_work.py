"""The transaction boundary. Rolls back unless the service commits explicitly."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from store.domain.errors import StoreUnavailable
from store.sql.repository import SqlRepository

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


class UnitOfWork:
    """`with uow: ...; uow.commit()`. One session, one transaction per `with` block."""

    repo: SqlRepository

    def __init__(self, engine: Engine, clock: Clock = system_clock) -> None:
        self.engine = engine
        self.clock = clock
        self._factory = sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)
        self._session: Session | None = None

    def now(self) -> datetime:
        return self.clock()

    def __enter__(self) -> UnitOfWork:
        if self._session is not None:
            raise RuntimeError("unit of work is already in use (not re-entrant)")
        self._session = self._factory()
        self.repo = SqlRepository(self._session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self._session, None
        assert session is not None
        try:
            session.rollback()
        except DBAPIError:
            pass  # the connection is gone; the transaction died with it
        finally:
            session.close()
        # A dropped database is an operational fault, not a bug: report it in domain terms
        # so every edge shows the same clear message and nothing half-written survives.
        if isinstance(exc, OperationalError | DBAPIError) and _is_connection_fault(exc):
            raise StoreUnavailable() from exc

    def commit(self) -> None:
        assert self._session is not None
        self._session.commit()


def _is_connection_fault(exc: DBAPIError) -> bool:
    return bool(getattr(exc, "connection_invalidated", False)) or isinstance(
        exc, OperationalError
    )
