"""The SQL repository: reads rows into domain values and writes explicit changes.

Statements go through Core-style `select`/`insert`/`update` on the mapped classes rather
than the ORM identity map: the hot paths (propose, confirm) stay a handful of round trips.

`SqlRepository` is composed of one mixin per concern, each in its own module over a shared
base (`repo_base`: the connection, round trips, batched writes):

- `repo_accounts`: customers, staff and password hashes;
- `repo_orders`: orders with their items' history, item status;
- `repo_proposals`: proposals, their locking, closing and discarding;
- `repo_effects`: cancellations, refunds, seller requests, refusals, emails, handoffs,
  verifications, audit;
- `repo_views`: read-only views, and what a reply may claim.

Callers import `SqlRepository` (and `SeedWriter`) from here; the split is not their concern.
"""

from __future__ import annotations

from store.sql.repo_accounts import AccountRows
from store.sql.repo_effects import EffectRows
from store.sql.repo_orders import OrderRows
from store.sql.repo_proposals import ProposalRows
from store.sql.repo_views import ViewReads
from store.sql.seed_writer import SeedWriter as SeedWriter


class SqlRepository(AccountRows, OrderRows, ProposalRows, EffectRows, ViewReads):
    """Every read and write of the store's tables over one connection (see the parts)."""
