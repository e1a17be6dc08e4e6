"""What a reply claims about the store: the agent's own reply guard and the evals' claims
monitor read replies the same way (`assistant.claims`)."""

from assistant.guard.claims import PLACEHOLDER, STATES, Claims, clauses, read_claims

__all__ = ["PLACEHOLDER", "STATES", "Claims", "clauses", "read_claims"]
