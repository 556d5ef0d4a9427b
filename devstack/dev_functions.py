"""The control plane's Lambda functions on a laptop, invoked as AWS invokes them.

Nothing here reimplements them: the very handlers `template.yaml` deploys
(`functions.*.handler.handler`) run with the event shapes AWS sends.
- dispatcher: `SqsEventSource` long-polls the local SQS queue (moto), hands each batch to
  the handler as Lambda's event source mapping does and deletes what succeeded; the
  records in `batchItemFailures` come back after the visibility timeout, then go to the DLQ.
- call_events: `gateway_app` is the HTTP API route in front of it: the webhook request
  becomes an API Gateway (payload 2.0) event and the handler's answer the HTTP response.
- scheduler: `Schedules` are the three EventBridge schedules of the template on the dev
  clock: the window opening and closing at their local times, and the sweep, every tick
  and whenever the clock is moved (`/_dev/clock` on the gateway), so a jump releases what
  came due before the endpoint answers.
The functions share one execution environment, as the control-plane tests do: one thread
with the process-wide `LambdaRuntime`, its loop and control plane (opened with the dev
clock). Invocations are serial there, so the dev stack dials fast enough (its default dial
rate) that no batch holds a webhook back for long.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import json
import uuid
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from shared.aws.runtime import RUNTIME, Opener
from shared.observability.logging import get_logger
from shared.queue.event_source import SqsEventSource

from .dev_clock import ClockError, DevClock, parse_duration
from .dev_urls import CLOCK_PATH, WEBHOOK_PATH

POLL_WAIT_SECONDS = 2  # SQS long polling; short, so Ctrl-C is not held up long

_log = get_logger(__name__)
Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


@dataclass
class LocalContext:
    """The Lambda context object the handlers (and Powertools) read."""

    function_name: str
    timeout_seconds: int = 60
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "/aws/lambda/karla-local"
    log_stream_name: str = "local"

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:000000000000:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return self.timeout_seconds * 1000


class LambdaHost:
    """One Lambda execution environment: a thread that keeps the runtime's loop."""

    def __init__(self) -> None:
        self.executor = ThreadPoolExecutor(1, thread_name_prefix="lambda")

    async def run(self, work: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.executor, work, *args)

    async def start(self, opener: Opener) -> None:
        await self.run(RUNTIME.install, opener)

    async def invoke(self, handler: Handler, event: dict[str, Any], name: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.run(handler, event, LocalContext(name))
        return result

    async def close(self) -> None:
        await self.run(RUNTIME.close)
        self.executor.shutdown(wait=True)


async def consume_dispatch_queue(host: LambdaHost, sqs_client: Any, queue_url: str) -> None:
    """The dispatcher's event source mapping, until cancelled."""
    from functions.dispatcher.handler import handler

    source = SqsEventSource(sqs_client, queue_url, handler, host.executor)
    while True:
        try:
            await source.poll_once(
                wait_seconds=POLL_WAIT_SECONDS,
                context=LocalContext("karla-dispatcher", timeout_seconds=120),
            )
        except Exception as exc:  # moto restarting, a network blip: as AWS, poll again
            _log.warning("dispatch_poll_failed", error=str(exc))
            await asyncio.sleep(POLL_WAIT_SECONDS)


class Schedules:
    """The template's EventBridge schedules, on the dev clock."""

    def __init__(
        self,
        host: LambdaHost,
        clock: DevClock,
        window_start: dt.time,
        window_end: dt.time,
        timezone: str,
    ) -> None:
        self._host = host
        self._clock = clock
        self._zone = ZoneInfo(timezone)
        self._crons = (("open_window", window_start), ("close_window", window_end))
        self._last = clock()
        self._lock = asyncio.Lock()

    async def tick(self) -> dict[str, Any]:
        """What the schedules fire for the clock's move since the last tick, sweep last."""
        from functions.scheduler.handler import handler

        async with self._lock:
            now = self._clock()
            due = [
                action for action, at in self._crons if self._last < _last_at(at, now, self._zone)
            ]
            self._last = now
            ran = {}
            for action in [*due, "sweep"]:
                answer = await self._host.invoke(handler, {"action": action}, "karla-scheduler")
                ran[action] = answer.get("done", {})
            return ran

    async def every(self, seconds: float) -> None:
        """Tick every `seconds` of real time until cancelled."""
        while True:
            await asyncio.sleep(seconds)
            try:
                await self.tick()
            except Exception as exc:  # a failed invocation: the next tick runs again
                _log.warning("schedule_tick_failed", error=str(exc))


def _last_at(local_time: dt.time, now: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """The latest instant at or before `now` when the wall clock in `zone` read `local_time`."""
    local = now.astimezone(zone)
    at = dt.datetime.combine(local.date(), local_time, tzinfo=zone)
    if at > local:
        at = dt.datetime.combine(local.date() - dt.timedelta(days=1), local_time, tzinfo=zone)
    return at


def gateway_app(host: LambdaHost, clock: DevClock, schedules: Schedules) -> Starlette:
    """The HTTP API in front of call_events, plus the dev clock's endpoint."""
    from functions.call_events.handler import handler

    async def webhook(request: Request) -> Response:
        event = api_gateway_event(
            request.method, request.url.path, request.headers, await request.body()
        )
        answer = await host.invoke(handler, event, "karla-call-events")
        body = answer.get("body") or ""
        content = base64.b64decode(body) if answer.get("isBase64Encoded") else body.encode()
        headers = {k: str(v) for k, v in (answer.get("headers") or {}).items()}
        return Response(content, answer.get("statusCode", 500), headers)

    async def read_clock(_: Request) -> Response:
        return JSONResponse(_clock_view(clock))

    async def move_clock(request: Request) -> Response:
        try:
            body = json.loads(await request.body() or b"{}")
            if not isinstance(body, dict):
                raise ClockError("send a JSON object")
            if "to" in body:
                clock.move_to(dt.datetime.fromisoformat(str(body["to"])))
            else:
                clock.advance(parse_duration(body.get("advance", 0)))
        except (ClockError, ValueError) as exc:
            return JSONResponse({"error": "invalid_request", "reason": str(exc)}, 422)
        ran = await schedules.tick()
        return JSONResponse({**_clock_view(clock), "schedules": ran})

    return Starlette(
        routes=[
            Route(WEBHOOK_PATH, webhook, methods=["POST"]),
            Route(CLOCK_PATH, read_clock, methods=["GET"]),
            Route(CLOCK_PATH, move_clock, methods=["POST"]),
        ]
    )


def _clock_view(clock: DevClock) -> dict[str, Any]:
    return {"now": clock().isoformat(), "offset_seconds": clock.offset_seconds}


def api_gateway_event(
    method: str, path: str, headers: Any, body: bytes, route_key: str | None = None
) -> dict[str, Any]:
    """An API Gateway HTTP API (payload 2.0) event for a request, as API Gateway builds it:
    header names lower-cased, a binary-safe body, the route key of the matched route."""
    key = route_key or f"{method} {path}"
    sent = {name.lower(): value for name, value in headers.items()}
    text: str
    try:
        text, encoded = body.decode(), False
    except UnicodeDecodeError:
        text, encoded = base64.b64encode(body).decode(), True
    return {
        "version": "2.0",
        "routeKey": key,
        "rawPath": path,
        "rawQueryString": "",
        "headers": sent,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": "localhost",
            "domainPrefix": "local",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": sent.get("user-agent", ""),
            },
            "requestId": uuid.uuid4().hex,
            "routeKey": key,
            "stage": "$default",
            "timeEpoch": int(dt.datetime.now(dt.UTC).timestamp() * 1000),
        },
        "body": text or None,
        "isBase64Encoded": encoded,
    }


@contextlib.asynccontextmanager
async def running_functions(
    opener: Opener,
    sqs_client: Any,
    queue_url: str,
    schedules_for: Callable[[LambdaHost], Schedules],
    tick_seconds: float,
) -> AsyncIterator[tuple[LambdaHost, Schedules]]:
    """The functions' environment, the dispatcher polling and the schedules ticking."""
    host = LambdaHost()
    await host.start(opener)
    schedules = schedules_for(host)
    tasks = [asyncio.create_task(consume_dispatch_queue(host, sqs_client, queue_url))]
    if tick_seconds > 0:
        tasks.append(asyncio.create_task(schedules.every(tick_seconds)))
    try:
        yield host, schedules
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await host.close()
