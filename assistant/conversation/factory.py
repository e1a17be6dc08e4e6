"""`engine_for(role)`: what answers messages, from the settings.

- the offline provider: the dialogue manager with the rules understander (no model at all);
- an LLM provider with ``RESCIND_MODE=guided``: the dialogue manager with the model as its
  understander (the rules take over when the model's answer is unusable), the recommended
  mode for small local models;
- an LLM provider otherwise (``agent``): the tool-calling agent, for capable models.

Engines hold no conversation state, so one per role and configuration serves every thread.
"""

from __future__ import annotations

from functools import lru_cache

from assistant.agent.factory import get_agent
from assistant.config import Limits, ModelConfig
from assistant.conversation.engines import AgentEngine, DialogueEngine, Engine
from assistant.dialogue.gaps import gaps
from assistant.dialogue.manager import DialogueManager
from assistant.understanding.commands import Context, Understanding
from assistant.understanding.rules.parser import understand


def rules(text: str, context: Context) -> Understanding:
    return understand(text)


def engine_for(role: str, config: ModelConfig | None = None,
               limits: Limits | None = None) -> Engine:
    return _build(role, config or ModelConfig.from_env(), limits or Limits.from_env())


@lru_cache(maxsize=32)
def _build(role: str, config: ModelConfig, limits: Limits) -> Engine:
    if config.provider == "offline":
        return DialogueEngine(DialogueManager(rules))
    if config.mode == "guided":
        from assistant.understanding.model import ModelUnderstander  # LLM providers only

        return DialogueEngine(DialogueManager(ModelUnderstander(config, fallback=rules,
                                                                gaps=gaps)))
    return AgentEngine(get_agent("staff" if role == "staff" else "customer", config, limits))


def clear_engines() -> None:
    _build.cache_clear()
