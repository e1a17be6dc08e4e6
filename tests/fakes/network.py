"""`loopback_only`: a test may open connections to this machine only.

Agent tests must never reach a model provider (or anything else off the machine); a stray
request fails the test at once instead of hanging on a timeout or, worse, succeeding.
Use it with `pytestmark = pytest.mark.usefixtures("loopback_only")` after importing it.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import pytest


class NetworkBlocked(RuntimeError):
    pass


def _is_loopback(address: Any) -> bool:
    if isinstance(address, str | bytes):  # a Unix socket path
        return True
    host = address[0] if isinstance(address, tuple) and address else ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> None:
        if not _is_loopback(address):
            raise NetworkBlocked(f"tests may not connect to {address!r}")
        real_connect(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in (None, "localhost") and not _is_loopback((host,)):
            raise NetworkBlocked(f"tests may not resolve {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    real_getaddrinfo = socket.getaddrinfo
    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield
