"""Campaigns: a batch of trip legs to call within one calling window, and its progress.

Each leg goes through the same `CallTriggers` path as a single `POST /api/calls` (phone
validated, an open call for the same driver and trip reused, one dispatch message), only
tagged with the campaign, so a campaign can never dial a leg twice either. The whole batch
is validated before anything is written: a bad leg refuses the campaign, not half of it.

The dispatcher asks `CampaignWindows` which window applies to a call: its campaign's, or
the default one from the settings. Campaign windows never change once written, so they
are cached per process.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from shared.calls.triggers import CallTriggers, InvalidTrigger, TriggerResult, validate_trigger
from shared.calls.window import CallingWindow
from shared.db.repositories import CallRecord, CampaignRecord, CampaignRepository
from shared.domain.call import CallStatus, Outcome

MAX_LEGS = 500
_PARALLEL_TRIGGERS = 16  # enough to fill a batch quickly without hogging the pool


@dataclass(frozen=True)
class Leg:
    driver_id: str
    trip_id: str
    phone: str
    driver_name: str | None = None


class InvalidLeg(ValueError):
    """Leg `index` is unusable; `field` names what, `reason` says why."""

    def __init__(self, index: int, field: str, reason: str) -> None:
        super().__init__(f"legs[{index}].{field}: {reason}")
        self.index = index
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class CampaignProgress:
    campaign: CampaignRecord
    by_status: dict[CallStatus, int]
    by_outcome: dict[Outcome, int]

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    @property
    def finished(self) -> int:
        return sum(n for status, n in self.by_status.items() if status.is_final)


def window_of(campaign: CampaignRecord) -> CallingWindow:
    return CallingWindow(campaign.window_start, campaign.window_end, campaign.timezone)


class Campaigns:
    def __init__(
        self, campaigns: CampaignRepository, triggers: CallTriggers, pool: asyncpg.Pool
    ) -> None:
        self._campaigns = campaigns
        self._triggers = triggers
        self._pool = pool

    async def create(
        self, name: str, window: CallingWindow, legs: Sequence[Leg]
    ) -> tuple[CampaignRecord, list[TriggerResult]]:
        """Write the campaign and queue each leg's call; results are in the legs' order."""
        _check_legs(legs)
        campaign = await self._campaigns.create(
            uuid.uuid4(), name, window.start, window.end, window.timezone
        )
        gate = asyncio.Semaphore(_PARALLEL_TRIGGERS)

        async def trigger(leg: Leg) -> TriggerResult:
            async with gate:
                return await self._triggers.request_call(
                    leg.driver_id,
                    leg.trip_id,
                    leg.phone,
                    None,
                    leg.driver_name,
                    campaign_id=campaign.id,
                )

        results = await asyncio.gather(*(trigger(leg) for leg in legs))
        return campaign, list(results)

    async def progress(self, campaign_id: uuid.UUID) -> CampaignProgress | None:
        campaign = await self._campaigns.get(campaign_id)
        if campaign is None:
            return None
        rows = await self._pool.fetch(
            """
            SELECT status, outcome, count(*) AS n FROM calls
            WHERE campaign_id = $1 GROUP BY status, outcome
            """,
            campaign_id,
        )
        by_status: Counter[CallStatus] = Counter(dict.fromkeys(CallStatus, 0))
        by_outcome: Counter[Outcome] = Counter()
        for row in rows:
            by_status[CallStatus(row["status"])] += row["n"]
            if row["outcome"] is not None:
                by_outcome[Outcome(row["outcome"])] += row["n"]
        return CampaignProgress(campaign, dict(by_status), dict(by_outcome))


class CampaignWindows:
    """The calling window of a call: its campaign's, else the default one."""

    def __init__(self, campaigns: CampaignRepository, default: CallingWindow) -> None:
        self._campaigns = campaigns
        self._default = default
        self._cache: dict[uuid.UUID, CallingWindow] = {}

    @property
    def default(self) -> CallingWindow:
        return self._default

    async def for_call(self, call: CallRecord) -> CallingWindow:
        if call.campaign_id is None:
            return self._default
        cached = self._cache.get(call.campaign_id)
        if cached is None:
            campaign = await self._campaigns.get(call.campaign_id)
            cached = window_of(campaign) if campaign is not None else self._default
            self._cache[call.campaign_id] = cached
        return cached


def _check_legs(legs: Sequence[Leg]) -> None:
    if not 1 <= len(legs) <= MAX_LEGS:
        raise InvalidLeg(0, "legs", f"a campaign has 1 to {MAX_LEGS} legs, got {len(legs)}")
    seen: dict[tuple[str, str], int] = {}
    for index, leg in enumerate(legs):
        try:
            validate_trigger(leg.driver_id, leg.trip_id, leg.phone)
        except InvalidTrigger as exc:
            raise InvalidLeg(index, exc.field, exc.reason) from None
        pair = (leg.driver_id, leg.trip_id)
        if pair in seen:
            raise InvalidLeg(index, "trip_id", f"same driver and trip as legs[{seen[pair]}]")
        seen[pair] = index
