"""`/api/campaigns`: queue a batch of trip legs within one calling window, read progress.

Thin like `/api/calls`: parse, call `shared.calls.campaigns`, shape the answer. Each leg is
one call through the same trigger path, so a leg whose driver and trip already have an
open call gets that call back (`replayed`), never a second dial.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response, status
from pydantic import BaseModel, ConfigDict, Field

from functions.api.auth import require_client
from functions.api.deps import ApiDependencies, get_deps
from functions.api.errors import ApiError
from functions.api.routes_calls import rate_limited_client
from functions.api.schemas import COMMON_ERRORS, CallRequest
from functions.api.schemas import ErrorBody as Err
from shared.calls.campaigns import MAX_LEGS, CampaignProgress, InvalidLeg, Leg, window_of
from shared.calls.window import CallingWindow, InvalidWindow
from shared.domain.call import CallStatus, Outcome

router = APIRouter(prefix="/api/campaigns", tags=["campaigns"], responses=COMMON_ERRORS)

Deps = Annotated[ApiDependencies, Depends(get_deps)]
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Err, "description": "Missing, malformed or wrong bearer token."},
    422: {"model": Err, "description": "The body is invalid; `reason` names the leg and field."},
}


class WindowBody(BaseModel):
    """Local wall-clock hours; the window never crosses midnight."""

    start: dt.time = Field(examples=["08:00"])
    end: dt.time = Field(examples=["20:00"])
    timezone: str = Field("America/Mexico_City", min_length=1, max_length=64)

    @classmethod
    def of(cls, window: CallingWindow) -> WindowBody:
        return cls(start=window.start, end=window.end, timezone=window.timezone)


class CampaignRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, examples=["Cierre semana 11"])
    window: WindowBody | None = Field(
        default=None, description="Omitted: the default window (CALLING_WINDOW_START/END)."
    )
    legs: list[CallRequest] = Field(min_length=1, max_length=MAX_LEGS)


class LegAccepted(BaseModel):
    call_id: uuid.UUID
    driver_id: str
    trip_id: str
    status: CallStatus
    replayed: bool = Field(description="True: an open call for this driver and trip existed.")


class CampaignAccepted(BaseModel):
    campaign_id: uuid.UUID
    name: str
    window: WindowBody
    legs: list[LegAccepted]


class CampaignDetail(BaseModel):
    campaign_id: uuid.UUID
    name: str
    window: WindowBody
    created_at: dt.datetime
    total: int
    finished: int = Field(description="Calls in a final status: completed, unreachable, failed.")
    by_status: dict[CallStatus, int] = Field(description="Every status, zeros included.")
    by_outcome: dict[Outcome, int]

    @classmethod
    def of(cls, progress: CampaignProgress) -> CampaignDetail:
        campaign = progress.campaign
        return cls(
            campaign_id=campaign.id,
            name=campaign.name,
            window=WindowBody.of(window_of(campaign)),
            created_at=campaign.created_at,
            total=progress.total,
            finished=progress.finished,
            by_status=progress.by_status,
            by_outcome=progress.by_outcome,
        )


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=CampaignAccepted,
    summary="Queue a batch of trip legs to call within a calling window",
    description=(
        "Every leg is validated before anything is written (422 names the first bad leg). "
        "Each leg becomes a call queued for dialling; outside the window it waits for the "
        "window to open. Read progress with `GET /api/campaigns/{id}`."
    ),
    responses={
        429: {
            "model": Err,
            "description": "Too many requests from this client; retry after `Retry-After` s.",
            "headers": {"Retry-After": {"schema": {"type": "integer"}}},
        },
        **_ERRORS,
    },
)
async def create_campaign(
    body: CampaignRequest,
    response: Response,
    deps: Deps,
    _client: Annotated[str, Depends(rate_limited_client)],
) -> CampaignAccepted:
    settings = deps.settings
    try:
        window = (
            CallingWindow(body.window.start, body.window.end, body.window.timezone)
            if body.window is not None
            else CallingWindow(
                settings.calling_window_start, settings.calling_window_end, settings.timezone
            )
        )
    except InvalidWindow as exc:
        raise ApiError(422, "invalid_request", f"body.window: {exc}") from None
    legs = [Leg(leg.driver_id, leg.trip_id, leg.phone, leg.driver_name) for leg in body.legs]
    try:
        campaign, results = await deps.campaigns.create(body.name, window, legs)
    except InvalidLeg as exc:
        raise ApiError(422, "invalid_request", f"body.{exc}") from None
    response.headers["Location"] = f"{router.prefix}/{campaign.id}"
    return CampaignAccepted(
        campaign_id=campaign.id,
        name=campaign.name,
        window=WindowBody.of(window),
        legs=[
            LegAccepted(
                call_id=result.call.id,
                driver_id=leg.driver_id,
                trip_id=leg.trip_id,
                status=result.call.status,
                replayed=result.replayed,
            )
            for leg, result in zip(legs, results, strict=True)
        ],
    )


@router.get(
    "/{campaign_id}",
    response_model=CampaignDetail,
    summary="A campaign's calls counted by status and outcome",
    responses={404: {"model": Err, "description": "No campaign with this id."}, **_ERRORS},
)
async def get_campaign(
    campaign_id: uuid.UUID, deps: Deps, _client: Annotated[str, Depends(require_client)]
) -> CampaignDetail:
    progress = await deps.campaigns.progress(campaign_id)
    if progress is None:
        raise ApiError(404, "not_found", f"no campaign {campaign_id}")
    return CampaignDetail.of(progress)
