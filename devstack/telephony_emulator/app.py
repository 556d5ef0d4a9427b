"""The emulator over HTTP: RingCentral's REST paths, plus admin endpoints under /_emulator.

Admin: `PUT /numbers/{phone}` scripts a number (`behaviour`, optional `says`), `POST
/inbound` makes a driver call Karla (`from`, optional `says`), `POST /faults`, `POST
/tokens/expire`, `POST /briefings`, and `GET /calls|/transfers|/hangups|/requests`.

The RingCentral paths are exactly the ones `RingCentralClient` calls (ringcentral.md) and
answer in RingCentral's shapes, errors included. Every request to them is logged and may be
answered by an injected fault first (429 with `Retry-After`, 5xx), before any auth check,
as RingCentral's rate limiter would. The admin endpoints (never logged, never faulted) let
a demo or a test in another process script numbers, inject faults, expire tokens, send
transfer briefings and read what happened.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from devstack.telephony_emulator.emulator import TelephonyEmulator
from devstack.telephony_emulator.model import (
    Behaviour,
    Briefing,
    EmulatedCall,
    EmulatorError,
    Fault,
    as_json,
)
from devstack.telephony_emulator.webhooks import our_party

API = "/restapi/v1.0"
SESSIONS = f"{API}/account/~/telephony/sessions"
ADMIN = "/_emulator"


def build_app(emulator: TelephonyEmulator) -> ASGIApp:
    routes = [*_ringcentral_routes(emulator), Mount(ADMIN, routes=_admin_routes(emulator))]
    app = Starlette(routes=routes, exception_handlers={EmulatorError: _error_response})
    return _LogAndFault(app, emulator)


def _ringcentral_routes(emulator: TelephonyEmulator) -> list[Route]:
    async def token(request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode()))
        grant = emulator.tokens.grant(request.headers.get("authorization"), form)
        return JSONResponse(grant)

    async def call_out(request: Request) -> Response:
        _authorize(emulator, request)
        call = emulator.call_out(await _json(request))
        return JSONResponse(
            {"session": _session(call)},
            status_code=201,
            background=BackgroundTask(emulator.ring, call),
        )

    async def transfer(request: Request) -> Response:
        _authorize(emulator, request)
        params = request.path_params
        call = emulator.transfer(params["session_id"], params["party_id"], await _json(request))
        return JSONResponse(our_party(call))

    async def forward(request: Request) -> Response:
        _authorize(emulator, request)
        params = request.path_params
        call = emulator.forward(params["session_id"], params["party_id"], await _json(request))
        return JSONResponse(our_party(call))

    async def hang_up(request: Request) -> Response:
        _authorize(emulator, request)
        emulator.hang_up(request.path_params["session_id"])
        return Response(status_code=204)

    async def subscribe(request: Request) -> Response:
        _authorize(emulator, request)
        subscription = await emulator.webhooks.subscribe(await _json(request))
        return JSONResponse(subscription.to_wire())

    async def subscription(request: Request) -> Response:
        _authorize(emulator, request)
        found = emulator.webhooks.get(request.path_params["subscription_id"])
        if request.method == "DELETE":
            del emulator.webhooks.subscriptions[found.id]
            return Response(status_code=204)
        return JSONResponse(found.to_wire())

    async def renew(request: Request) -> Response:
        _authorize(emulator, request)
        found = emulator.webhooks.get(request.path_params["subscription_id"])
        if found.status == "Active":
            return JSONResponse(found.to_wire())
        raise EmulatorError(400, "SUB-533", f"Subscription is {found.status}")

    return [
        Route("/restapi/oauth/token", token, methods=["POST"]),
        Route(f"{API}/account/~/telephony/call-out", call_out, methods=["POST"]),
        Route(f"{SESSIONS}/{{session_id}}", hang_up, methods=["DELETE"]),
        Route(
            f"{SESSIONS}/{{session_id}}/parties/{{party_id}}/transfer", transfer, methods=["POST"]
        ),
        Route(f"{SESSIONS}/{{session_id}}/parties/{{party_id}}/forward", forward, methods=["POST"]),
        Route(f"{API}/subscription", subscribe, methods=["POST"]),
        Route(f"{API}/subscription/{{subscription_id}}", subscription, methods=["GET", "DELETE"]),
        Route(f"{API}/subscription/{{subscription_id}}/renew", renew, methods=["POST"]),
    ]


def _admin_routes(emulator: TelephonyEmulator) -> list[Route]:
    async def script_number(request: Request) -> Response:
        body = await _json(request)
        try:
            behaviour = Behaviour(str(body.get("behaviour")))
        except ValueError:
            raise EmulatorError(
                400, "EMU-1", f"behaviour must be one of {list(Behaviour)}"
            ) from None
        emulator.script(request.path_params["phone"], behaviour, _lines(body))
        return Response(status_code=204)

    async def call_in(request: Request) -> Response:
        body = await _json(request)
        call = emulator.call_in(str(body.get("from", "")), _lines(body))
        return JSONResponse(as_json(call), status_code=201)

    async def inject_fault(request: Request) -> Response:
        body = await _json(request)
        try:
            emulator.inject_fault(Fault(**body))
        except TypeError as exc:
            raise EmulatorError(400, "EMU-2", str(exc)) from None
        return Response(status_code=204)

    async def expire_tokens(_: Request) -> Response:
        emulator.tokens.expire_all()
        return Response(status_code=204)

    async def brief(request: Request) -> Response:
        body = await _json(request)
        try:
            session_id = str(body.pop("telephony_session_id"))
            emulator.brief(session_id, Briefing(**body))
        except (KeyError, TypeError) as exc:
            raise EmulatorError(400, "EMU-3", f"invalid briefing: {exc}") from None
        return Response(status_code=204)

    def listing(records: Any) -> Any:
        async def endpoint(_: Request) -> Response:
            return JSONResponse(as_json(records()))

        return endpoint

    return [
        Route("/numbers/{phone}", script_number, methods=["PUT"]),
        Route("/inbound", call_in, methods=["POST"]),
        Route("/faults", inject_fault, methods=["POST"]),
        Route("/tokens/expire", expire_tokens, methods=["POST"]),
        Route("/briefings", brief, methods=["POST"]),
        Route("/calls", listing(lambda: list(emulator.calls.values()))),
        Route("/transfers", listing(lambda: emulator.transfers)),
        Route("/hangups", listing(lambda: emulator.hangups)),
        Route("/requests", listing(lambda: emulator.requests)),
    ]


class _LogAndFault:
    """Logs every RingCentral request with its status, and serves injected faults."""

    def __init__(self, app: ASGIApp, emulator: TelephonyEmulator) -> None:
        self._app = app
        self._emulator = emulator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(ADMIN):
            await self._app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        fault = self._emulator.take_fault(method, path)
        if fault is not None:
            self._emulator.log(method, path, fault.status)
            await _fault_response(fault)(scope, receive, send)
            return
        status = 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                self._emulator.log(method, path, status)
            await send(message)

        await self._app(scope, receive, recording_send)


def _fault_response(fault: Fault) -> Response:
    if fault.status == 429:
        error = EmulatorError(429, "CMN-301", "Request rate exceeded")
        if fault.retry_after is not None:
            error.headers["Retry-After"] = f"{fault.retry_after:g}"
    else:
        error = EmulatorError(fault.status, "CMN-211", "Injected fault")
    return JSONResponse(error.body(), status_code=error.status, headers=error.headers)


async def _error_response(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, EmulatorError)
    return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)


def _authorize(emulator: TelephonyEmulator, request: Request) -> None:
    emulator.tokens.authorize(request.headers.get("authorization"))


async def _json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        body = json.loads(raw) if raw.strip() else {}
    except ValueError:
        raise EmulatorError(400, "CMN-100", "Request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise EmulatorError(400, "CMN-100", "Request body must be a JSON object")
    return body


def _lines(body: dict[str, Any]) -> list[str] | None:
    """The optional `says` of an admin request: what the driver says, line by line."""
    says = body.get("says")
    if says is None:
        return None
    if not isinstance(says, list) or not all(isinstance(line, str) and line for line in says):
        raise EmulatorError(400, "EMU-4", "says must be a list of non-empty strings")
    return says


def _session(call: EmulatedCall) -> dict[str, Any]:
    return {
        "id": call.telephony_session_id,
        "origin": {"type": "CallOut"},
        "creationTime": as_json(call.created_at),
        "parties": [our_party(call)],
    }
