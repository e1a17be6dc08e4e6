"""HTTP endpoints mounted on Chainlit's FastAPI app (`chainlit.server.app`):

- the sellers' API, for their own systems, authenticated by a per-seller API key
  (`Authorization: Bearer rsk_...` or `X-API-Key`): list pending requests, answer one.
  Answers are idempotent (the same answer again is 200 with code "already"); errors are
  JSON `{ok: false, code, message}` with 401 (no or bad key), 403 (another seller's
  request), 404 (no such request), 409 (decided the other way, or shipped meanwhile),
  422 (a body that is not `{"decision": "approve" | "deny"}`), 503 (store unavailable);
- a handoff's transcript for signed-in support staff (the queue links to it).
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from typing import Annotated, Any

from chainlit.auth import get_current_user
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from assistant.ui import pools, runtime
from assistant.ui.history_rows import thread_steps
from store import handoffs, seed, sellers
from store.accounts import account_role
from store.domain import errors
from store.domain.model import Actor
from store.settings import WebSettings

log = logging.getLogger(__name__)
PREFIX = "/api/seller/v1"
router = APIRouter()
SignedIn = Annotated[Any, Depends(get_current_user)]  # Chainlit's session cookie
_STATUS: dict[type[errors.DomainError], int] = {
    errors.RequestNotFound: 404, errors.NotYours: 403, errors.NotAllowed: 403,
    errors.Conflict: 409, errors.StoreUnavailable: 503, errors.UnknownAccount: 401,
}


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"ok": False, "code": code, "message": message}, status_code=status)


async def _call(fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    return await pools.quick(fn, runtime.store().uow(), *args, **kw)


async def _seller(request: Request) -> Actor | JSONResponse:
    header = request.headers.get("authorization", "")
    key = header[7:].strip() if header.lower().startswith("bearer ") else \
        request.headers.get("x-api-key", "").strip()
    if not key:
        return _error(401, "unauthorized", "Send your API key as 'Authorization: Bearer "
                                           "<key>' or 'X-API-Key: <key>'.")
    actor = await _call(sellers.actor_for_key, key)
    if actor is None:
        return _error(401, "unauthorized", "That API key is not valid.")
    assert isinstance(actor, Actor)
    return actor


async def _guard(work: Callable[[], Any]) -> Response:
    """Domain refusals get their status; nothing escapes as a 500."""
    try:
        result: Response = await work()
        return result
    except errors.DomainError as e:
        return _error(_STATUS.get(type(e), 400), e.code, e.message)
    except Exception:  # a bug must not leak a stack trace to a seller's system
        log.exception("seller API failed")
        return _error(503, "unavailable", "Something went wrong on our side; nothing was "
                                          "changed. Try again in a moment.")


@router.get(f"{PREFIX}/requests")
async def list_requests(request: Request) -> Response:
    async def work() -> Response:
        actor = await _seller(request)
        if isinstance(actor, JSONResponse):
            return actor
        pending = await _call(sellers.pending_requests, actor)
        return JSONResponse({"ok": True, "requests": [r.as_dict() for r in pending]})

    return await _guard(work)


@router.post(f"{PREFIX}/requests/{{item_id}}")
async def answer_request(item_id: str, request: Request) -> Response:
    async def work() -> Response:
        actor = await _seller(request)
        if isinstance(actor, JSONResponse):
            return actor
        try:
            body = await request.json()
        except ValueError:
            body = None
        decision = body.get("decision") if isinstance(body, dict) else None
        if decision not in ("approve", "deny"):
            return _error(422, "bad_request", 'Send a JSON body {"decision": "approve"} or '
                                              '{"decision": "deny"}.')
        answer = await _call(sellers.answer, actor, item_id, approve=decision == "approve")
        return JSONResponse(answer.as_dict())

    return await _guard(work)


@router.get("/rescind/demo-logins")
async def demo_logins() -> Response:
    """The demo store's logins for the sign-in page, in demo mode only (RESCIND_DEMO=1):
    a real deployment answers 404, and no page inside the chat shows them."""
    if not WebSettings.load().demo:
        return _error(404, "not_found", "Not found.")
    return JSONResponse({"password": seed.DEMO_PASSWORD, "logins": [
        {"email": "ana@example.com", "role": "customer"},
        {"email": "bob@example.com", "role": "customer"},
        {"email": "sam@shop.example", "role": "support staff"},
        {"email": "lumen@sellers.example", "role": "seller"},
    ]})


@router.get("/staff/handoffs/{ticket}/transcript")
async def transcript(ticket: int, user: SignedIn) -> Response:
    async def work() -> Response:
        actor = await _call(account_role, user.identifier) if user else None
        if actor is None or not actor.is_staff:
            return HTMLResponse("<p>Only support staff can read transcripts.</p>", 403)
        handoff = await _call(handoffs.get, actor, ticket)
        thread = await runtime.data_layer().get_thread(handoff.thread_id or "") \
            if handoff.thread_id else None
        lines = []
        for step in thread_steps(thread, ("user_message", "assistant_message")) if thread \
                else []:
            who = "Customer" if step.get("type") == "user_message" else \
                str(step.get("name") or "Assistant")
            lines.append(f"<p><b>{html.escape(who)}</b>: "
                         f"{html.escape(str(step.get('output') or ''))}</p>")
        body = "".join(lines) or "<p>No messages were saved for this conversation.</p>"
        title = html.escape(f"Handoff #{handoff.ticket}: {handoff.customer_email or ''}")
        return HTMLResponse(f"<!doctype html><title>{title}</title><h1>{title}</h1>"
                            f"<p>Reason: {html.escape(handoff.reason)}</p>{body}")

    return await _guard(work)


def mount(app: FastAPI) -> None:
    """Add the routes ahead of Chainlit's catch-all page route (`/{full_path:path}`), once.
    Whatever shape FastAPI gives an included router (its routes, or one entry for them),
    the entries it adds are moved to the front."""
    routes = app.router.routes
    if getattr(app.state, "rescind_api", False):
        return
    before = list(routes)
    app.include_router(router)
    added = [r for r in routes if not any(r is b for b in before)]
    for r in added:
        routes.remove(r)
    routes[0:0] = added
    changed = getattr(app.router, "_mark_routes_changed", None)
    if callable(changed):
        changed()
    app.state.rescind_api = True
