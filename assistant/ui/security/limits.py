"""The chat's edge: a message over the size limit is answered, not processed."""

from __future__ import annotations

from assistant.ui.security import settings


def refusal_for(text: str) -> str | None:
    """What to tell the user about a message that is too long; None if it may go on."""
    limit = settings.current().max_message_chars
    if len(text) <= limit:
        return None
    return (f"That message is {len(text):,} characters long, and I can read at most "
            f"{limit:,} at a time, so I haven't done anything with it. Please send it again "
            "in shorter parts.")
