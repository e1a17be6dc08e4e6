"""The offline dialogue model: a deterministic, rule-based stand-in for an LLM (no network,
no weights) that drives the same agent loop and tools. See `model.OfflineChatModel`."""

from assistant.offline.model import OfflineChatModel

__all__ = ["OfflineChatModel"]
