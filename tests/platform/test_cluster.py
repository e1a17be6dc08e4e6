"""Several processes on one database: migrations run once under a lock, the connection
pool is shared out to fit max_connections, and HAProxy's configuration is valid and
sticky."""

from __future__ import annotations

import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from assistant.cluster import COOKIE, haproxy_config, pool_budget
from store.db import open_store
from store.sql.engine import make_engine
from tests.support import throwaway_database


@pytest.mark.postgres
def test_processes_migrating_a_fresh_database_at_once_all_succeed_and_migrate_once() -> None:
    with throwaway_database("rescind_scale_migrate") as url:
        failures: list[BaseException] = []

        def migrate() -> None:
            try:
                open_store(url).engine.dispose()  # each its own engine, as processes have
            except BaseException as e:
                failures.append(e)

        runners = [threading.Thread(target=migrate, daemon=True) for _ in range(4)]
        for r in runners:
            r.start()
        for r in runners:
            r.join(120)  # unlocked, concurrent migrations fail or deadlock on their DDL
        assert not any(r.is_alive() for r in runners)
        assert failures == []
        engine = make_engine(url)
        with engine.connect() as conn:
            heads = conn.execute(text("SELECT version_num FROM alembic_version")).all()
            assert len(heads) == 1
            assert conn.execute(text("SELECT count(*) FROM chat_sessions")).scalar_one() == 0
        engine.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("processes", [1, 2, 4, 8])
def test_the_pool_budget_fits_every_process_into_max_connections(
    pg_engine: Engine, processes: int,
) -> None:
    with pg_engine.connect() as conn:
        limit = int(conn.execute(text("SHOW max_connections")).scalar_one())
        reserved = int(conn.execute(text("SHOW superuser_reserved_connections")).scalar_one())
    pool, overflow = pool_budget(pg_engine, processes)
    assert pool >= 1
    assert (pool + overflow) * processes <= limit - reserved
    capped = pool_budget(pg_engine, processes, budget=40)
    assert sum(capped) * processes <= 40


def test_the_proxy_configuration_is_valid_sticky_and_names_every_process(
    tmp_path: Path,
) -> None:
    config = haproxy_config(8000, [8101, 8102, 8103])
    assert f"cookie {COOKIE} insert" in config and "option redispatch" in config
    assert "timeout tunnel" in config  # websockets stay open
    for i, port in enumerate([8101, 8102, 8103]):
        assert f"server app{i} 127.0.0.1:{port} check" in config
        assert f"cookie app{i}" in config
    path = tmp_path / "haproxy.cfg"
    path.write_text(config)
    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"  # make haproxy installs it
    checked = subprocess.run([haproxy, "-c", "-f", str(path)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
