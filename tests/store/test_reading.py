"""`uow.reading()`: a read with no BEGIN/ROLLBACK round trips on PostgreSQL, that can't
commit, and sees what others committed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from store import sessions
from store.db import Store
from tests.support import ANA


def test_a_unit_of_work_opened_for_reading_commits_nothing(store: Store) -> None:
    uow = store.uow()
    with pytest.raises(RuntimeError, match="commits nothing"), uow.reading():
        uow.commit()
    with uow:  # and the next use of it is an ordinary transaction again
        uow.repo.connection.execute(text("SELECT 1"))
        uow.commit()


def test_a_read_sees_what_other_units_of_work_just_committed(shop: Store) -> None:
    session_id = sessions.open_session(shop.uow(), ANA.email, "header", "127.0.0.1",
                                       timedelta(hours=1))
    live = sessions.live_session(shop.uow(), session_id)
    assert live is not None and live.email == ANA.email
    assert sessions.end_session(shop.uow(), session_id, "signed_out")
    assert sessions.live_session(shop.uow(), session_id) is None


@pytest.mark.postgres
def test_on_postgresql_a_read_runs_without_a_transaction_block(pg_store: Store) -> None:
    # In autocommit each statement is its own transaction, so its start is the statement's;
    # inside BEGIN ... the transaction started a round trip earlier.
    def same_start(uow_reading: bool) -> bool:
        uow = pg_store.uow()
        with uow.reading() if uow_reading else uow:
            return bool(uow.repo.connection.execute(
                text("SELECT now() = statement_timestamp()")).scalar())

    assert same_start(True)
    assert not same_start(False)
