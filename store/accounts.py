"""Password sign-in against the store's customers and staff."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from store import sellers
from store.domain.model import Actor
from store.unit_of_work import UnitOfWork

_N, _R, _P = 2**14, 8, 1


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return "scrypt$" + base64.b64encode(salt).decode() + "$" + base64.b64encode(digest).decode()


def check_password(password: str, stored: str | None) -> bool:
    if not stored or not stored.startswith("scrypt$"):
        return False
    _, salt_b64, digest_b64 = stored.split("$", 2)
    expected = hash_password(password, base64.b64decode(salt_b64))
    return hmac.compare_digest(expected.encode(), stored.encode()) and bool(digest_b64)


def authenticate(uow: UnitOfWork, email: str, password: str) -> Actor | None:
    """The role comes from which table holds the account: staff first, then customers."""
    email = email.strip().lower()
    with uow:
        for kind in ("staff", "customer"):
            stored = uow.repo.password_hash(kind, email)
            if stored is not None:
                return Actor(kind, email) if check_password(password, stored) else None  # type: ignore[arg-type]
        stored = sellers.password_hash(uow, email)
        if stored is not None:
            return Actor("seller", email) if check_password(password, stored) else None
    return None


def account_role(uow: UnitOfWork, email: str) -> Actor | None:
    """For header auth behind an SSO proxy: the proxy vouches for the e-mail, we pick the role."""
    email = email.strip().lower()
    with uow:
        if uow.repo.staff(email):
            return Actor("staff", email)
        if uow.repo.customer(email):
            return Actor("customer", email)
        if sellers.exists(uow, email):
            return Actor("seller", email)
    return None
