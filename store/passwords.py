"""Password hashes: Argon2id in the standard PHC string format, via argon2-cffi.

The string carries its own parameters (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`), so
they can be raised later: a hash made with other parameters still verifies, and is
re-hashed with the current ones at the next successful sign-in. Hashes from before Argon2
(`scrypt$salt$digest`, fixed n=2**14, r=8, p=1) verify once and are upgraded the same way.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
import hashlib
import hmac
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# OWASP's recommended Argon2id minimum (19 MiB, 2 passes, 1 lane): ~50 ms on a loaded
# 2-core machine, where argon2-cffi's default (64 MiB, 3 passes, 4 lanes) takes ~350 ms.
HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
_LEGACY_PREFIX = "scrypt$"
_LEGACY_N, _LEGACY_R, _LEGACY_P = 2**14, 8, 1


@dataclass(frozen=True)
class Check:
    ok: bool
    # The stored hash is valid but not in the current format or parameters.
    needs_rehash: bool = False


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def check(password: str, stored: str | None) -> Check:
    """Verify `password` against a stored hash. A missing or unreadable hash costs the same
    work as a real one (a dummy hash is verified), so the time taken says nothing about
    whether the account exists."""
    if stored and stored.startswith(_LEGACY_PREFIX):
        ok = _check_legacy(password, stored)
        return Check(ok, needs_rehash=ok)
    if not stored or not stored.startswith("$argon2"):
        _burn(password)
        return Check(False)
    try:
        HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return Check(False)
    return Check(True, needs_rehash=HASHER.check_needs_rehash(stored))


def equal_work(password: str) -> None:
    """The work of one verification, for a sign-in with no account behind it."""
    _burn(password)


@functools.cache
def _dummy_hash() -> str:
    return HASHER.hash("no account has this password")


def _burn(password: str) -> None:
    with contextlib.suppress(VerificationError):
        HASHER.verify(_dummy_hash(), password)


def _check_legacy(password: str, stored: str) -> bool:
    try:
        _, salt_b64, digest_b64 = stored.split("$", 2)
        salt, digest = base64.b64decode(salt_b64), base64.b64decode(digest_b64)
    except (ValueError, binascii.Error):
        return False
    if not salt or not digest:
        return False
    derived = hashlib.scrypt(password.encode(), salt=salt, n=_LEGACY_N, r=_LEGACY_R,
                             p=_LEGACY_P, dklen=len(digest))
    return hmac.compare_digest(derived, digest)


def legacy_hash(password: str, salt: bytes) -> str:
    """A pre-Argon2 hash, exactly as the store used to write them (for migration tests)."""
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_LEGACY_N, r=_LEGACY_R,
                            p=_LEGACY_P, dklen=32)
    return _LEGACY_PREFIX + base64.b64encode(salt).decode() + "$" + \
        base64.b64encode(digest).decode()
