"""The chat client sends LangChain's payload without the openai client's type walk
(`assistant.models.openai_chat._AsBuilt`): the requests a server receives must be the ones
the client's own `create` sends, byte for byte in meaning, streamed or not."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

from assistant.agent.prompt_budget import tool_schemas
from assistant.config import ModelConfig
from assistant.models.openai_chat import RescindChatOpenAI
from assistant.models.providers import make_model
from tests.fakes.network import loopback_only  # noqa: F401
from tests.fakes.openai_server import FakeOpenAI, call, say

pytestmark = pytest.mark.usefixtures("loopback_only")

# Headers that differ per request by design (the retry bookkeeping, a fresh idempotency key).
Provider = Literal["openai", "openai-compatible"]
PER_REQUEST = {"x-stainless-retry-count", "x-stainless-read-timeout", "idempotency-key",
               "content-length"}


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


def model(server: FakeOpenAI, provider: Provider = "openai-compatible") -> RescindChatOpenAI:
    built = make_model(ModelConfig(provider, "test-model", server.url, api_key="k",
                                   timeout_s=5.0, max_retries=0))
    assert isinstance(built, RescindChatOpenAI)
    return built


def payload(chat: RescindChatOpenAI, stream: bool) -> dict[str, Any]:
    messages = [
        SystemMessage("You cancel orders. Prices in €, names like Zoë's Café."),
        HumanMessage("cancel the headphones from 112-0000001"),
        AIMessage("", tool_calls=[{"id": "call_1", "name": "lookup_order",
                                   "args": {"order_id": "112-0000001"}}]),
        ToolMessage('{"items": [{"id": "A1", "title": "Headphones", "price": "59.99"}]}',
                    tool_call_id="call_1"),
    ]
    built = chat._get_request_payload(messages, tools=list(tool_schemas("customer")),
                                      stream=stream)
    return dict(built)


def sent(server: FakeOpenAI, create: Any, body: dict[str, Any]) -> tuple[dict[str, Any],
                                                                          dict[str, str]]:
    server.push(say("Headphones."))
    result = create(**body)
    if body.get("stream"):
        with result as chunks:
            assert "".join(c["choices"][0]["delta"].get("content") or ""
                           for c in map(as_json, chunks) if c["choices"])
    else:
        assert as_json(result)["choices"][0]["message"]["content"] == "Headphones."
    request = server.requests[-1]
    return request.body, {k: v for k, v in request.headers.items() if k not in PER_REQUEST}


def as_json(answer: Any) -> dict[str, Any]:
    return answer if isinstance(answer, dict) else answer.model_dump()


@pytest.mark.parametrize("stream", [True, False])
@pytest.mark.parametrize("provider", ["openai-compatible", "openai"])
def test_a_request_goes_over_the_wire_exactly_as_the_clients_own_create_sends_it(
    server: FakeOpenAI, stream: bool, provider: Provider,
) -> None:
    chat = model(server, provider)
    body = payload(chat, stream)
    assert body["tools"] and body["messages"][2]["tool_calls"]
    ours = sent(server, chat.client.create, body)
    theirs = sent(server, chat.root_client.chat.completions.create, body)
    assert ours == theirs


def test_the_chat_model_streams_a_reply_through_the_as_built_client(
    server: FakeOpenAI,
) -> None:
    chat = model(server)
    server.push(say("Your order has two items."))
    reply = "".join(str(chunk.content) for chunk in chat.stream("what is in my order?"))
    assert reply == "Your order has two items."
    assert server.requests[-1].body["stream"] is True
    assert server.requests[-1].body["max_tokens"] > 0  # the cap still rides in the body


def test_the_raw_response_path_is_still_the_clients_own(server: FakeOpenAI) -> None:
    chat = model(server)
    server.push(say("Hi."))
    raw = chat.client.with_raw_response.create(model="test-model",
                                               messages=[{"role": "user", "content": "hi"}])
    assert raw.parse().choices[0].message.content == "Hi."


class _Typed:
    """The chat-completions resource as the client has it: typed answers."""

    def __init__(self, chat: RescindChatOpenAI) -> None:
        self._resource = chat.root_client.chat.completions

    def __getattr__(self, name: str) -> Any:
        return getattr(self._resource, name)


@pytest.mark.parametrize("stream", [True, False])
def test_langchain_builds_the_same_message_from_the_json_answer_as_from_the_typed_one(
    server: FakeOpenAI, stream: bool,
) -> None:
    plain = model(server)

    def answer(client: Any) -> AIMessage:
        server.push(call("lookup_order", {"order_id": "112-0000001"}))
        bound = plain.model_copy(update={"client": client, "streaming": stream})
        message = bound.bind_tools(list(tool_schemas("customer"))).invoke("what is in 112?")
        assert isinstance(message, AIMessage)
        return message

    ours, theirs = answer(plain.client), answer(_Typed(plain))
    def without_ids(message: AIMessage) -> list[dict[str, Any]]:  # the fake makes fresh ids
        return [{k: v for k, v in c.items() if k != "id"} for c in message.tool_calls]

    assert without_ids(ours) == without_ids(theirs)
    assert ours.tool_calls[0]["args"] == {"order_id": "112-0000001"}
    assert ours.usage_metadata == theirs.usage_metadata
    assert ours.response_metadata.get("finish_reason") == \
        theirs.response_metadata.get("finish_reason")
