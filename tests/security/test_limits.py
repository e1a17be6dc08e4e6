"""Attacks with size and guessing: an oversized message (refused with a reason, never stored
whole, the socket stays up), and a staff member guessing a caller's postcode over the chat
(locked after three tries, handed to a supervisor, the right postcode refused too)."""

from __future__ import annotations

import pytest

from tests.security.conftest import ANA, SAM, App, unchanged
from tests.support import count, rows

LIMIT = 4000


@pytest.mark.parametrize("size", [200_000, 2_000_000])
async def test_an_oversized_message_is_answered_with_the_limit_and_not_processed(
    app: App, size: int,
) -> None:
    ana = await app.client(ANA)
    with unchanged(app, ("proposals", {"actor_email": ANA})):
        await ana.send("cancel order 112-0000001 " + "x" * size)
    assert ana.sio.connected
    reply = ana.messages()[-1]
    assert f"{size + 25:,} characters" in reply and f"at most {LIMIT:,}" in reply
    assert not ana.steps()  # no tool ran
    thread = ana.thread_id()
    await ana.until(lambda: any(r["type"] == "user_message"
                                for r in rows(app.store, "chat_steps", thread_id=thread)))
    kept = [r["output"] for r in rows(app.store, "chat_steps", thread_id=thread)
            if r["type"] == "user_message"]
    assert len(kept) == 1 and len(kept[0]) < 200 and "was not kept" in kept[0]


async def test_a_message_at_the_limit_is_still_read(app: App) -> None:
    ana = await app.client(ANA)
    text = "Show me order 112-0000001 "
    await ana.send(text + " " * (LIMIT - len(text)))
    assert [s["metadata"]["tool"] for s in ana.steps()] == ["lookup_order"]


async def test_a_staff_member_guessing_postcodes_is_locked_and_handed_off(app: App) -> None:
    sam = await app.client(SAM)
    order = "112-0000015"  # Cleo's; her postcode is 75001
    before = count(app.store, "handoffs")
    with unchanged(app, ("caller_verifications", {}), ("items", {"order_id": order}),
                   but=("handoffs",)):
        for guess in ("75002", "75003", "75004", "75005"):
            await sam.send(f"order {order}, caller gives postcode {guess}")
        await sam.send(f"order {order}, caller gives postcode 75001")  # the right one
        await sam.send("cancel the scented candles, ordered by mistake")
        assert count(app.store, "proposals", actor_email=SAM, status="pending") == 0
    results = [s["output"] for s in sam.steps() if s["metadata"]["tool"] == "verify_caller"]
    assert len(results) == 5
    assert '"verification_failed"' in results[0] and '"verification_failed"' in results[1]
    assert all('"verification_locked"' in r for r in results[2:])
    assert "ticket" in results[2]
    assert count(app.store, "handoffs") == before + 1  # one ticket for the lock
    audit = [r["outcome"] for r in rows(app.store, "audit_log", action="verify_caller",
                                        order_id=order)]
    assert audit == ["failed", "failed", "failed", "locked", "locked", "locked"]
