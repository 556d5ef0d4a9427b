"""`/api/calls`: trigger a call, read one with its audit, list them.

Thin on purpose: parse, call `shared.calls`, shape the answer. Phone numbers go back to the
client in E.164 (the client gave them to us); only logs mask them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status

from functions.api.auth import require_client
from functions.api.deps import ApiDependencies, get_deps
from functions.api.errors import ApiError
from functions.api.schemas import (
    COMMON_ERRORS,
    CallAccepted,
    CallDetail,
    CallList,
    CallRequest,
    CallSummary,
)
from functions.api.schemas import ErrorBody as Err
from shared.calls.triggers import (
    ID_PATTERN,
    MAX_ID_LENGTH,
    IdempotencyConflict,
    InvalidTrigger,
    TriggerInProgress,
)
from shared.db.repositories import InvalidCursor
from shared.domain.call import CallStatus
from shared.observability.metrics import RATE_LIMITED

router = APIRouter(prefix="/api/calls", tags=["calls"], responses=COMMON_ERRORS)

Deps = Annotated[ApiDependencies, Depends(get_deps)]
Client = Annotated[str, Depends(require_client)]

_CLIENT_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Err, "description": "Missing, malformed or wrong bearer token."},
    422: {"model": Err, "description": "A parameter or the body is invalid; `reason` says which."},
}
_IDEMPOTENCY_KEY = r"^[\x20-\x7E]+$"


async def rate_limited_client(deps: Deps, client: Client) -> str:
    """Authenticate, then take one token from the client's bucket: before the body is validated."""
    settings = deps.settings
    decision = await deps.rate_limiter.take(
        f"api:{client}", settings.api_rate_per_second, settings.api_rate_burst
    )
    if not decision.allowed:
        RATE_LIMITED.labels("api").inc()
        retry_after = max(1, math.ceil(decision.retry_after_seconds))
        raise ApiError(
            429,
            "rate_limited",
            f"too many requests; retry in {retry_after} s",
            {"Retry-After": str(retry_after)},
        )
    return client


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=CallAccepted,
    response_description="A new call, queued for dialling.",
    summary="Trigger a call to a driver about a trip leg",
    description=(
        "Validates the phone (Mexican numbers only, stored as E.164), writes the call as "
        "`queued` and queues it for dialling. **202** for a new call. **200** with the earlier "
        "call when this is a replay: the same `Idempotency-Key` and body, or (without a key) "
        "an open call for the same driver and trip. A trigger never dials twice."
    ),
    responses={
        200: {"model": CallAccepted, "description": "Replay: the call this trigger made before."},
        409: {
            "model": Err,
            "description": "The Idempotency-Key was used with a different body, or the first "
            "request with it is still being processed.",
        },
        429: {
            "model": Err,
            "description": "Too many triggers from this client; retry after `Retry-After` s.",
            "headers": {"Retry-After": {"schema": {"type": "integer"}}},
        },
        **_CLIENT_ERRORS,
    },
)
async def trigger_call(
    body: CallRequest,
    response: Response,
    request: Request,
    deps: Deps,
    _client: Annotated[str, Depends(rate_limited_client)],
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=255,
            pattern=_IDEMPOTENCY_KEY,
            description="Any 1..255 printable ASCII characters; repeat it to retry safely.",
        ),
    ] = None,
) -> CallAccepted:
    if len(request.headers.getlist("idempotency-key")) > 1:
        raise ApiError(422, "invalid_request", "header.Idempotency-Key: send it once")
    try:
        result = await deps.triggers.request_call(
            body.driver_id, body.trip_id, body.phone, idempotency_key, body.driver_name
        )
    except InvalidTrigger as exc:
        raise ApiError(422, "invalid_request", f"body.{exc.field}: {exc.reason}") from None
    except IdempotencyConflict as exc:
        raise ApiError(409, "idempotency_conflict", str(exc)) from None
    except TriggerInProgress as exc:
        raise ApiError(409, "in_progress", str(exc), {"Retry-After": "1"}) from None
    response.headers["Location"] = f"{router.prefix}/{result.call.id}"
    if result.replayed:
        response.status_code = status.HTTP_200_OK
    return CallAccepted(call_id=result.call.id, status=result.call.status, replayed=result.replayed)


@router.get(
    "/{call_id}",
    response_model=CallDetail,
    summary="A call with its status, outcome, usage, transcript and tool calls",
    responses={404: {"model": Err, "description": "No call with this id."}, **_CLIENT_ERRORS},
)
async def get_call(call_id: uuid.UUID, deps: Deps, _client: Client) -> CallDetail:
    call = await deps.audit.calls.get(call_id)
    if call is None:
        raise ApiError(404, "not_found", f"no call {call_id}")
    turns, tool_calls = await asyncio.gather(
        deps.audit.turns.list(call_id), deps.audit.tool_calls.list(call_id)
    )
    return CallDetail.build(call, turns, tool_calls)


@router.get(
    "",
    response_model=CallList,
    summary="Calls, newest first, filtered and paginated",
    description="Keyset pagination: pass `next_cursor` back as `cursor` until it is null.",
    responses=_CLIENT_ERRORS,
)
async def list_calls(
    deps: Deps,
    _client: Client,
    status_: Annotated[CallStatus | None, Query(alias="status")] = None,
    driver_id: Annotated[
        str | None, Query(min_length=1, max_length=MAX_ID_LENGTH, pattern=ID_PATTERN)
    ] = None,
    created_from: Annotated[
        dt.datetime | None, Query(description="Inclusive; ISO 8601 with a time zone.")
    ] = None,
    created_to: Annotated[
        dt.datetime | None, Query(description="Exclusive; ISO 8601 with a time zone.")
    ] = None,
    limit: Annotated[int, Query(ge=1, description="Page size, at most API_PAGE_SIZE_MAX.")] = 50,
    cursor: Annotated[str | None, Query(min_length=1, max_length=512)] = None,
) -> CallList:
    _check_window(created_from, created_to)
    page_max = deps.settings.api_page_size_max
    if limit > page_max:
        raise ApiError(422, "invalid_request", f"query.limit: at most {page_max}")
    try:
        page = await deps.audit.calls.list(
            status=status_,
            driver_id=driver_id,
            created_from=created_from,
            created_to=created_to,
            limit=limit,
            cursor=cursor,
        )
    except InvalidCursor as exc:
        raise ApiError(422, "invalid_request", f"query.cursor: {exc}") from None
    return CallList(items=[CallSummary.of(c) for c in page.items], next_cursor=page.next_cursor)


def _check_window(created_from: dt.datetime | None, created_to: dt.datetime | None) -> None:
    for name, value in (("created_from", created_from), ("created_to", created_to)):
        if value is not None and value.tzinfo is None:
            raise ApiError(422, "invalid_request", f"query.{name}: needs a time zone offset")
    if created_from and created_to and created_from >= created_to:
        raise ApiError(422, "invalid_request", "query.created_from: must be before created_to")
