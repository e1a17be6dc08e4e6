"""The assistant's tools. Docstrings and argument descriptions are the schema the model sees.

Read tools return facts; write tools only *propose* (P7): the change happens when the user
confirms the proposal, which no tool can do. The acting user comes from the context, never
from an argument.

Each tool is a plain function of (`ToolContext`, arguments) returning the result as a dict
(`call`), and a LangChain `@tool` for the agent whose JSON is that same dict: the agent and
the dialogue manager run exactly the same code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from langchain.tools import ToolRuntime
from langchain_core.tools import BaseTool, tool
from pydantic import Field

from store import handoffs, services
from store.domain import errors
from store.domain.model import ProposalKind, Reason
from tools.context import ToolContext
from tools.results import dump, guarded, tool_span, traced

Runtime = ToolRuntime[ToolContext]
OrderId = Annotated[str, Field(description="Order number, e.g. 112-0000001")]
ItemIds = Annotated[
    list[str], Field(description='Item ids from lookup_order, or ["all"]', min_length=1)
]
ReasonArg = Annotated[
    Reason | None, Field(description="Ask the user if they gave none; never guess")
]
ReasonText = Annotated[str | None, Field(description="Free text, for reason 'other'")]

# Tools whose result is shown to the user as it is: a proposal, or why there is none.
WRITE_TOOLS = frozenset({"cancel_items", "request_seller_cancellation", "flag_refusal"})
TOOL_FOR_KIND: dict[ProposalKind, str] = {
    ProposalKind.CANCEL: "cancel_items",
    ProposalKind.SELLER_REQUEST: "request_seller_cancellation",
    ProposalKind.REFUSAL: "flag_refusal",
}


# --- the tools as plain functions ------------------------------------------------------------
@traced("lookup_order")
def run_lookup_order(ctx: ToolContext, order_id: str | None = None) -> dict[str, Any]:
    def run() -> dict[str, Any]:
        if order_id:
            return {"ok": True, **services.lookup_order(ctx.store.uow(), ctx.actor,
                                                        order_id).as_dict()}
        if ctx.actor.is_staff:
            # A caller proves one order; their others are looked up by number, not browsed.
            raise errors.NotAllowed("Staff look up orders by their number: ask the caller "
                                    "for the order number.")
        views = services.recent_orders(ctx.store.uow(), ctx.actor)
        return {"ok": True, "orders": [v.as_dict() for v in views]}

    return guarded(run)


def run_propose(
    ctx: ToolContext, kind: ProposalKind, order_id: str, item_ids: list[str],
    reason: Reason | str | None = None, reason_text: str | None = None,
) -> dict[str, Any]:
    with tool_span(TOOL_FOR_KIND[kind]):
        return guarded(lambda: services.propose(
            ctx.store.uow(), ctx.actor, kind, order_id, item_ids, reason, reason_text,
            thread_id=ctx.thread_id,
        ).as_dict())


@traced("check_cancelled")
def run_check_cancelled(ctx: ToolContext, order_id: str | None = None) -> dict[str, Any]:
    return guarded(lambda: services.check_cancelled(
        ctx.store.uow(), ctx.actor, order_id, customer_email=ctx.acting_for))


@traced("hand_off_to_staff")
def run_hand_off(ctx: ToolContext, summary: str, order_id: str | None = None) -> dict[str, Any]:
    def run() -> dict[str, Any]:
        ticket = services.hand_off(ctx.store.uow(), ctx.actor, summary, order_id,
                                   ctx.thread_id)
        result: dict[str, Any] = {"ok": True, "ticket": ticket}
        if not ctx.actor.is_staff:  # what to tell the customer: how they will be contacted
            result["contact"] = handoffs.contact_notice(ctx.actor.email)
        return result

    return guarded(run)


@traced("verify_caller")
def run_verify_caller(
    ctx: ToolContext, order_id: str, email: str | None = None, postcode: str | None = None,
) -> dict[str, Any]:
    def run() -> dict[str, Any]:
        v = services.verify_caller(ctx.store.uow(), ctx.actor, order_id, email, postcode)
        ctx.acting_for = v.customer_email
        return {"ok": True, "verified": v.customer_email, "name": v.customer_name,
                "order_id": v.order_id, "rules": ["P2"]}

    return guarded(run)


def _propose_as(kind: ProposalKind) -> Callable[..., dict[str, Any]]:
    def run(ctx: ToolContext, order_id: str, item_ids: list[str], reason: Any = None,
            reason_text: str | None = None) -> dict[str, Any]:
        return run_propose(ctx, kind, order_id, item_ids, reason, reason_text)
    return run


PLAIN: dict[str, Callable[..., dict[str, Any]]] = {
    "lookup_order": run_lookup_order,
    "cancel_items": _propose_as(ProposalKind.CANCEL),
    "request_seller_cancellation": _propose_as(ProposalKind.SELLER_REQUEST),
    "flag_refusal": _propose_as(ProposalKind.REFUSAL),
    "check_cancelled": run_check_cancelled,
    "hand_off_to_staff": run_hand_off,
    "verify_caller": run_verify_caller,
}


def call(ctx: ToolContext, name: str, args: dict[str, Any]) -> dict[str, Any]:
    """Run a tool by name with already-valid arguments; the result as the model sees it."""
    return PLAIN[name](ctx, **args)


# --- the same tools for the agent --------------------------------------------------------------
@tool
def lookup_order(runtime: Runtime, order_id: OrderId | None = None) -> str:
    """Show an order's items, their states and what can be done with each (without order_id:
    the customer's recent orders)."""
    return dump(run_lookup_order(runtime.context, order_id))


