"""Each expectation kind of dialog-format.md, passing and failing, through the runner with a
scripted model driving the app's real agent loop and tools."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage

from evals.checks import is_subsequence
from evals.results import RunResult
from evals.runner import run_dialog
from tests.evals.fakes import call, dialog, say, scripted

# Turn 1: the model looks the order up, then proposes cancelling A1 (tools only propose).
PROPOSE = (call("lookup_order", order_id="112-0000001"),
           call("cancel_items", order_id="112-0000001", item_ids=["A1"],
                reason="no_longer_needed"))


def run(turns: str, final: str = "", script: tuple[AIMessage, ...] = PROPOSE,
        actor: str = "{customer: ana@example.com}") -> RunResult:
    return run_dialog(dialog(turns, final, actor), scripted(*script))


def one_turn(expect: str) -> RunResult:
    return run(f"  - user: cancel the headphones, no longer needed\n    expect: {expect}\n")


def checks_missed(result: RunResult) -> list[str]:
    return [m.check for m in result.misses]


@pytest.mark.parametrize(("expect", "passes"), [
    ("{calls: [lookup_order, cancel_items]}", True),
    ("{calls: [cancel_items]}", True),  # a subsequence is enough
    ("{calls: [cancel_items, lookup_order]}", False),  # but the order matters
    ("{calls: [check_cancelled]}", False),
    ("{not_calls: [check_cancelled, hand_off_to_staff]}", True),
    ("{not_calls: [cancel_items]}", False),
    ("{calls_exactly: [lookup_order, cancel_items]}", True),
    ("{calls_exactly: [cancel_items]}", False),
    ("{calls_exactly: []}", False),
    ("{says: [WIRELESS headphones, '59.99']}", True),  # case-insensitive
    ("{says: [headphones, espresso machine]}", False),
    ("{says_any: [nope, Headphones]}", True),
    ("{says_any: [nope, never]}", False),
    ("{not_says: [espresso machine]}", True),
    ("{not_says: [espresso machine, headphones]}", False),
    ("{proposal: {items: [A1]}}", True),
    ("{proposal: {items: [A1, A2]}}", False),
    ("{proposal: none}", False),
    ("{writes: none}", True),
    ("{handoff: true}", False),
])
def test_each_turn_expectation_passes_or_fails_on_what_the_turn_did(
    expect: str, passes: bool
) -> None:
    result = one_turn(expect)
    assert result.error is None
    assert (checks_missed(result) == []) is passes, result.misses


def test_a_miss_says_where_and_what_was_expected_versus_seen() -> None:
    result = one_turn("{calls: [check_cancelled]}")
    (miss,) = result.misses
    assert (miss.turn, miss.check, miss.line) == (1, "calls", miss.line)
    assert "check_cancelled" in miss.expected and "lookup_order, cancel_items" in miss.seen
    assert miss.describe().startswith("turn 1 (line ")


def test_writes_none_fails_on_the_confirmation_turn_and_names_the_changes() -> None:
    result = run("  - user: cancel the headphones\n"
                 "  - click: confirm\n    expect: {writes: none}\n")
    (miss,) = result.misses
    assert miss.check == "writes" and "item A1 unshipped -> cancelled" in miss.seen
    assert "refunds +1" in miss.seen


def test_proposal_none_passes_after_keep_and_a_click_with_nothing_pending_changes_nothing() -> None:
    result = run("  - user: cancel the headphones\n"
                 "  - click: keep\n    expect: {proposal: none, writes: none}\n"
                 "  - click: confirm\n    expect: {writes: none, says: [no longer active]}\n",
                 "  unchanged: true\n")
    assert result.passed, result.first_problem()


def test_a_typed_yes_right_after_the_proposal_confirms_it() -> None:
    result = run("  - user: cancel the headphones\n"
                 "  - user: yes\n    expect: {says: [cancelled]}\n",
                 "  items: {A1: cancelled}\n")
    assert result.passed, result.first_problem()


def test_handoff_true_passes_when_the_turn_recorded_a_handoff() -> None:
    result = run("  - user: a person please\n"
                 "    expect: {calls: [hand_off_to_staff], handoff: true}\n",
                 "  handoffs: 1\n",
                 script=(call("hand_off_to_staff", summary="wants a person"), say("Done.")))
    assert result.passed, result.first_problem()


CONFIRMED = "  - user: cancel the headphones\n  - click: confirm\n"


@pytest.mark.parametrize(("final", "passes"), [
    ("{A1: cancelled, A2: unshipped}", True),
    ("{A1: unshipped}", False),
])
def test_final_items_compare_the_listed_item_states(final: str, passes: bool) -> None:
    assert run(CONFIRMED, f"  items: {final}\n").passed is passes


@pytest.mark.parametrize(("final", "passes"), [
    ('{"112-0000001": "59.99"}', True),
    ('{"112-0000001": "59.9"}', False),
    ('{"112-0000001": "59.99", "112-0000009": "329.00"}', False),
    ("{}", False),  # {} means no refund at all
])
def test_final_refunds_are_exact_per_order(final: str, passes: bool) -> None:
    assert run(CONFIRMED, f"  refunds: {final}\n").passed is passes


def test_final_refunds_empty_passes_when_nothing_was_refunded() -> None:
    assert run("  - user: cancel the headphones\n", "  refunds: {}\n").passed


@pytest.mark.parametrize(("final", "passes"), [
    ('[{to: ana@example.com, about: "112-0000001"}]', True),
    ("[]", False),
    ('[{to: bob@example.com, about: "112-0000001"}]', False),
    ('[{to: ana@example.com, about: "112-0000001"}, {to: ana@example.com, about: "112-0000001"}]',
     False),
])
def test_final_emails_are_the_exact_list_by_recipient_and_order(final: str, passes: bool) -> None:
    assert run(CONFIRMED, f"  emails: {final}\n").passed is passes


def test_final_emails_count_only_what_was_sent_not_what_was_recorded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from store.mail.transport import DeliveryError, MaildirTransport

    def down(self: MaildirTransport, message: object, key: str) -> None:
        raise DeliveryError("mail server down")

    monkeypatch.setattr(MaildirTransport, "deliver", down)
    result = run(CONFIRMED, '  emails: [{to: ana@example.com, about: "112-0000001"}]\n')
    [miss] = result.misses
    assert miss.check == "emails" and "recorded, not sent" in miss.seen


@pytest.mark.parametrize(("key", "value", "passes"), [
    ("seller_requests", "[]", True),
    ("seller_requests", '[{order: "112-0000001", item: A2}]', False),
    ("refusals", "[]", True),
    ("refusals", '[{order: "112-0000001", item: A1}]', False),
    ("handoffs", "0", True),
    ("handoffs", "1", False),
    ("unchanged", "true", False),
])
def test_final_sets_counts_and_unchanged(key: str, value: str, passes: bool) -> None:
    assert run(CONFIRMED, f"  {key}: {value}\n").passed is passes


def test_final_seller_requests_match_what_the_user_confirmed() -> None:
    script = (call("request_seller_cancellation", order_id="112-0000001", item_ids=["A2"],
                   reason="ordered_by_mistake"),)
    d = dialog("  - user: ask the seller\n  - click: confirm\n",
               '  seller_requests: [{order: "112-0000001", item: A2}]\n  refunds: {}\n')
    d.world["orders"][0]["items"][1]["seller"] = "Cable Co"  # a day old: only the seller can
    assert run_dialog(d, scripted(*script)).passed


def test_unchanged_passes_when_only_reads_happened() -> None:
    result = run("  - user: what is in my order?\n", "  unchanged: true\n",
                 script=(call("lookup_order", order_id="112-0000001"), say("Two items.")))
    assert result.passed, result.first_problem()


def test_events_move_the_world_between_turns() -> None:
    result = run("  - user: cancel the headphones\n  - event: {ship: A1}\n  - click: confirm\n"
                 "    expect: {says: [shipped]}\n",
                 "  items: {A1: shipped}\n  refunds: {}\n  emails: []\n")
    assert result.passed, result.first_problem()
    assert result.turns[1].note == "A1 is now shipped."


def test_every_unmet_expectation_is_kept_and_the_first_is_reported_first() -> None:
    result = run("  - user: x\n    expect: {calls: [check_cancelled], says: [nothing]}\n",
                 "  items: {A1: cancelled}\n")
    assert checks_missed(result) == ["calls", "says", "items"]
    assert result.first_problem().startswith("turn 1")


def test_a_crash_inside_a_turn_fails_the_run_with_the_turn_named() -> None:
    def broken(*_: object) -> object:
        raise RuntimeError("boom")

    result = run_dialog(dialog("  - user: hi\n"), broken)  # type: ignore[arg-type]
    assert not result.passed and result.error is not None and "boom" in result.error


def test_subsequence_means_in_order_with_gaps_allowed() -> None:
    assert is_subsequence(["a", "c"], ["a", "b", "c"])
    assert not is_subsequence(["c", "a"], ["a", "b", "c"])
    assert not is_subsequence(["a", "a"], ["a"])
    assert is_subsequence([], [])
