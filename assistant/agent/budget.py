"""`TurnBudget`, the middleware around each request to the model (split from
`assistant.agent.middleware`, which lists the agent's guarantees): the turn's model-call
limit and deadline, the request's timeout shortened to the time left, retries within it
(`assistant.agent.retries`), the model's time measured, and a failed request turned into a
clear stop."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from langchain.agents.middleware import AgentMiddleware, ModelRequest, ModelResponse
from langchain_core.messages import AIMessage, ToolCall

from assistant.agent.retries import MIN_ATTEMPT_S, backoff, retryable
from assistant.agent.turn import (
    MODEL_CONFUSED,
    MODEL_TIMEOUT,
    TURN_LIMIT,
    TurnStopped,
    _Budget,
    _budget_of,
    _model_failure,
    _TurnState,
)
from assistant.config import Limits
from store.telemetry import span
from tools.context import ToolContext

log = logging.getLogger(__name__)
ModelHandler = Callable[[ModelRequest[ToolContext]], ModelResponse[Any]]


class TurnBudget(AgentMiddleware[_TurnState, ToolContext]):
    """Each request to the model: within the turn's budget, and never left to hang.

    `request_timeout` is the OpenAI client's own per-request timeout; each request gets the
    smaller of it and the time the turn has left, and `retries` more attempts on the
    failures the client would retry, within that time (`assistant.agent.retries`; the
    client itself then retries nothing). Other models take no timeout option: they are held
    to the deadline between requests.
    """

    state_schema = _TurnState

    def __init__(self, limits: Limits, request_timeout: float | None, model_name: str,
                 retries: int = 0) -> None:
        super().__init__()
        self.limits = limits
        self.request_timeout = request_timeout
        self.retries = retries if request_timeout is not None else 0
        self.model_name = model_name

    def wrap_model_call(
        self, request: ModelRequest[ToolContext], handler: ModelHandler,
    ) -> ModelResponse[Any]:
        budget = _budget_of(request.state)
        left = self._admit(budget)
        attempt = 0
        while True:
            started = time.perf_counter()  # the request, with create_agent's bind_tools around it
            try:
                with span(f"chat {self.model_name}", {"gen_ai.operation.name": "chat",
                                                       "gen_ai.request.model": self.model_name}):
                    response = handler(self._bounded(request, left))
                break
            except Exception as e:
                wait = self._retry_wait(e, attempt, budget)
                if wait is None:
                    raise _model_failure(e) from e
                log.info("model call failed (%s); trying again in %.2f s", type(e).__name__,
                         wait)
            finally:
                took = time.perf_counter() - started
                budget.model_time_s += took
                budget.model_call_s.append(took)
            time.sleep(wait)
            attempt += 1
            left = budget.time_left()
        answer = response.result[-1] if response.result else None
        if not isinstance(answer, AIMessage):
            raise TurnStopped("model_garbage", MODEL_CONFUSED)
        return ModelResponse(result=[_with_call_ids(answer)])

    def _bounded(self, request: ModelRequest[ToolContext], left: float,
                 ) -> ModelRequest[ToolContext]:
        """The request with the time the turn has left as its timeout: a request may not
        outlive the turn."""
        if self.request_timeout is None:
            return request
        return request.override(model_settings={
            **request.model_settings, "timeout": min(self.request_timeout, left)})

    def _retry_wait(self, error: Exception, attempt: int, budget: _Budget) -> float | None:
        """Seconds to wait before trying the request again, or None: don't."""
        if attempt >= self.retries or isinstance(error, TurnStopped) or not retryable(error):
            return None
        wait = backoff(error, attempt)
        return wait if budget.time_left() - wait >= MIN_ATTEMPT_S else None

    def _admit(self, budget: _Budget) -> float:
        """Count one more request, or stop the turn; the time the turn has left."""
        if budget.model_calls >= self.limits.model_calls:
            raise TurnStopped("model_call_limit", TURN_LIMIT)
        left = budget.time_left()
        if left <= 0:
            raise TurnStopped("turn_timeout", MODEL_TIMEOUT)
        budget.model_calls += 1
        return left


def _with_call_ids(ai: AIMessage) -> AIMessage:
    """Every call gets a unique id: some local servers send none, and results need one."""
    ids = [c["id"] for c in [*ai.tool_calls, *ai.invalid_tool_calls]]
    if all(ids) and len(set(ids)) == len(ids):
        return ai
    seen: set[str] = set()

    def unique(call_id: str | None) -> str:
        if not call_id or call_id in seen:
            call_id = f"call_{uuid.uuid4().hex[:16]}"
        seen.add(call_id)
        return call_id

    calls = [ToolCall(name=c["name"], args=c["args"], id=unique(c["id"]), type="tool_call")
             for c in ai.tool_calls]
    invalid = [{**c, "id": unique(c["id"])} for c in ai.invalid_tool_calls]
    return ai.model_copy(update={"tool_calls": calls, "invalid_tool_calls": invalid})
