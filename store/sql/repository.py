"""The SQL repository: reads rows into domain values and writes explicit changes.

Statements go through Core-style `select`/`insert`/`update` on the mapped classes rather
than the ORM identity map: the hot paths (propose, confirm) stay a handful of round trips.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, func, insert, select, update

from store.domain.model import (
    Actor,
    Customer,
    Item,
    ItemHistory,
    ItemStatus,
    Order,
    Proposal,
    ProposalKind,
    ProposalStatus,
    Reason,
    RequestStatus,
    SellerRequest,
    StaffMember,
    money,
    utc,
)
from store.sql.flows_orm import SellerRow
from store.sql.orm import (
    AuditRow,
    Base,
    CancellationRow,
    CustomerRow,
    EmailRow,
    HandoffRow,
    ItemRow,
    OrderRow,
    ProposalRow,
    RefundRow,
    RefusalFlagRow,
    SellerRequestRow,
    StaffRow,
    VerificationRow,
)


def _table(model: type[Base]) -> Table:
    # Mapped classes expose their table as a FromClause; these are always plain tables.
    return cast(Table, model.__table__)


_customers = _table(CustomerRow)
_staff = _table(StaffRow)
_sellers = _table(SellerRow)


def _account_table(kind: str) -> Table:
    """The table that holds an account of this kind (the kind is the role)."""
    return {"staff": _staff, "seller": _sellers}.get(kind, _customers)
_orders = _table(OrderRow)
_items = _table(ItemRow)
_proposals = _table(ProposalRow)
_requests = _table(SellerRequestRow)
_flags = _table(RefusalFlagRow)
_refunds = _table(RefundRow)

# Statements are built once: SQLAlchemy then reuses their compiled form, and the hot paths
# (propose, confirm, lookup) spend their time in the database instead of building queries.
_ORDER = (
    select(
        _orders.c.customer_email, _orders.c.placed_at, _orders.c.currency.label("currency"),
        _items,
        _requests.c.status.label("request_status"),
        _requests.c.after_shipment.label("request_after_shipment"),
        _flags.c.id.label("flag_id"),
    )
    .join(_items, _items.c.order_id == _orders.c.id)
    .outerjoin(_requests, _requests.c.item_id == _items.c.id)
    .outerjoin(_flags, _flags.c.item_id == _items.c.id)
    .where(_orders.c.id == bindparam("oid"))
    .order_by(_items.c.position)
)
# Lock the item rows first, then read: in READ COMMITTED a statement that waited for a lock
# re-checks the locked rows but not the rows it joined, so reading history in the locking
# statement could miss a request or flag committed by the transaction it waited for.
_LOCK_ITEMS = select(_items.c.id).where(_items.c.order_id == bindparam("oid")).with_for_update()
_OWNER = select(_orders.c.customer_email).where(_orders.c.id == bindparam("oid"))
_ITEM = select(_items).where(_items.c.id == bindparam("iid"))
_PROPOSAL = select(_proposals).where(_proposals.c.id == bindparam("pid"))
# Confirming locks the proposal and its order's items in one round trip (PostgreSQL).
_PROPOSAL_AND_ITEMS_LOCKED = (
    select(_proposals)
    .join(_items, _items.c.order_id == _proposals.c.order_id)
    .where(_proposals.c.id == bindparam("pid"))
    .with_for_update(of=[_proposals, _items])
)
_DISCARD_ALL = (
    update(_proposals)
    .where(
        _proposals.c.actor_email == bindparam("email"),
        _proposals.c.actor_kind == bindparam("akind"),
        _proposals.c.status == ProposalStatus.PENDING.value,
    )
    .values(status=ProposalStatus.DISCARDED.value, confirmed_at=bindparam("at"))
    .returning(_proposals.c.id)
)
# Proposing replaces the pending proposal of the same thread: built once, like the others.
_DISCARD_IN_THREAD = _DISCARD_ALL.where(_proposals.c.thread_id == bindparam("tid"))
_REQUEST = select(_requests).where(_requests.c.item_id == bindparam("iid"))
_INSERT_PROPOSAL = insert(_proposals)
_INSERT_CANCELLATION = insert(_table(CancellationRow))
_INSERT_REFUND = insert(_refunds)
_INSERT_REQUEST = insert(_requests)
_INSERT_FLAG = insert(_flags)
_INSERT_EMAIL = insert(_table(EmailRow))
_INSERT_AUDIT = insert(_table(AuditRow))
_SET_STATUS = (
    update(_items).where(_items.c.id == bindparam("iid")).values(status=bindparam("st"))
)
_CLOSE_PROPOSAL = (
    update(_proposals)
    .where(_proposals.c.id == bindparam("pid"))
    .values(status=bindparam("st"), outcome=bindparam("out"), confirmed_at=bindparam("at"))
)


class SqlRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        # SQLite transactions begin IMMEDIATE and so already hold the only write lock:
        # row locks would be round trips that change nothing.
        self.row_locks = connection.dialect.name != "sqlite"
        self._batch: list[tuple[str, Any]] | None = None

    def _run(self, statement: Any, params: Any = None) -> Any:
        return self.connection.execute(statement, params)

    @contextmanager
    def batched(self) -> Iterator[None]:
        """Writes made inside are sent straight to the driver when the block ends: on
        PostgreSQL in one round trip (a psycopg pipeline), on SQLite without SQLAlchemy's
        per-statement bookkeeping. For writes whose results nobody reads (the effects of a
        confirmation): the client's time per statement is what bounds throughput."""
        if self._batch is not None:
            yield
            return
        self._batch = []
        try:
            yield
            batch, self._batch = self._batch, None
            raw: Any = self.connection.connection.driver_connection
            if self.row_locks:
                with raw.pipeline(), raw.cursor() as cursor:
                    for sql, params in batch:
                        cursor.execute(sql, params)
            else:
                cursor = raw.cursor()
                try:
                    for sql, params in batch:
                        cursor.execute(sql, params)
                finally:
                    cursor.close()
        finally:
            self._batch = None

    def _write(self, statement: Any, params: dict[str, Any] | list[dict[str, Any]]) -> None:
        if self._batch is None:
            self._run(statement, params)
            return
        for row in params if isinstance(params, list) else [params]:
            sql, processors, order = _compiled(statement, self.connection.dialect,
                                               tuple(sorted(row)))
            bound = {k: processors[k](v) if k in processors else v for k, v in row.items()}
            self._batch.append((sql, tuple(bound[k] for k in order) if order else bound))

    def _scalar(self, statement: Any) -> Any:
        return self.connection.execute(statement).scalar()

    # --- accounts -------------------------------------------------------------------------
    def customer(self, email: str) -> Customer | None:
        row = self._run(select(_customers).where(_customers.c.email == email)).first()
        return Customer(row.email, row.name, row.postcode) if row else None

    def staff(self, email: str) -> StaffMember | None:
        row = self._run(select(_staff).where(_staff.c.email == email)).first()
        return StaffMember(row.email, row.name) if row else None

    def password_hash(self, kind: str, email: str) -> str | None:
        table = _account_table(kind)
        stored: str | None = self._run(
            select(table.c.password_hash).where(table.c.email == email)
        ).scalar()
        return stored

    def set_password_hash(self, kind: str, email: str, new: str, *,
                          replacing: str | None = None) -> bool:
        """Store a new hash; with `replacing`, only if the stored hash is still that one (a
        re-hash at sign-in must not undo a password change made meanwhile)."""
        table = _account_table(kind)
        query = update(table).where(table.c.email == email)
        if replacing is not None:
            query = query.where(table.c.password_hash == replacing)
        return bool(self._run(query.values(password_hash=new)).rowcount)

    # --- orders ---------------------------------------------------------------------------
    def order(self, order_id: str, *, lock: bool = False) -> Order | None:
        found = self.order_with_history(order_id, lock=lock)
        return found[0] if found else None

    def order_with_history(
        self, order_id: str, *, lock: bool = False
    ) -> tuple[Order, dict[str, ItemHistory]] | None:
        """The order, its items and what was already recorded per item, in one round trip."""
        if lock and self.row_locks:
            self._run(_LOCK_ITEMS, {"oid": order_id})
        rows = self._run(_ORDER, {"oid": order_id}).all()
        if not rows:
            return None
        first = rows[0]
        order = Order(order_id, first.customer_email, utc(first.placed_at),
                      tuple(_item(r) for r in rows), first.currency)
        histories = {
            r.id: ItemHistory(
                SellerRequest(order_id, r.id, RequestStatus(r.request_status),
                              bool(r.request_after_shipment))
                if r.request_status is not None else None,
                r.flag_id is not None,
            )
            for r in rows
            if r.request_status is not None or r.flag_id is not None
        }
        return order, histories

    def order_owner(self, order_id: str) -> str | None:
        owner: str | None = self._run(_OWNER, {"oid": order_id}).scalar()
        return owner

    def recent_orders(self, customer_email: str, limit: int) -> list[Order]:
        ids = self._run(
            select(OrderRow.id)
            .where(OrderRow.customer_email == customer_email)
            .order_by(OrderRow.placed_at.desc(), OrderRow.id.desc())
            .limit(limit)
        ).scalars().all()
        return [o for o in (self.order(i) for i in ids) if o is not None]

    def histories(self, order_id: str) -> dict[str, ItemHistory]:
        found = self.order_with_history(order_id)
        return found[1] if found else {}

    def item(self, item_id: str) -> Item | None:
        row = self._run(_ITEM, {"iid": item_id}).first()
        return _item(row) if row else None

    def set_item_status(self, item_ids: Iterable[str], status: ItemStatus) -> None:
        self._write(_SET_STATUS, [{"iid": i, "st": status.value} for i in item_ids])

    # --- proposals ------------------------------------------------------------------------
    def add_proposal(self, p: Proposal) -> None:
        self._write(
            _INSERT_PROPOSAL,
            dict(
                id=p.id, kind=p.kind.value, actor_kind=p.actor.kind, actor_email=p.actor.email,
                customer_email=p.customer_email, order_id=p.order_id,
                item_ids=list(p.item_ids), amount=p.amount,
                reason=p.reason.value if p.reason else None, reason_text=p.reason_text,
                created_at=p.created_at, expires_at=p.expires_at, status=p.status.value,
                thread_id=p.thread_id, outcome=None, confirmed_at=None,
            ),
        )

    def proposal(self, proposal_id: str) -> Proposal | None:
        row = self._run(_PROPOSAL, {"pid": proposal_id}).first()
        return _proposal(row) if row else None

    def lock_proposal(self, proposal_id: str) -> Proposal | None:
        """The proposal, with it and its order's item rows locked until the transaction ends,
        so that its confirmation, a second confirmation and warehouse events serialise."""
        query = _PROPOSAL_AND_ITEMS_LOCKED if self.row_locks else _PROPOSAL
        row = self._run(query, {"pid": proposal_id}).first()
        return _proposal(row) if row else None

    def close_proposal(
        self, proposal_id: str, status: ProposalStatus, outcome: dict[str, Any] | None,
        at: datetime,
    ) -> None:
        self._write(_CLOSE_PROPOSAL, {"pid": proposal_id, "st": status.value, "out": outcome,
                                    "at": at})

    def discard_pending(self, actor: Actor, thread_id: str | None, at: datetime) -> list[str]:
        params: dict[str, Any] = {"email": actor.email, "akind": actor.kind, "at": at}
        if thread_id is None:
            return list(self._run(_DISCARD_ALL, params).scalars())
        return list(self._run(_DISCARD_IN_THREAD, {**params, "tid": thread_id}).scalars())

    # --- effects --------------------------------------------------------------------------
    def add_cancellations(
        self, order_id: str, item_ids: Sequence[str], reason: Reason, reason_text: str | None,
        actor: Actor, on_behalf_of: str, channel: str, proposal_id: str | None, at: datetime,
    ) -> None:
        self._write(
            _INSERT_CANCELLATION,
            [
                dict(
                    order_id=order_id, item_id=i, reason=reason.value, reason_text=reason_text,
                    actor_kind=actor.kind, actor_email=actor.email, on_behalf_of=on_behalf_of,
                    channel=channel, proposal_id=proposal_id, created_at=at,
                )
                for i in item_ids
            ],
        )

    def add_refund(
        self, order_id: str, amount: Decimal, item_ids: Sequence[str], source: str, at: datetime
    ) -> None:
        self._write(_INSERT_REFUND, dict(
            order_id=order_id, amount=amount, item_ids=list(item_ids),
            method="original payment method", source=source, created_at=at,
        ))

    def add_seller_requests(
        self, order_id: str, requests: Sequence[tuple[str, bool]], reason: Reason,
        reason_text: str | None, actor: Actor, proposal_id: str | None, at: datetime,
    ) -> None:
        self._write(
            _INSERT_REQUEST,
            [
                dict(
                    order_id=order_id, item_id=item_id, status=RequestStatus.PENDING.value,
                    after_shipment=after, reason=reason.value, reason_text=reason_text,
                    actor_kind=actor.kind, actor_email=actor.email, proposal_id=proposal_id,
                    created_at=at, decided_at=None,
                )
                for item_id, after in requests
            ],
        )

    def seller_request(self, item_id: str, *, lock: bool = False) -> SellerRequest | None:
        query = _REQUEST.with_for_update() if lock else _REQUEST
        r = self._run(query, {"iid": item_id}).first()
        if r is None:
            return None
        return SellerRequest(r.order_id, r.item_id, RequestStatus(r.status), r.after_shipment)

    def set_request_status(self, item_id: str, status: RequestStatus, at: datetime) -> None:
        self._run(
            update(SellerRequestRow)
            .where(SellerRequestRow.item_id == item_id)
            .values(status=status.value, decided_at=at)
        )

    def add_refusals(
        self, order_id: str, item_ids: Sequence[str], actor: Actor, proposal_id: str | None,
        at: datetime,
    ) -> None:
        self._write(
            _INSERT_FLAG,
            [
                dict(
                    order_id=order_id, item_id=i, actor_kind=actor.kind, actor_email=actor.email,
                    proposal_id=proposal_id, created_at=at,
                )
                for i in item_ids
            ],
        )

    def add_email(
        self, to: str, order_id: str, subject: str, body: str, at: datetime, *,
        kind: str | None = None, data: dict[str, Any] | None = None,
    ) -> None:
        self._write(_INSERT_EMAIL, dict(to=to, order_id=order_id, subject=subject, body=body,
                                      created_at=at, sent_at=None, kind=kind, data=data))

    def add_handoff(
        self, actor: Actor, customer_email: str | None, order_id: str | None, summary: str,
        thread_id: str | None, at: datetime,
    ) -> int:
        result = self._run(
            insert(HandoffRow)
            .values(
                actor_kind=actor.kind, actor_email=actor.email, customer_email=customer_email,
                order_id=order_id, summary=summary, thread_id=thread_id, created_at=at,
            )
            .returning(HandoffRow.id)
        )
        return int(result.scalar_one())

    def add_verification(
        self, staff_email: str, customer_email: str, order_id: str, method: str, at: datetime
    ) -> None:
        self._run(
            insert(VerificationRow).values(
                staff_email=staff_email, customer_email=customer_email, order_id=order_id,
                method=method, created_at=at,
            )
        )

    def verified_since(self, staff_email: str, customer_email: str, since: datetime) -> bool:
        found = self._scalar(
            select(func.count())
            .select_from(VerificationRow)
            .where(
                VerificationRow.staff_email == staff_email,
                VerificationRow.customer_email == customer_email,
                VerificationRow.created_at >= since,
            )
        )
        return bool(found)

    def audit(
        self, at: datetime, actor: Actor, action: str, outcome: str, *,
        on_behalf_of: str | None = None, order_id: str | None = None,
        item_ids: Sequence[str] | None = None, rules: Sequence[str] | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        self._write(_INSERT_AUDIT, dict(
            at=at, actor_kind=actor.kind, actor_email=actor.email,
            on_behalf_of=on_behalf_of, action=action, order_id=order_id,
            item_ids=list(item_ids) if item_ids is not None else None, outcome=outcome,
            rules=list(rules) if rules is not None else None, detail=detail,
        ))

    # --- views ----------------------------------------------------------------------------
    def refunded(self, order_ids: Iterable[str]) -> dict[str, Decimal]:
        rows = self._run(
            select(_refunds.c.order_id, func.sum(_refunds.c.amount))
            .where(_refunds.c.order_id.in_(bindparam("oids", expanding=True)))
            .group_by(_refunds.c.order_id),
            {"oids": list(order_ids)},
        )
        return {oid: money(total) for oid, total in rows}

    def cancellation_details(self, order_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        rows = self._run(
            select(CancellationRow).where(CancellationRow.order_id.in_(list(order_ids)))
        )
        return {
            r.item_id: {
                "reason": r.reason, "reason_text": r.reason_text, "channel": r.channel,
                "at": utc(r.created_at).isoformat(),
                "by": f"{r.actor_kind}:{r.actor_email}",
            }
            for r in rows
        }

    def orders_with_cancellations(self, customer_email: str) -> list[str]:
        return list(
            self._run(
                select(OrderRow.id)
                .join(ItemRow, ItemRow.order_id == OrderRow.id)
                .where(
                    OrderRow.customer_email == customer_email,
                    ItemRow.status == ItemStatus.CANCELLED.value,
                )
                .group_by(OrderRow.id, OrderRow.placed_at)
                .order_by(OrderRow.placed_at.desc())
            ).scalars()
        )

    def emails_about(self, order_id: str) -> int:
        return int(
            self._scalar(
                select(func.count()).select_from(EmailRow).where(EmailRow.order_id == order_id)
            )
            or 0
        )


    # --- what a reply may claim (P12): read-only -----------------------------------------
    def refunds_of(self, order_ids: Sequence[str]) -> list[tuple[str, Decimal, list[str]]]:
        """Each refund of these orders: (order id, amount, the item ids it covers)."""
        rows = self._run(
            select(_refunds.c.order_id, _refunds.c.amount, _refunds.c.item_ids)
            .where(_refunds.c.order_id.in_(bindparam("oids", expanding=True)))
            .order_by(_refunds.c.id),
            {"oids": list(order_ids)},
        )
        return [(r.order_id, money(r.amount), list(r.item_ids or [])) for r in rows]

    def email_counts(self, order_ids: Sequence[str]) -> dict[str, int]:
        rows = self._run(
            select(EmailRow.order_id, func.count())
            .where(EmailRow.order_id.in_(bindparam("oids", expanding=True)))
            .group_by(EmailRow.order_id),
            {"oids": list(order_ids)},
        )
        return {oid: int(n) for oid, n in rows}

    def confirmed_in_thread(self, actor: Actor, thread_id: str) -> list[Proposal]:
        """The proposals this actor confirmed in this chat thread, oldest first."""
        rows = self._run(
            select(_proposals).where(
                _proposals.c.thread_id == thread_id,
                _proposals.c.actor_kind == actor.kind,
                _proposals.c.actor_email == actor.email,
                _proposals.c.status == ProposalStatus.CONFIRMED.value,
            ).order_by(_proposals.c.confirmed_at)
        )
        return [_proposal(r) for r in rows]


Compiled = tuple[str, dict[str, Any], tuple[str, ...] | None]
_COMPILED: dict[tuple[Any, str, tuple[str, ...]], Compiled] = {}


def _compiled(statement: Any, dialect: Any, keys: tuple[str, ...]) -> Compiled:
    """A prebuilt statement as driver SQL for the given parameter names, compiled once:
    the SQL, the type conversions of its parameters, and their order if positional."""
    cache_key = (statement, dialect.name, keys)
    if cache_key not in _COMPILED:
        compiled = statement.compile(dialect=dialect, column_keys=list(keys))
        # Nobody reads a batched write's result; skip the generated-key RETURNING.
        sql = str(compiled).split(" RETURNING ")[0]
        order = tuple(compiled.positiontup) if compiled.positional else None
        _COMPILED[cache_key] = (sql, dict(compiled._bind_processors), order)
    return _COMPILED[cache_key]


def _item(r: Any) -> Item:
    return Item(
        id=r.id, order_id=r.order_id, title=r.title, qty=r.qty, unit_price=money(r.unit_price),
        status=ItemStatus(r.status), seller=r.seller,
    )


def _proposal(r: Any) -> Proposal:
    return Proposal(
        id=r.id, kind=ProposalKind(r.kind), actor=Actor(r.actor_kind, r.actor_email),  # type: ignore[arg-type]
        customer_email=r.customer_email, order_id=r.order_id, item_ids=tuple(r.item_ids),
        amount=money(r.amount), reason=Reason(r.reason) if r.reason else None,
        reason_text=r.reason_text, created_at=utc(r.created_at), expires_at=utc(r.expires_at),
        status=ProposalStatus(r.status), thread_id=r.thread_id, outcome=r.outcome,
    )


class SeedWriter:
    """Inserts a world as given (demo data, a dialog's `world:`); not a business path."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def customer(self, c: Customer, password_hash: str | None = None) -> None:
        self.connection.execute(insert(_customers).values(
            email=c.email, name=c.name, postcode=c.postcode, password_hash=password_hash))

    def staff(self, s: StaffMember, password_hash: str | None = None) -> None:
        self.connection.execute(insert(_staff).values(
            email=s.email, name=s.name, password_hash=password_hash))

    def order(self, o: Order) -> None:
        self.connection.execute(insert(_orders).values(
            id=o.id, customer_email=o.customer_email, placed_at=o.placed_at,
            currency=o.currency))
        self.connection.execute(insert(_items), [
            dict(id=i.id, order_id=o.id, position=n, title=i.title, qty=i.qty,
                 unit_price=i.unit_price, seller=i.seller, status=i.status.value)
            for n, i in enumerate(o.items)
        ])