@tool(return_direct=True)
def cancel_items(
    runtime: Runtime, order_id: OrderId, item_ids: ItemIds, reason: ReasonArg = None,
    reason_text: ReasonText = None,
) -> str:
    """Propose cancelling items, or the whole order with ["all"] (no lookup needed).
    Nothing changes until the user confirms."""
    return dump(run_propose(runtime.context, ProposalKind.CANCEL, order_id, item_ids, reason,
                            reason_text))


@tool(return_direct=True)
def request_seller_cancellation(
    runtime: Runtime, order_id: OrderId, item_ids: ItemIds, reason: ReasonArg = None,
    reason_text: ReasonText = None,
) -> str:
    """Propose asking a third-party seller to cancel (after their 30 minutes, or shipped).
    The seller decides; never promise the outcome."""
    return dump(run_propose(runtime.context, ProposalKind.SELLER_REQUEST, order_id, item_ids,
                            reason, reason_text))


@tool(return_direct=True)
def flag_refusal(runtime: Runtime, order_id: OrderId, item_ids: ItemIds) -> str:
    """Propose telling the returns center the customer will refuse a shipped shop item at
    the door; the refund follows once it is back."""
    return dump(run_propose(runtime.context, ProposalKind.REFUSAL, order_id, item_ids))


@tool
def check_cancelled(runtime: Runtime, order_id: OrderId | None = None) -> str:
    """Check what is recorded as cancelled (all cancelled orders without order_id)."""
    return dump(run_check_cancelled(runtime.context, order_id))


@tool
def hand_off_to_staff(
    runtime: Runtime, summary: Annotated[str, Field(description="What the user needs")],
    order_id: OrderId | None = None,
) -> str:
    """Hand the conversation to a support person (asked for a human, or you can't help)."""
    return dump(run_hand_off(runtime.context, summary, order_id))


@tool
def verify_caller(
    runtime: Runtime, order_id: OrderId,
    email: Annotated[str | None, Field(description="Account e-mail the caller gave")] = None,
    postcode: Annotated[str | None, Field(description="Shipping postcode given")] = None,
) -> str:
    """Staff: verify a caller by order id plus account e-mail or postcode before acting."""
    return dump(run_verify_caller(runtime.context, order_id, email, postcode))


CUSTOMER_TOOLS: tuple[BaseTool, ...] = (
    lookup_order, cancel_items, check_cancelled, request_seller_cancellation, flag_refusal,
    hand_off_to_staff,
)
STAFF_TOOLS: tuple[BaseTool, ...] = (*CUSTOMER_TOOLS, verify_caller)

for _tool in STAFF_TOOLS:
    # Docstrings are wrapped for the source; the model gets each on one line (fewer tokens,
    # and the same bytes whatever the source's indentation).
    _tool.description = " ".join(_tool.description.split())


def tools_for(role: str) -> tuple[BaseTool, ...]:
    return STAFF_TOOLS if role == "staff" else CUSTOMER_TOOLS
