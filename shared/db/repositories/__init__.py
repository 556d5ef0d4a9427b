"""Repositories over the audit tables, and `AuditStore` bundling them on one pool."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from shared.db.repositories.attempts import AttemptRecord, AttemptRepository
from shared.db.repositories.calls import (
    CallId,
    CallNotFound,
    CallPage,
    CallRecord,
    CallRepository,
    DuplicateIdempotencyKey,
    InvalidCursor,
)
from shared.db.repositories.campaigns import CampaignRecord, CampaignRepository
from shared.db.repositories.drivers import DriverRepository
from shared.db.repositories.tool_calls import ToolCallRecord, ToolCallRepository
from shared.db.repositories.turns import TurnRecord, TurnRepository
from shared.domain.call import AttemptResult


@dataclass(frozen=True)
class AuditStore:
    """Everything a process writes to the audit, handed around as one object."""

    campaigns: CampaignRepository
    calls: CallRepository
    turns: TurnRepository
    tool_calls: ToolCallRepository
    attempts: AttemptRepository
    drivers: DriverRepository

    @classmethod
    def from_pool(cls, pool: asyncpg.Pool) -> AuditStore:
        return cls(
            campaigns=CampaignRepository(pool),
            calls=CallRepository(pool),
            turns=TurnRepository(pool),
            tool_calls=ToolCallRepository(pool),
            attempts=AttemptRepository(pool),
            drivers=DriverRepository(pool),
        )


__all__ = [
    "AttemptRecord",
    "AttemptRepository",
    "AttemptResult",
    "AuditStore",
    "CallId",
    "CallNotFound",
    "CallPage",
    "CallRecord",
    "CallRepository",
    "CampaignRecord",
    "CampaignRepository",
    "DriverRepository",
    "DuplicateIdempotencyKey",
    "InvalidCursor",
    "ToolCallRecord",
    "ToolCallRepository",
    "TurnRecord",
    "TurnRepository",
]
