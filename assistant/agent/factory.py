"""`get_agent(role)`: the one place the UI, the CLI and the evals get an agent from.

An agent (the model client and the role's `create_agent` graph: tools, system prompt and
middleware) is compiled once per role, model configuration and limits, then shared:
conversations keep their own memory and each turn its own graph state, so one agent serves
every thread. Without arguments the configuration comes from the environment
(`assistant.config`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import get_args

from assistant.agent import Agent, Role
from assistant.config import Limits, ModelConfig
from assistant.models.providers import make_model


def get_agent(
    role: Role, config: ModelConfig | None = None, limits: Limits | None = None
) -> Agent:
    if role not in get_args(Role):
        raise ValueError(f"unknown role {role!r}; expected one of {', '.join(get_args(Role))}")
    return _build(role, config or ModelConfig.from_env(), limits or Limits.from_env())


@lru_cache(maxsize=32)
def _build(role: Role, config: ModelConfig, limits: Limits) -> Agent:
    return Agent(make_model(config), role, limits)


def clear_agents() -> None:
    """Forget every built agent (tests; a changed environment)."""
    _build.cache_clear()
