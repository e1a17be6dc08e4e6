"""Password sign-in against the store's customers, staff and sellers."""

from __future__ import annotations

from store import passwords, sellers
from store.domain.model import Actor
from store.passwords import hash_password as hash_password
from store.unit_of_work import UnitOfWork

ACCOUNT_KINDS = ("staff", "customer", "seller")  # the role: which table holds the account


def authenticate(uow: UnitOfWork, email: str, password: str) -> Actor | None:
    """The account for these credentials, or None. An unknown account costs the same work
    and gets the same answer as a wrong password; a hash in old parameters (or the old
    scrypt format) is replaced by a current one once the password has been proven."""
    email = email.strip().lower()
    with uow:
        stored = {kind: uow.repo.password_hash(kind, email) for kind in ACCOUNT_KINDS}
    kind = next((k for k in ACCOUNT_KINDS if stored[k] is not None), None)
    if kind is None:
        passwords.equal_work(password)
        return None
    result = passwords.check(password, stored[kind])
    if not result.ok:
        return None
    if result.needs_rehash:
        with uow:
            uow.repo.set_password_hash(kind, email, passwords.hash_password(password),
                                       replacing=stored[kind])
            uow.commit()
    return Actor(kind, email)  # type: ignore[arg-type]


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
