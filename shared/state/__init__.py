"""Live state in Redis: call sessions, rate limits, idempotency records."""

from shared.state.idempotency import Claim, ClaimState, IdempotencyStore, fingerprint_of
from shared.state.rate_limiter import RateDecision, TokenBucket
from shared.state.redis import create_redis
from shared.state.sessions import CallSessionStore, SessionExists, SessionNotFound, StaleSession

__all__ = [
    "CallSessionStore",
    "Claim",
    "ClaimState",
    "IdempotencyStore",
    "RateDecision",
    "SessionExists",
    "SessionNotFound",
    "StaleSession",
    "TokenBucket",
    "create_redis",
    "fingerprint_of",
]
