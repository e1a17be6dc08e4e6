"""`make serve` / `python -m assistant.cluster`: K app processes behind HAProxy.

In order, before any user can arrive:

1. the settings are checked and one auth secret is settled (CHAINLIT_AUTH_SECRET, else the
   one kept in var/), handed to every process so a token signed by one is good on all;
2. the schema is migrated once, here, under PostgreSQL's advisory lock (`store.db.upgrade`):
   the processes start with RESCIND_MIGRATE=off, so no migration runs in a request;
3. the database's connections are shared out: (max_connections - reserved - headroom) / K
   per process, as RESCIND_DB_POOL + RESCIND_DB_OVERFLOW;
4. K processes (`rescind serve`) listen on 127.0.0.1:BASE+i, and HAProxy (Debian's
   package) on --port, with sticky sessions by cookie (Chainlit keeps a browser's session
   in one process's memory), websockets, health checks, and `redispatch`: when a process
   dies its users' next request goes to a live one, where they reconnect and resume.

A process that exits is started again after a second; Ctrl-C stops everything.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import Engine

from store.db import DEFAULT_SQLITE, open_failure, open_store
from store.settings import live_auth_secret
from store.startup import start

COOKIE = "RESCIND_NODE"
HEADROOM = 10  # connections left for the mailer, `rescind` commands, psql, monitoring
MAX_PER_PROCESS = 30


def pool_budget(engine: Engine, processes: int, budget: int | None = None) -> tuple[int, int]:
    """(pool, overflow) per process so that `processes` of them fit the server's limit, or
    the `budget` of connections given (a server shared with other applications)."""
    if engine.dialect.name != "postgresql":
        return 5, 10
    with engine.connect() as conn:
        limit = int(conn.exec_driver_sql("SHOW max_connections").scalar_one())
        reserved = int(conn.exec_driver_sql("SHOW superuser_reserved_connections")
                       .scalar_one())
    usable = limit - reserved - HEADROOM
    share = min(MAX_PER_PROCESS, min(budget or usable, usable) // processes)
    if share < 2:
        raise SystemExit(f"rescind cluster: {processes} processes don't fit the database's "
                         f"max_connections ({limit}); use fewer")
    pool = max(1, share // 3)
    return pool, share - pool


def haproxy_config(port: int, backends: Sequence[int], bind: str = "127.0.0.1") -> str:
    servers = "\n".join(
        f"    server app{i} 127.0.0.1:{p} check inter 1s fall 3 rise 2 cookie app{i}"
        for i, p in enumerate(backends))
    return f"""global
    maxconn 4000

defaults
    mode http
    option redispatch
    retries 2
    timeout connect 5s
    timeout client 120s
    timeout server 120s
    timeout tunnel 1h
    timeout http-request 10s
    # A process busy with hundreds of chats answers a check slowly; only one that doesn't
    # answer at all is taken out (a refused connection fails at once: a dead process
    # is out within about three seconds).
    timeout check 10s

frontend rescind
    bind {bind}:{port}
    option forwardfor
    default_backend apps

backend apps
    balance roundrobin
    cookie {COOKIE} insert indirect nocache httponly
    option httpchk GET /auth/config
    http-check expect status 200
{servers}
"""


def settle_secret() -> str:
    from assistant.ui import runtime  # the app's own rule: environment, else var/ file

    runtime.ensure_auth_secret()
    secret = live_auth_secret()
    assert secret is not None  # ensure_auth_secret has just set it
    return secret


class Cluster:
    def __init__(self, processes: int, port: int, base: int, env: dict[str, str],
                 directory: Path) -> None:
        self.ports = [base + i for i in range(processes)]
        self.port, self.env, self.directory = port, env, directory
        self.apps: dict[int, subprocess.Popen[bytes]] = {}
        self.proxy: subprocess.Popen[bytes] | None = None

    def start_app(self, port: int) -> None:
        log = open(self.directory / f"app-{port}.log", "ab")  # noqa: SIM115 (the child's)
        self.apps[port] = subprocess.Popen(
            [sys.executable, "-m", "assistant", "serve", "--host", "127.0.0.1",
             "--port", str(port)], env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        (self.directory / f"app-{port}.pid").write_text(f"{self.apps[port].pid}\n")

    def start(self, bind: str) -> None:
        for port in self.ports:
            self.start_app(port)
        config = self.directory / "haproxy.cfg"
        config.write_text(haproxy_config(self.port, self.ports, bind))
        haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
        self.proxy = subprocess.Popen([haproxy, "-db", "-f", str(config)],
                                      start_new_session=True)

    def watch(self) -> None:
        """Start again any process that exited, until stopped."""
        while self.proxy is not None and self.proxy.poll() is None:
            for port, app in list(self.apps.items()):
                if app.poll() is not None:
                    print(f"rescind cluster: process on :{port} exited "
                          f"({app.returncode}); starting it again", file=sys.stderr)
                    time.sleep(1)
                    self.start_app(port)
            time.sleep(0.5)

    def stop(self) -> None:
        for child in [*self.apps.values(), *([self.proxy] if self.proxy else [])]:
            if child.poll() is None:
                child.terminate()
        for child in [*self.apps.values(), *([self.proxy] if self.proxy else [])]:
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the processes as Ctrl-C does


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m assistant.cluster",
                                description="K app processes behind HAProxy (make serve).")
    p.add_argument("--processes", "-k", type=int, default=2)
    p.add_argument("--port", type=int, default=8000, help="where HAProxy listens")
    p.add_argument("--host", default="127.0.0.1", help="the address HAProxy binds")
    p.add_argument("--base-port", type=int, default=8100, help="first app process's port")
    p.add_argument("--db-connections", type=int, help="connections all the processes may "
                   "use together (default: what max_connections leaves)")
    p.add_argument("--logs", type=Path, default=DEFAULT_SQLITE.parent / "cluster",
                   help="where the processes' logs, pid files and haproxy.cfg go")
    args = p.parse_args(argv)
    if args.processes < 1:
        p.error("--processes must be at least 1")
    start(default_log_level="INFO")
    secret = settle_secret()
    try:
        store = open_store()  # migrates, once, under the advisory lock
        pool, overflow = pool_budget(store.engine, args.processes, args.db_connections)
        store.engine.dispose()
    except SystemExit:
        raise
    except Exception as e:
        print(f"rescind cluster: {open_failure(e)}", file=sys.stderr)
        return 1
    env = {**os.environ, "CHAINLIT_AUTH_SECRET": secret, "RESCIND_MIGRATE": "off",
           "RESCIND_DB_POOL": str(pool), "RESCIND_DB_OVERFLOW": str(overflow),
           "FORWARDED_ALLOW_IPS": "127.0.0.1"}
    directory: Path = args.logs
    directory.mkdir(parents=True, exist_ok=True)
    cluster = Cluster(args.processes, args.port, args.base_port, env, directory)
    signal.signal(signal.SIGTERM, _interrupt)
    cluster.start(args.host)
    print(f"rescind cluster: {args.processes} processes (pool {pool}+{overflow} each) "
          f"behind HAProxy at http://{args.host}:{args.port}; logs in {directory}",
          file=sys.stderr)
    try:
        cluster.watch()
    except KeyboardInterrupt:
        pass
    finally:
        cluster.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
