"""What the browser sends back is parsed as untrusted input before anything else."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.ui.payloads import BadPayload, Click, Pick, parse_click, parse_pick


def test_a_well_formed_pick_is_read_as_names_only() -> None:
    pick = parse_pick({"order_id": "112-0000001", "item_ids": ["A1", "A2"],
                       "reason": "other", "reason_text": "gift", "price": "0.01"})
    assert pick == Pick("112-0000001", ("A1", "A2"), "other", "gift")


@pytest.mark.parametrize("payload", [
    None, [], "A1", {"item_ids": ["A1"]}, {"order_id": "112-0000001"},
    {"order_id": 112, "item_ids": ["A1"]}, {"order_id": "112-0000001", "item_ids": "A1"},
    {"order_id": "112-0000001", "item_ids": [None]},
    {"order_id": "112-0000001", "item_ids": ["A1"] * 51},
    {"order_id": "112-0000001", "item_ids": ["A1"], "reason": ["other"]},
    {"order_id": "112-0000001", "item_ids": ["A1"], "reason_text": "x" * 501},
])
def test_a_malformed_pick_is_refused(payload: Any) -> None:
    with pytest.raises(BadPayload):
        parse_pick(payload)


def test_a_button_press_needs_both_the_proposal_id_and_its_fingerprint() -> None:
    assert parse_click({"proposal_id": "p_1", "fingerprint": "ab"}) == Click("p_1", "ab")
    for payload in [None, {}, {"proposal_id": "p_1"}, {"fingerprint": "ab"},
                    {"proposal_id": "p_1", "fingerprint": 7}, "p_1"]:
        with pytest.raises(BadPayload):
            parse_click(payload)

