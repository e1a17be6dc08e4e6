"""The tool-calling agent for capable models: LangChain's `create_agent` over the tools."""

from assistant.agent.loop import Agent, Role, TurnStopped

__all__ = ["Agent", "Role", "TurnStopped"]
