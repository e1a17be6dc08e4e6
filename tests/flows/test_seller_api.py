"""The sellers' HTTP API on the running app: per-seller keys, pending requests, idempotent
answers, and clear JSON errors (401/403/404/409/422), never a 500."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from store import sellers, services
from store.domain.model import Actor, ProposalKind
from tests.app_server import AppServer, running_app
from tests.support import rows, status

ANA = Actor("customer", "ana@example.com")
PREFIX = "/api/seller/v1"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    directory = tmp_path_factory.mktemp("seller-api")
    with running_app(directory, RESCIND_MAILDIR=str(directory / "mail")) as server:
        store = server.store()
        for order, item in (("112-0000003", "A5"), ("112-0000001", "A2")):
            result = services.propose(store.uow(), ANA, ProposalKind.SELLER_REQUEST, order,
                                      [item], "no_longer_needed")
            assert result.proposal is not None
            services.confirm(store.uow(), ANA, result.proposal.id)
        yield server


def key_for(app: AppServer, email: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {sellers.issue_key(app.store().uow(), email)}"}


def test_requests_without_a_valid_key_are_401_with_a_json_reason(app: AppServer) -> None:
    for headers in ({}, {"Authorization": "Bearer rsk_nope"}, {"X-API-Key": "garbage"}):
        r = httpx.get(f"{app.url}{PREFIX}/requests", headers=headers)
        assert r.status_code == 401 and r.json()["code"] == "unauthorized"
    r = httpx.post(f"{app.url}{PREFIX}/requests/A5", json={"decision": "approve"})
    assert r.status_code == 401
    assert status(app.store(), "A5") == "unshipped"


def test_a_seller_lists_only_their_own_pending_requests(app: AppServer) -> None:
    r = httpx.get(f"{app.url}{PREFIX}/requests", headers=key_for(app, "lumen@sellers.example"))
    assert r.status_code == 200
    assert [(q["item_id"], q["order_id"], q["amount"]) for q in r.json()["requests"]] == [
        ("A5", "112-0000003", "34.00")]
    other = httpx.get(f"{app.url}{PREFIX}/requests",
                      headers={"X-API-Key": sellers.issue_key(app.store().uow(),
                                                              "cable@sellers.example")})
    assert [q["item_id"] for q in other.json()["requests"]] == ["A2"]


def test_answers_are_idempotent_and_errors_are_clear(app: AppServer) -> None:
    lumen = key_for(app, "lumen@sellers.example")
    url = f"{app.url}{PREFIX}/requests"
    bad = httpx.post(f"{url}/A5", headers=lumen, json={"decision": "maybe"})
    assert bad.status_code == 422 and "approve" in bad.json()["message"]
    assert httpx.post(f"{url}/A5", headers=lumen, content=b"{not json").status_code == 422
    assert httpx.post(f"{url}/A2", headers=lumen, json={"decision": "approve"}).status_code \
        == 403  # Cable Co's request
    assert httpx.post(f"{url}/A1", headers=lumen, json={"decision": "deny"}).status_code == 404

    first = httpx.post(f"{url}/A5", headers=lumen, json={"decision": "approve"})
    assert first.status_code == 200 and first.json()["code"] == "done"
    assert first.json()["refund"] == "34.00" and status(app.store(), "A5") == "cancelled"
    again = httpx.post(f"{url}/A5", headers=lumen, json={"decision": "approve"})
    assert again.status_code == 200 and again.json()["code"] == "already"
    other = httpx.post(f"{url}/A5", headers=lumen, json={"decision": "deny"})
    assert other.status_code == 409 and other.json()["code"] == "conflict"
    assert len(rows(app.store(), "refunds", order_id="112-0000003")) == 1
    assert httpx.get(url, headers=lumen).json()["requests"] == []


def test_the_chat_pages_still_load_beside_the_api(app: AppServer) -> None:
    assert "<div id=\"root\">" in httpx.get(f"{app.url}/").text
    assert httpx.get(f"{app.url}/staff/handoffs/1/transcript").status_code == 401


def test_a_key_is_printed_once_by_the_cli_and_works(app: AppServer, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from tests.app_server import ROOT

    env = {**os.environ, "DATABASE_URL": app.database_url}
    out = subprocess.run([sys.executable, "-m", "store", "seller", "key",
                          "glow@sellers.example"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=60, check=True).stdout.strip()
    assert out.startswith("rsk_")
    r = httpx.get(f"{app.url}{PREFIX}/requests", headers={"X-API-Key": out})
    assert r.status_code == 200 and r.json()["requests"] == []
