"""One chat thread: the consent gate (P7), the thread's state as data, and the engine that
answers everything else (the dialogue manager or the agent)."""

from assistant.conversation.conversation import Conversation
from assistant.conversation.threads import StoredThreads, ThreadState

__all__ = ["Conversation", "StoredThreads", "ThreadState"]
