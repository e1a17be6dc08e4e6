"""What the screen says around the facts: plain step lines, no rule ids or item ids for
customers, money with its currency."""

from __future__ import annotations

from assistant.render import money, proposal_text
from assistant.reply import Reply, ToolEvent
from assistant.ui.wording import for_customer, step_label, titles_in, without_rule_ids


def test_rule_ids_are_dropped_in_every_form_staff_write_them() -> None:
    text = ("Contact support at once (P14). Only the seller can cancel it (P5, P7). "
            "Refuse it at the door (rules P3 and P10). Keep (P for later) as it is.")
    assert without_rule_ids(text) == ("Contact support at once. Only the seller can cancel it. "
                                      "Refuse it at the door. Keep (P for later) as it is.")


def test_item_ids_become_titles_but_order_ids_and_longer_ids_stay() -> None:
    titles = {"A1": "Wireless headphones", "A12": "Yoga mat"}
    text = "Already done for A1; A12 too; A10 is not ours; order 112-0000001 (A1)."
    assert for_customer(text, titles) == ("Already done for Wireless headphones; Yoga mat too; "
                                          "A10 is not ours; order 112-0000001 (Wireless "
                                          "headphones).")


def test_titles_come_from_what_the_tools_returned() -> None:
    reply = Reply("x", tool_events=[ToolEvent("cancel_items", {}, {
        "ok": True, "already_done": [{"id": "A1", "title": "Wireless headphones"}],
        "proposal": {"items": [{"id": "A2", "title": "USB-C cable"}], "kept": []}})])
    assert titles_in(reply) == {"A1": "Wireless headphones", "A2": "USB-C cable"}


def test_a_proposal_step_never_reads_as_if_it_was_done() -> None:
    proposed = ToolEvent("cancel_items", {"order_id": "112-0000001"},
                         {"ok": True, "proposal": {"proposal_id": "p1"}})
    assert step_label(proposed, staff=False) == ("Prepared the cancellation for you to check: "
                                                 "nothing is cancelled yet")
    assert "caller" in step_label(proposed, staff=True)
    missing = ToolEvent("lookup_order", {"order_id": "112-0000999"},
                        {"ok": False, "code": "not_found"})
    assert step_label(missing, staff=False) == "Looked for order 112-0000999"
    assert step_label(ToolEvent("lookup_order", {}, {"ok": True}), staff=False) == \
        "Looked up your recent orders"


def test_money_is_written_with_the_orders_currency_or_the_shops_default() -> None:
    assert money("59.99") == "€59.99"  # RESCIND_CURRENCY's default, EUR, in en_US
    assert money("1234.5", "USD") == "$1,234.50"
    assert money("36", "GBP") == "£36.00"
    assert money("not a number") == "not a number"
    assert [money(v) for v in ("NaN", "sNaN", "-Infinity")] == ["NaN", "sNaN", "-Infinity"]
    assert money("59.99", "USD") == "$59.99" and money("59.99") == "€59.99"  # no mix-up
    proposal = {"action": "cancel", "order_id": "112-0000009", "currency": "USD",
                "items": [{"id": "B1", "title": "Electric kettle", "qty": 1, "amount": "29.99"}],
                "refund": "29.99", "reason": "other", "reason_text": "The colour was wrong"}
    text = proposal_text(proposal)
    assert "Electric kettle ×1 ($29.99)" in text and "$29.99 goes back" in text
    assert "Reason: other (The colour was wrong)." in text  # the customer's own words
