"""Worlds: the demo world behind `make run`, and the loader for a dialog file's `world:`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import insert

from store import sellers
from store.accounts import hash_password
from store.domain.model import Customer, Item, ItemStatus, Order, StaffMember, money, utc
from store.sql.repository import SeedWriter
from store.unit_of_work import UnitOfWork

DEMO_PASSWORD = "rescind"
DEMO_LOGINS = (
    ("ana@example.com", "customer"),
    ("bob@example.com", "customer"),
    ("cleo@example.com", "customer"),
    ("sam@shop.example", "staff"),
    ("lumen@sellers.example", "seller (Lumen Ltd)"),
)


class WorldError(ValueError):
    """A world section that can't be loaded; the message names the offending entry."""


def parse_time(value: Any) -> datetime:
    if isinstance(value, datetime):
        return utc(value)
    try:
        return utc(datetime.fromisoformat(str(value).replace("Z", "+00:00")))
    except ValueError:
        raise WorldError(f"not an ISO date-time: {value!r}") from None


def load_world(uow: UnitOfWork, world: Mapping[str, Any], *, passwords: bool = False) -> None:
    """Insert customers, staff and orders exactly as a dialog's `world:` describes them."""
    pw = hash_password(DEMO_PASSWORD) if passwords else None
    with uow:
        writer = SeedWriter(uow.repo.connection)
        emails = set()
        for c in world.get("customers", []):
            emails.add(c["email"])
            writer.customer(Customer(c["email"], c["name"], c.get("postcode")), pw)
        for s in world.get("staff", []) or []:
            writer.staff(StaffMember(s["email"], s["name"]), pw)
        order_ids: set[str] = set()
        item_ids: set[str] = set()
        for o in world.get("orders", []):
            if o["customer"] not in emails:
                raise WorldError(f"order {o['id']}: unknown customer {o['customer']!r}")
            order = _order(o)
            # Ids are unique store-wide: say which entry repeats one, not a SQL error.
            if order.id in order_ids:
                raise WorldError(f"order {order.id}: the order id is used twice")
            for i in order.items:
                if i.id in item_ids:
                    raise WorldError(f"order {order.id} item {i.id}: the item id is used twice")
                item_ids.add(i.id)
            order_ids.add(order.id)
            writer.order(order)
        for seller in world.get("sellers", []) or []:  # the demo world's; dialogs have none
            conn = uow.repo.connection
            conn.execute(insert(sellers.SELLERS).values(
                email=seller["email"], name=seller["name"], password_hash=pw))
            conn.execute(insert(sellers.NAMES), [
                {"name": n, "seller_email": seller["email"]} for n in seller["names"]])
        uow.commit()


def _order(o: Mapping[str, Any]) -> Order:
    oid = str(o["id"])
    try:
        placed_at = parse_time(o["placed_at"])
    except WorldError as e:
        raise WorldError(f"order {oid}: placed_at is {e}") from None
    items = []
    for raw in o["items"]:
        where = f"order {oid} item {raw.get('id')}"
        try:
            price = money(Decimal(str(raw["price"])))
        except InvalidOperation:
            raise WorldError(f"{where}: bad price {raw['price']!r}") from None
        try:
            status = ItemStatus(raw["status"])
        except ValueError:
            raise WorldError(f"{where}: unknown status {raw['status']!r} (one of "
                             + ", ".join(s.value for s in ItemStatus) + ")") from None
        try:
            qty = int(raw["qty"])
        except (TypeError, ValueError):
            qty = 0
        if qty < 1 or price < 0:
            raise WorldError(f"{where}: qty must be a whole number >= 1 and price >= 0 "
                             f"(got qty {raw['qty']!r}, price {raw['price']!r})")
        items.append(Item(
            id=str(raw["id"]), order_id=oid, title=str(raw["title"]), qty=qty,
            unit_price=price, status=status, seller=raw.get("seller"),
        ))
    currency = o.get("currency")  # ISO 4217; absent: the shop's default currency
    return Order(oid, str(o["customer"]), placed_at, tuple(items),
                 str(currency).upper() if currency else None)


