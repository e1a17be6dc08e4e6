"""Chat-history rows <-> Chainlit's dictionaries: field names, times, the shapes Chainlit
expects back (split from datalayer.py, which keeps the reading and writing)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, cast

from chainlit.element import ElementDict
from chainlit.step import StepDict
from chainlit.types import ThreadDict

STEP_FIELDS = {  # Chainlit key -> column
    "parentId": "parent_id", "name": "name", "type": "type", "input": "input",
    "output": "output", "metadata": "metadata", "tags": "tags", "isError": "is_error",
    "streaming": "streaming", "waitForAnswer": "wait_for_answer", "showInput": "show_input",
    "language": "language", "generation": "generation", "defaultOpen": "default_open",
    "autoCollapse": "auto_collapse", "command": "command", "icon": "icon",
    "createdAt": "created_at", "start": "start", "end": "end",
}
ELEMENT_FIELDS = {
    "forId": "for_id", "type": "type", "name": "name", "display": "display", "size": "size",
    "language": "language", "page": "page", "mime": "mime", "url": "url",
    "objectKey": "object_key", "chainlitKey": "chainlit_key", "props": "props",
    "autoPlay": "auto_play", "playerConfig": "player_config",
}
TIMES = {"created_at", "start", "end"}


# --- value conversions ---------------------------------------------------------------------
def parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def iso(value: datetime | None) -> str | None:
    """Chainlit's own format (`utc_now()`): naive UTC ISO time plus "Z"."""
    if value is None:
        return None
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"


def show_input_in(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)[:40]


def show_input_out(value: str | None) -> bool | str | None:
    return {"true": True, "false": False}.get(value, value) if value is not None else None


def now() -> datetime:
    return datetime.now(UTC)


def columns(data: dict[str, Any], fields: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, column in fields.items():
        if key in data:
            value = data[key]
            out[column] = parse_time(value) if column in TIMES else value
    return out


def cap_text(values: dict[str, Any], limit: int) -> None:
    """An over-long user message is refused at the chat's edge and is not kept either: a
    marker says what arrived. Other steps are bounded so no step can fill the disk."""
    for column in ("input", "output"):
        text = values.get(column)
        if isinstance(text, str) and len(text) > limit:
            values[column] = (f"[A message of {len(text):,} characters was not kept: the "
                              f"limit is {limit:,}.]")


def thread_dict(row: Any) -> dict[str, Any]:
    return {
        "id": row.id, "createdAt": iso(row.created_at), "name": row.name,
        "userId": row.user_id, "userIdentifier": row.user_identifier,
        "tags": row.tags, "metadata": dict(row.metadata or {}),
    }


def step_dict(row: Any, feedback: dict[str, Any] | None) -> StepDict:
    step: dict[str, Any] = {"id": row.id, "threadId": row.thread_id}
    for key, column in STEP_FIELDS.items():
        value = getattr(row, column)
        step[key] = iso(value) if column in TIMES else value
    step["metadata"] = dict(step.get("metadata") or {})
    step["input"] = step.get("input") or ""
    step["output"] = step.get("output") or ""
    step["showInput"] = show_input_out(row.show_input)
    step["feedback"] = feedback
    return cast(StepDict, step)


def element_dict(row: Any) -> ElementDict:
    element: dict[str, Any] = {"id": row.id, "threadId": row.thread_id}
    for key, column in ELEMENT_FIELDS.items():
        element[key] = getattr(row, column)
    return cast(ElementDict, element)


def thread_steps(thread: ThreadDict, kinds: Iterable[str]) -> list[StepDict]:
    """The thread's steps of the given types, oldest first (for rebuilding a conversation)."""
    wanted = set(kinds)
    return [s for s in thread.get("steps") or [] if s.get("type") in wanted]
