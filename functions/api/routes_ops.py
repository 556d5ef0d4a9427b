"""Operations routes: liveness with data-store checks, and Prometheus metrics."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Response

from functions.api.auth import require_client
from functions.api.deps import ApiDependencies, get_deps
from functions.api.schemas import COMMON_ERRORS, ErrorBody, Health
from shared.observability.logging import get_logger
from shared.observability.metrics import render_metrics

router = APIRouter(tags=["operations"], responses={500: COMMON_ERRORS[500]})
_log = get_logger(__name__)
_CHECK_TIMEOUT_SECONDS = 2.0


@router.get(
    "/healthz",
    response_model=Health,
    summary="Liveness, with a round trip to Postgres and Redis",
    responses={503: {"model": Health, "description": "Postgres or Redis is down."}},
)
async def healthz(
    response: Response, deps: Annotated[ApiDependencies, Depends(get_deps)]
) -> Health:
    postgres, redis = await asyncio.gather(
        _check("postgres", deps.pool.fetchval("SELECT 1")), _check("redis", deps.redis.ping())
    )
    checks = {"postgres": postgres, "redis": redis}
    if "down" in checks.values():
        response.status_code = 503
        return Health(status="degraded", checks=checks)
    return Health(status="ok", checks=checks)


async def _check(name: str, probe: Awaitable[Any]) -> Literal["ok", "down"]:
    try:
        await asyncio.wait_for(probe, _CHECK_TIMEOUT_SECONDS)
    except Exception as exc:  # any failure means "down"; the log says which
        _log.warning("health_check_failed", store=name, error_type=type(exc).__name__)
        return "down"
    return "ok"


@router.get(
    "/metrics",
    summary="Prometheus metrics of this process",
    response_class=Response,
    responses={
        200: {"content": {"text/plain": {}}, "description": "Prometheus text exposition."},
        401: {"model": ErrorBody, "description": "Missing, malformed or wrong bearer token."},
    },
)
async def metrics(_client: Annotated[str, Depends(require_client)]) -> Response:
    body, content_type = render_metrics()
    return Response(body, media_type=content_type)