def demo_world(now: datetime) -> dict[str, Any]:
    """About twenty orders across every state, both seller kinds and both sides of the
    thirty-minute window, relative to `now` so the window cases are live after seeding."""

    def ago(**kw: float) -> str:
        return (now - timedelta(**kw)).isoformat()

    def item(iid: str, title: str, price: str, status: str, qty: int = 1,
             seller: str | None = None) -> dict[str, Any]:
        d: dict[str, Any] = {"id": iid, "title": title, "price": price, "qty": qty,
                             "status": status}
        if seller:
            d["seller"] = seller
        return d

    orders = [
        ("112-0000001", "ana", ago(days=1), [
            item("A1", "Wireless headphones", "59.99", "unshipped"),
            item("A2", "USB-C cable", "9.99", "unshipped", qty=2, seller="Cable Co")]),
        ("112-0000002", "ana", ago(minutes=10), [
            item("A3", "Phone case", "14.50", "unshipped", seller="CaseMakers"),
            item("A4", "Screen protector", "7.99", "pending", seller="CaseMakers")]),
        ("112-0000003", "ana", ago(hours=3), [
            item("A5", "Desk lamp", "34.00", "unshipped", seller="Lumen Ltd")]),
        ("112-0000004", "ana", ago(days=2), [
            item("A6", "Running shoes", "89.00", "processing"),
            item("A7", "Sports socks", "12.00", "unshipped", qty=3)]),
        ("112-0000005", "ana", ago(days=3), [
            item("A8", "Coffee grinder", "45.00", "shipped"),
            item("A9", "Coffee beans", "16.00", "shipped", qty=2, seller="Bean There")]),
        ("112-0000006", "ana", ago(days=9), [
            item("A10", "Paperback novel", "11.99", "delivered"),
            item("A11", "Bookmark set", "4.99", "delivered", seller="Paper Trail")]),
        ("112-0000007", "ana", ago(days=5), [
            item("A12", "Yoga mat", "25.00", "cancelled"),
            item("A13", "Water bottle", "18.00", "unshipped")]),
        ("112-0000008", "ana", ago(minutes=5), [
            item("A14", "Board game", "39.90", "pending")]),
        ("112-0000009", "bob", ago(days=1), [
            item("B1", "Electric kettle", "29.99", "unshipped"),
            item("B2", "Tea sampler", "19.50", "unshipped", seller="Leafy Teas")]),
        ("112-0000010", "bob", ago(minutes=20), [
            item("B3", "Bluetooth speaker", "49.00", "unshipped", seller="SoundHouse")]),
        ("112-0000011", "bob", ago(hours=1), [
            item("B4", "Camping stove", "64.00", "processing", seller="Outdoor Co")]),
        ("112-0000012", "bob", ago(days=2), [
            item("B5", "Hiking boots", "120.00", "shipped"),
            item("B6", "Rain jacket", "75.00", "unshipped")]),
        ("112-0000013", "bob", ago(days=14), [
            item("B7", "Monitor arm", "55.00", "delivered")]),
        ("112-0000014", "bob", ago(hours=6), [
            item("B8", "Keyboard", "79.00", "pending"),
            item("B9", "Mouse", "25.00", "pending"),
            item("B10", "Mouse pad", "9.00", "unshipped", seller="DeskGear")]),
        ("112-0000015", "cleo", ago(minutes=2), [
            item("C1", "Scented candles", "22.00", "unshipped", seller="Glow"),
            item("C2", "Candle snuffer", "8.50", "unshipped")]),
        ("112-0000016", "cleo", ago(days=4), [
            item("C3", "Blender", "99.00", "shipped", seller="KitchenPro")]),
        ("112-0000017", "cleo", ago(days=1, hours=2), [
            item("C4", "Cookbook", "27.00", "unshipped"),
            item("C5", "Apron", "15.00", "processing")]),
        ("112-0000018", "cleo", ago(days=20), [
            item("C6", "Winter coat", "140.00", "cancelled"),
            item("C7", "Scarf", "20.00", "cancelled")]),
        ("112-0000019", "cleo", ago(minutes=45), [
            item("C8", "Plant pot", "12.00", "unshipped", seller="GreenThumb")]),
        ("112-0000020", "cleo", ago(days=3), [
            item("C9", "Garden hose", "32.00", "delivered", seller="GreenThumb"),
            item("C10", "Watering can", "18.00", "shipped")]),
    ]
    people = {"ana": ("ana@example.com", "Ana Lima", "10115"),
              "bob": ("bob@example.com", "Bob Stone", "SW1A 1AA"),
              "cleo": ("cleo@example.com", "Cleo Park", "75001")}
    seller_names = sorted({i["seller"] for _, _, _, items in orders for i in items
                           if i.get("seller")})
    return {
        "now": now.isoformat(),
        "customers": [{"email": e, "name": n, "postcode": p} for e, n, p in people.values()],
        "staff": [{"email": "sam@shop.example", "name": "Sam Rivera"}],
        # One seller account per seller name: lumen@sellers.example answers for Lumen Ltd.
        "sellers": [{"email": f"{_slug(n)}@sellers.example", "name": n, "names": [n]}
                    for n in seller_names],
        "orders": [{"id": oid, "customer": people[who][0], "placed_at": at, "items": items}
                   for oid, who, at, items in orders],
    }


def _slug(name: str) -> str:
    return "".join(c for c in name.split()[0].lower() if c.isalnum())
