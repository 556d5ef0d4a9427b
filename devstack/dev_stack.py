"""`karla dev`: the whole of Karla on one machine, wired as in AWS, started by one call.

Postgres and Redis (configured, or embedded), the client-system mock seeded from the dev
numbers, the trigger API on uvicorn, SQS (moto in server mode) with the dispatch queue and
its DLQ, the control plane's Lambda handlers (dispatcher on the queue, call_events behind
a local HTTP API route, scheduler on the dev clock; see dev_functions), the media server,
and the telephony emulator in RingCentral's place: the dispatcher dials it through the
real RingCentral client, it posts RingCentral's webhooks, and its answered calls connect
a simulated driver to the media server as audio (dev_phones). Transfers reach the
emulator's human agent through the real `RingCentralHandoff`.

Only these differ from production, each for a laptop's sake: the clock can be moved
forward (dev_clock); unless configured, the calling window is open all day (a call
placed at night should ring) and the dial rate is 2 a second (the functions share one
thread here, so a batch waiting for dial tokens would hold webhooks back).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import os
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import SecretStr

from functions.api.app import create_app
from functions.api.deps import build_dependencies
from media_server.server import MediaServer
from shared.calls.call_legs import CallLegs
from shared.calls.plane import open_control_plane
from shared.config import Settings
from shared.serving import bind_socket, serving_on, url_of
from shared.telephony.dialer import MediaLegs
from shared.telephony.ringcentral import RingCentralClient, RingCentralHandoff
from shared.tools.dispatcher import ToolDispatcher

from .dev_aws import LocalSqs, environment, local_sqs
from .dev_clock import DevClock
from .dev_functions import LambdaHost, Schedules, gateway_app, running_functions
from .dev_numbers import DevNumbers
from .dev_phones import SimulatedBridge
from .dev_urls import WEBHOOK_PATH, DevUrls, stack_file
from .media_link import SttChannels, stack_services, with_media_secret
from .stack import LocalStack, local_stack
from .telephony_emulator import EmulatorBriefing, TelephonyEmulator, serve_emulator
from .telephony_emulator.emulator import (
    LOCAL_CLIENT_ID,
    LOCAL_CLIENT_SECRET,
    LOCAL_DEVICE_ID,
    LOCAL_FROM_NUMBER,
    LOCAL_JWT,
)

LOCAL_TRANSFER_TARGET = "2000"  # the human queue's extension on the emulator
TRANSFER_SECONDS = 0.5  # how long the emulator takes to move a transferred call
ALL_DAY = (dt.time(0, 0), dt.time(23, 59, 59))
DEV_DIAL_RATE = (2.0, 10)  # per second, burst
# Powertools in the handlers: no X-Ray, no CloudWatch metrics on stdout, quiet loggers.
_POWERTOOLS = {
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
}


@dataclass(frozen=True)
class DevPorts:
    """Where each server listens on loopback; 0 is any free port."""

    api: int = 8080
    client_mock: int = 8081
    media: int = 8090
    emulator: int = 8091
    gateway: int = 8092
    sqs: int = 8093


ANY_PORTS = DevPorts(0, 0, 0, 0, 0, 0)


@dataclass
class DevStack:
    settings: Settings  # what the control plane runs with (data stores, SQS, emulator)
    local: LocalStack
    clock: DevClock
    emulator: TelephonyEmulator
    sqs: LocalSqs
    schedules: Schedules
    urls: DevUrls
    numbers: DevNumbers


def dev_settings(
    settings: Settings, emulator_url: str, gateway_url: str, queue_url: str
) -> Settings:
    """`settings` pointed at the local stand-ins, with the dev defaults for what is unset."""
    configured = settings.model_fields_set
    update: dict[str, Any] = {
        "api_token": SecretStr(settings.api_token.get_secret_value() or secrets.token_urlsafe(24)),
        "ringcentral_server_url": emulator_url,
        "ringcentral_client_id": settings.ringcentral_client_id or LOCAL_CLIENT_ID,
        "ringcentral_client_secret": SecretStr(
            settings.ringcentral_client_secret.get_secret_value() or LOCAL_CLIENT_SECRET
        ),
        "ringcentral_jwt": SecretStr(settings.ringcentral_jwt.get_secret_value() or LOCAL_JWT),
        "ringcentral_bridge_device_id": settings.ringcentral_bridge_device_id or LOCAL_DEVICE_ID,
        "ringcentral_from_number": settings.ringcentral_from_number or LOCAL_FROM_NUMBER,
        "ringcentral_transfer_target": settings.ringcentral_transfer_target
        or LOCAL_TRANSFER_TARGET,
        "ringcentral_webhook_url": gateway_url + WEBHOOK_PATH,
        "ringcentral_webhook_verification_token": SecretStr(
            settings.ringcentral_webhook_verification_token.get_secret_value()
            or secrets.token_urlsafe(16)
        ),
        "dispatch_queue_url": queue_url,
    }
    if not {"calling_window_start", "calling_window_end"} & configured:
        update["calling_window_start"], update["calling_window_end"] = ALL_DAY
    if not {"dial_rate_per_second", "dial_rate_burst"} & configured:
        update["dial_rate_per_second"], update["dial_rate_burst"] = DEV_DIAL_RATE
    return with_media_secret(settings.model_copy(update=update))


@contextlib.asynccontextmanager
async def dev_stack(
    settings: Settings,
    numbers: DevNumbers,
    *,
    ports: DevPorts = DevPorts(),
    clock: DevClock | None = None,
    tick_seconds: float = 5.0,
    write_stack_file: bool = True,
) -> AsyncIterator[DevStack]:
    """Start everything, yield it, stop everything (also on error or Ctrl-C).

    `tick_seconds` is the schedules' period in real time (0: only when the clock moves).
    """
    clock = clock or DevClock()
    host = "127.0.0.1"
    async with contextlib.AsyncExitStack() as exits:
        # Bound first: the servers' URLs go into the settings of the others.
        api_sock = bind_socket(host, ports.api)
        exits.callback(api_sock.close)
        gateway_sock = bind_socket(host, ports.gateway)
        exits.callback(gateway_sock.close)
        emulator_sock = bind_socket(host, ports.emulator)
        exits.callback(emulator_sock.close)
        emulator_url = url_of(emulator_sock)
        sqs = exits.enter_context(local_sqs(host, ports.sqs))
        exits.enter_context(environment({k: os.environ.get(k, v) for k, v in _POWERTOOLS.items()}))
        base = dev_settings(settings, emulator_url, url_of(gateway_sock), sqs.queue_url)
        local = await exits.enter_async_context(local_stack(base, mock_port=ports.client_mock))
        plane = base.model_copy(
            update={
                "database_url": local.stores.database_url,
                "redis_url": local.stores.redis_url,
                "client_api_base_url": local.mock_url,
            }
        )
        await _seed(local, numbers, clock().astimezone(ZoneInfo(plane.timezone)).date())

        channels = SttChannels(plane)
        media = await exits.enter_async_context(
            _media_server(local, plane, channels, emulator_url, host, ports.media)
        )
        bridge = SimulatedBridge(
            MediaLegs(local.redis, plane.redis_key_prefix),
            media.url("/media"),
            channels,
            plane.media_token_secret.get_secret_value(),
        )
        emulator = TelephonyEmulator.from_settings(plane, on_answered=bridge.answered)
        emulator.on_ringing = bridge.ringing
        emulator.transfer_seconds = TRANSFER_SECONDS
        for number in numbers.numbers:
            emulator.script(number.phone, number.behaviour, number.says, number.calls_karla)
        await exits.enter_async_context(serve_emulator(emulator, sock=emulator_sock))

        lambda_host, schedules = await exits.enter_async_context(
            running_functions(
                lambda: open_control_plane(plane, clock=clock),
                sqs.client,
                sqs.queue_url,
                lambda functions: _schedules(functions, clock, plane),
                tick_seconds,
            )
        )
        gateway = gateway_app(lambda_host, clock, schedules)
        await exits.enter_async_context(serving_on(gateway, gateway_sock))
        api = create_app(build_dependencies(plane, local.pool, local.redis))
        api_url = await exits.enter_async_context(serving_on(api, api_sock))

        urls = DevUrls(
            api=api_url,
            token=plane.api_token.get_secret_value(),
            client_mock=local.mock_url,
            media=media.url("/media"),
            emulator=emulator_url,
            gateway=url_of(gateway_sock),
            sqs=sqs.endpoint,
            queue=sqs.queue_url,
        )
        if write_stack_file:
            path = stack_file(settings)
            urls.write(path)
            exits.callback(path.unlink, missing_ok=True)
        yield DevStack(plane, local, clock, emulator, sqs, schedules, urls, numbers)


def _schedules(host: LambdaHost, clock: DevClock, settings: Settings) -> Schedules:
    return Schedules(
        host,
        clock,
        settings.calling_window_start,
        settings.calling_window_end,
        settings.timezone,
    )


async def _seed(local: LocalStack, numbers: DevNumbers, today: dt.date) -> None:
    """The numbers' trips into the client-system mock, their drivers into Karla's directory."""
    local.mock.reset(numbers.trips(today))
    for number in numbers.numbers:
        await local.audit.drivers.upsert(number.driver.driver_id, number.phone, number.driver.name)


@contextlib.asynccontextmanager
async def _media_server(
    local: LocalStack,
    settings: Settings,
    channels: SttChannels,
    emulator_url: str,
    host: str,
    port: int,
) -> AsyncIterator[MediaServer]:
    """The media server, whose transfers go to the emulator's human agent."""
    async with (
        RingCentralClient.from_settings(settings) as telephony,
        contextlib.aclosing(EmulatorBriefing(emulator_url)) as briefing,
    ):
        legs = CallLegs(local.redis, settings.redis_key_prefix, settings.call_session_ttl_seconds)
        handoff = RingCentralHandoff(
            telephony, legs.find, settings.ringcentral_transfer_target, briefing
        )
        wired = dataclasses.replace(
            local, dispatcher=ToolDispatcher(local.trips, handoff, local.audit.tool_calls)
        )
        server = MediaServer(stack_services(wired, channels))
        await server.start(host, port)
        try:
            yield server
        finally:
            await server.stop()
