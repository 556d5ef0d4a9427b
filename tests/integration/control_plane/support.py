"""Stand-ins at the control plane's edges and the real AWS event shapes it receives."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from shared.telephony.dialer import DialResult
from tests.aws_events import http_api_event

MX = ZoneInfo("America/Mexico_City")
API_TOKEN = "cp-test-token-0123456789"
WEBHOOK_TOKEN = "rc-verification-token-0123"
WEBHOOK_PATH = "/webhooks/ringcentral"


def mx(hour: int, minute: int = 0, day: int = 10) -> dt.datetime:
    """A Monday in March 2025, Mexico City wall clock."""
    return dt.datetime(2025, 3, day, hour, minute, tzinfo=MX)


class FakeClock:
    """The control plane's clock: moved by the test, never by time passing."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@dataclass(frozen=True)
class Dial:
    call_id: str
    phone: str
    media_token: str
    telephony_session_id: str


@dataclass
class FakeDialer:
    """Records call-outs and hang-ups; `on_dial` runs before call-out "answers"."""

    dials: list[Dial] = field(default_factory=list)
    hang_ups: list[str] = field(default_factory=list)
    fail_with: Exception | None = None
    on_dial: Callable[[str], Awaitable[None]] | None = None

    async def dial(self, call_id: str, phone: str, media_token: str) -> DialResult:
        if self.fail_with is not None:
            raise self.fail_with
        session = f"s-{uuid.uuid4().hex}"
        self.dials.append(Dial(call_id, phone, media_token, session))
        if self.on_dial is not None:
            await self.on_dial(session)
        return DialResult(session)

    async def hang_up(self, telephony_session_id: str) -> None:
        self.hang_ups.append(telephony_session_id)


@dataclass
class FakeLambdaContext:
    function_name: str = "karla-test"
    function_version: str = "$LATEST"
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:karla-test"
    memory_limit_in_mb: int = 512
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "/aws/lambda/karla-test"
    log_stream_name: str = "2025/03/10/[$LATEST]abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 50_000


def api_event(method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    return http_api_event(method, path, body, {"authorization": f"Bearer {API_TOKEN}"})


def webhook_event(body: dict[str, Any] | None, headers: dict[str, str]) -> dict[str, Any]:
    """RingCentral's POST to the webhook route, through API Gateway."""
    return http_api_event(
        "POST",
        WEBHOOK_PATH,
        body,
        {"user-agent": "RingCentral-Webhook/8.3", **headers},
        route_key=f"POST {WEBHOOK_PATH}",
    )


def notification(
    telephony_session_id: str,
    status_code: str,
    reason: str | None = None,
    *,
    sequence: int = 3,
    direction: str = "Outbound",
) -> dict[str, Any]:
    """A telephony-session notification in the shape of ringcentral.md §3."""
    status: dict[str, Any] = {"code": status_code, "rcc": False}
    if reason is not None:
        status["reason"] = reason
    return {
        "uuid": str(uuid.uuid4().int >> 64),
        "event": "/restapi/v1.0/account/809646016/extension/809646016/telephony/sessions",
        "timestamp": "2025-03-10T16:00:18.390Z",
        "subscriptionId": "53300e7c-2f4b-4c1e-9a57-0d4c2b7f5e11",
        "ownerId": "809646016",
        "body": {
            "sequence": sequence,
            "sessionId": "425008160016",
            "telephonySessionId": telephony_session_id,
            "serverId": "10.13.22.28.TAM",
            "eventTime": "2025-03-10T16:00:18.340Z",
            "origin": {"type": "CallOut"},
            "parties": [
                {
                    "accountId": "809646016",
                    "extensionId": "809646016",
                    "id": f"p-{telephony_session_id[2:]}-1",
                    "direction": direction,
                    "to": {"phoneNumber": "+525512345678"},
                    "from": {"phoneNumber": "+525555550100", "deviceId": "59474004"},
                    "status": status,
                    "missedCall": False,
                    "standAlone": False,
                    "muted": False,
                }
            ],
        },
    }


def scheduler_event(action: str) -> dict[str, Any]:
    """The `Input` the template's EventBridge Scheduler schedules deliver."""
    return {"action": action}
