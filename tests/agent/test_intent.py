"""A typed reply counts as a confirmation only when it is a plain yes (P7); anything with more
content goes to the model, and a doubtful answer never confirms."""

from __future__ import annotations

import pytest

from assistant.guard.consent import is_plain_no, is_plain_yes


@pytest.mark.parametrize("text", ["yes", "Yes.", "yep", "ok", "okay, go ahead", "sure",
                                  "yes please", "confirm", "Yes, cancel them all", "oui",
                                  "that's right", "yes, do it", "YES!",
                                  "Yes please go ahead and cancel it", "sure thing!",
                                  "yep go for it", "yes pls", "by all means",
                                  "yes proceed with the cancellation", "let's do it"])
def test_plain_agreement_is_a_yes(text: str) -> None:
    assert is_plain_yes(text) and not is_plain_no(text)


@pytest.mark.parametrize("text", [
    "yes but only the cable", "yes, except the socks", "yes for 112-0000001",
    "not yes", "yes... wait", "cancel order 112-0000009 too", "", "   ",
    "yes yes yes yes yes yes yes yes yes", "why?", "what would the refund be?",
    "yes and also cancel the cable", "can I send it back when it arrives?",
])
def test_anything_more_than_agreement_is_not_a_yes(text: str) -> None:
    assert not is_plain_yes(text)


@pytest.mark.parametrize("text", ["no", "nope", "No thanks", "keep it", "don't",
                                  "never mind", "stop", "no, cancel it", "wait", "not now",
                                  "not right now", "hold on"])
def test_plain_refusal_is_a_no(text: str) -> None:
    assert is_plain_no(text) and not is_plain_yes(text)


@pytest.mark.parametrize("text", ["no, only the cable", "no I want to cancel order 112-0000001",
                                  "cancel it", "yes"])
def test_a_refusal_with_more_to_say_is_not_a_plain_no(text: str) -> None:
    assert not is_plain_no(text)
