"""The RingCentral client against the telephony emulator over real HTTP.

Each test gets a fresh emulator and a tiny webhook receiver (a Starlette app) that answers
the subscription handshake, checks the verification token and queues the parsed events.
The client's clock and sleep are fake: a wait is asserted by what was slept, never timed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from devstack.telephony_emulator import TelephonyEmulator, build_app
from devstack.telephony_emulator.emulator import (
    LOCAL_CLIENT_ID,
    LOCAL_CLIENT_SECRET,
    LOCAL_DEVICE_ID,
    LOCAL_JWT,
)
from shared.serving import bind_socket, serve_asgi, url_of
from shared.telephony.ringcentral import (
    EventKind,
    JwtCredentials,
    PartyEvent,
    RequestPolicy,
    RingCentralClient,
    handshake_headers,
    parse_notification,
    verify_sender,
)

VERIFICATION_TOKEN = "webhook-shared-secret"
EVENT_WAIT_SECONDS = 10  # a safety net against a hang, not a measurement


@dataclass
class FakeTime:
    """A monotonic clock that moves only when the code under test sleeps."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


@dataclass
class WebhookReceiver:
    """What Karla's call_events webhook does with RingCentral's posts, minus the FSM."""

    url: str = ""
    handshakes: list[str] = field(default_factory=list)
    refused: int = 0
    events: asyncio.Queue[PartyEvent] = field(default_factory=asyncio.Queue)

    async def endpoint(self, request: Request) -> Response:
        body = await request.body()
        if request.url.path == "/mute":  # never echoes the handshake
            return Response(status_code=200)
        reply = handshake_headers(request.headers, body)
        if reply is not None:
            self.handshakes.append(reply["Validation-Token"])
            return Response(status_code=200, headers=reply)
        if not verify_sender(request.headers, VERIFICATION_TOKEN):
            self.refused += 1
            return Response(status_code=401)
        for event in parse_notification(body):
            self.events.put_nowait(event)
        return Response(status_code=200)

    async def next_event(self) -> PartyEvent:
        return await asyncio.wait_for(self.events.get(), EVENT_WAIT_SECONDS)

    async def until(self, *kinds: EventKind) -> list[PartyEvent]:
        """Every event up to and including the first of one of `kinds`."""
        seen = [await self.next_event()]
        while seen[-1].kind not in kinds:
            seen.append(await self.next_event())
        return seen

    async def outcome(self) -> list[PartyEvent]:
        """Every event up to the one that ends (or answers) the dial attempt."""
        seen = [await self.next_event()]
        while seen[-1].attempt_result is None:
            seen.append(await self.next_event())
        return seen


class Plug:
    """An ASGI app that serves whatever the current test plugged in.

    uvicorn takes a noticeable moment to stop, so the emulator and the receiver each get
    one server for the whole session and every test plugs in fresh instances.
    """

    def __init__(self) -> None:
        self.app: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        assert self.app is not None, "no app plugged in"
        await self.app(scope, receive, send)


@contextlib.asynccontextmanager
async def plugged_server() -> AsyncIterator[tuple[Plug, str]]:
    plug = Plug()
    sock = bind_socket("127.0.0.1", 0)
    task = asyncio.create_task(serve_asgi(plug, sock))
    try:
        yield plug, url_of(sock)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        sock.close()


@pytest.fixture(scope="session")
async def receiver_server() -> AsyncIterator[tuple[Plug, str]]:
    async with plugged_server() as served:
        yield served


@pytest.fixture(scope="session")
async def emulator_server() -> AsyncIterator[tuple[Plug, str]]:
    async with plugged_server() as served:
        yield served


@pytest.fixture
def receiver(receiver_server: tuple[Plug, str]) -> WebhookReceiver:
    plug, url = receiver_server
    receiver = WebhookReceiver(url=url + "/rc/webhook")
    plug.app = Starlette(routes=[Route("/{path:path}", receiver.endpoint, methods=["POST"])])
    return receiver


@pytest.fixture
async def emulator(receiver: WebhookReceiver) -> AsyncIterator[TelephonyEmulator]:
    """Subscribed to the receiver already, as a deployed Karla would be."""
    emulator = TelephonyEmulator(webhook_url=receiver.url, verification_token=VERIFICATION_TOKEN)
    yield emulator
    await emulator.aclose()


@pytest.fixture
def emulator_url(emulator_server: tuple[Plug, str], emulator: TelephonyEmulator) -> str:
    plug, url = emulator_server
    plug.app = build_app(emulator)
    return url


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


def make_client(url: str, fake_time: FakeTime, **credentials: str) -> RingCentralClient:
    creds = {"client_id": LOCAL_CLIENT_ID, "client_secret": LOCAL_CLIENT_SECRET, "jwt": LOCAL_JWT}
    policy = RequestPolicy(sleep=fake_time.sleep, clock=fake_time.clock, max_retry_after=60)
    return RingCentralClient(
        url,
        JwtCredentials(**(creds | credentials)),
        LOCAL_DEVICE_ID,
        policy=policy,
        clock=fake_time.clock,
    )


@pytest.fixture
async def client(emulator_url: str, fake_time: FakeTime) -> AsyncIterator[RingCentralClient]:
    async with make_client(emulator_url, fake_time) as client:
        yield client
