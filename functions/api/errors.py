"""Every error the API returns is JSON `{"error": code, "reason": text}`.

FastAPI's own 422 and HTTPException answers are re-shaped to that form, an unreachable
data store is a 503, and anything unexpected becomes a generic 500 that is logged in full
(through the scrubbing logger) but says nothing to the caller.
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from http import HTTPStatus

import asyncpg
import redis.exceptions
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.observability.logging import get_logger

_log = get_logger(__name__)

# A data store that does not answer is an outage, not a bug: 503, so clients retry later.
_UNAVAILABLE: tuple[type[Exception], ...] = (
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    ConnectionError,
    TimeoutError,
)


class ApiError(Exception):
    """An answer the handlers mean to give: status, machine code, human reason."""

    def __init__(
        self, status: int, code: str, reason: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(reason)
        self.status = status
        self.code = code
        self.reason = reason
        self.headers = headers


def _error_response(
    status: int, code: str, reason: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"error": code, "reason": reason}, status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    for unavailable in _UNAVAILABLE:
        app.add_exception_handler(unavailable, _unavailable)


async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
    return _error_response(exc.status, exc.code, exc.reason, exc.headers)


async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
    code = _code_for(exc.status_code)
    reason = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    return _error_response(exc.status_code, code, reason, exc.headers)


async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    return _error_response(422, "invalid_request", _validation_reason(exc))


async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
    _log.warning("api_data_store_unavailable", path=request.url.path, error_type=type(exc).__name__)
    return _error_response(
        503, "unavailable", "a data store is not answering; retry later", {"Retry-After": "5"}
    )


class UnhandledErrorMiddleware:
    """Answer any exception the handlers let through with the generic 500.

    Starlette's ServerErrorMiddleware would answer too, but then re-raise to the server,
    which logs the raw traceback unscrubbed; here it is logged once, scrubbed.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, send_tracking)
        except Exception as exc:
            _log.error(
                "api_unhandled_error",
                method=scope["method"],
                path=scope["path"],
                error_type=type(exc).__name__,
                traceback="".join(traceback.format_exception(exc)),
            )
            if started:  # too late for an answer: the server drops the connection
                raise
            response = _error_response(
                500, "internal_error", "internal error; the request was logged"
            )
            await response(scope, receive, send)


def _validation_reason(exc: RequestValidationError) -> str:
    """'body.phone: field required; query.limit: ...' — where and what, never the input."""
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()))
        parts.append(f"{where}: {err.get('msg', 'invalid')}" if where else err.get("msg", ""))
    return "; ".join(parts) or "invalid request"


def _code_for(status: int) -> str:
    try:
        return HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")
    except ValueError:
        return "http_error"
