"""Inbound calls that Karla does not talk through: a caller she cannot identify, and the
same ringing notification delivered twice."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx

from devstack.dev_stack import DevStack
from devstack.dev_urls import WEBHOOK_PATH
from tests.integration.e2e.support import emulator, eventually, until_final


async def test_a_caller_not_on_file_is_forwarded_to_a_person_and_recorded(
    dev: DevStack, api: httpx.AsyncClient
) -> None:
    stranger = "+529991234567"
    async with httpx.AsyncClient(timeout=10) as http:
        rung = await http.post(
            f"{dev.urls.emulator}/_emulator/inbound", json={"from": stranger, "says": ["Hola"]}
        )
    session = rung.json()["telephony_session_id"]

    call = await until_final(api, await eventually(lambda: _inbound_call_from(api, stranger)))
    assert (call["status"], call["outcome"], call["driver_id"]) == (
        "completed",
        "transferred",
        "desconocido",
    )
    assert call["outcome_reason"] == "número no registrado: transferida a 2000"
    (taken,) = [t for t in await emulator(dev, "transfers") if t["telephony_session_id"] == session]
    assert (taken["how"], taken["target"]) == ("forward", {"extensionNumber": "2000"})


async def test_a_ring_notified_twice_opens_one_call(dev: DevStack, api: httpx.AsyncClient) -> None:
    caller = "+525512345678"  # D-9008, no trip on file
    notification = _ringing(f"s-{uuid.uuid4().hex}", caller)
    async with httpx.AsyncClient(timeout=10) as http:
        answers = await asyncio.gather(
            *(
                http.post(dev.urls.gateway + WEBHOOK_PATH, json=notification, headers=_signed(dev))
                for _ in range(2)
            )
        )
    assert [answer.status_code for answer in answers] == [200, 200]
    effects = {answer.json()["effects"][0] for answer in answers}
    assert effects in ({"inbound_opened", "ignored"}, {"inbound_opened", "repeated"})
    calls = (await api.get("/api/calls", params={"driver_id": "D-9008"})).json()["items"]
    assert [(c["direction"], c["status"], c["attempts"]) for c in calls] == [
        ("inbound", "dialing", 1)
    ]


async def test_a_caller_who_hangs_up_while_it_rings_is_not_called_back(
    dev: DevStack, api: httpx.AsyncClient
) -> None:
    caller = "+525512345678"  # D-9008
    session = f"s-{uuid.uuid4().hex}"
    async with httpx.AsyncClient(timeout=10) as http:
        for sequence, status in (
            (1, {"code": "Setup"}),
            (2, {"code": "Disconnected", "reason": "Cancelled"}),
        ):
            notification = _ringing(session, caller, sequence=sequence, status=status)
            answer = await http.post(
                dev.urls.gateway + WEBHOOK_PATH, json=notification, headers=_signed(dev)
            )
            assert answer.status_code == 200, answer.text

    calls = (await api.get("/api/calls", params={"driver_id": "D-9008"})).json()["items"]
    (call,) = [c for c in calls if c["status"] != "dialing"]
    assert (call["direction"], call["status"], call["next_attempt_at"]) == (
        "inbound",
        "failed",
        None,
    )
    assert call["outcome_reason"] == "la llamada entrante terminó antes de la conversación"


def _signed(dev: DevStack) -> dict[str, str]:
    token = dev.settings.ringcentral_webhook_verification_token.get_secret_value()
    return {"Verification-Token": token}


async def _inbound_call_from(api: httpx.AsyncClient, phone: str) -> str | None:
    calls = (await api.get("/api/calls", params={"driver_id": "desconocido"})).json()["items"]
    return next((c["call_id"] for c in calls if c["phone"] == phone), None)


def _ringing(
    telephony_session_id: str,
    caller: str,
    *,
    sequence: int = 1,
    status: dict[str, str] | None = None,
) -> dict[str, Any]:
    """RingCentral's notification about a call to Karla's extension (ringcentral.md §3);
    by default, that it rings."""
    return {
        "uuid": str(uuid.uuid4().int >> 64),
        "event": "/restapi/v1.0/account/100000001/extension/100000002/telephony/sessions",
        "timestamp": "2026-11-24T16:00:00.000Z",
        "subscriptionId": str(uuid.uuid4()),
        "ownerId": "100000002",
        "body": {
            "sequence": sequence,
            "sessionId": "425008160016",
            "telephonySessionId": telephony_session_id,
            "serverId": "10.13.22.28.TAM",
            "eventTime": "2026-11-24T16:00:00.000Z",
            "origin": {"type": "Call"},
            "parties": [
                {
                    "accountId": "100000001",
                    "extensionId": "100000002",
                    "id": f"p-{telephony_session_id[2:]}-2",
                    "direction": "Inbound",
                    "from": {"phoneNumber": caller},
                    "to": {"phoneNumber": "+525555550100", "extensionId": "100000002"},
                    "status": {"rcc": False, **(status or {"code": "Setup"})},
                    "missedCall": False,
                    "standAlone": False,
                    "muted": False,
                }
            ],
        },
    }
