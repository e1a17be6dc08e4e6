"""Rendering helpers."""

from __future__ import annotations

from assistant.ui.views import markdown


def test_reply_lines_become_markdown_paragraphs_and_lists_stay_together() -> None:
    text = "I can cancel these items:\n- A ×1 (1.00)\n- B ×2 (4.00)\nRefund: 5.00.\nShall I?"
    assert markdown(text) == ("I can cancel these items:\n\n- A ×1 (1.00)\n- B ×2 (4.00)"
                              "\n\nRefund: 5.00.\n\nShall I?")
