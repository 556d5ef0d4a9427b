"""Webhook bodies (shapes from ringcentral.md §3) become typed party events."""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import pytest

from shared.domain.call import AttemptResult
from shared.telephony.ringcentral import (
    EventKind,
    MalformedNotification,
    handshake_headers,
    parse_notification,
    verify_sender,
)
from shared.telephony.ringcentral.events import event_kind

# The doc's sample notification, verbatim apart from the elided ids.
SAMPLE: dict[str, Any] = {
    "uuid": "1823485288313944239",
    "event": "/restapi/v1.0/account/809646016/extension/809646016/telephony/sessions",
    "timestamp": "2020-06-14T19:27:18.390Z",
    "subscriptionId": "53300e7c-0000-4000-8000-000000000000",
    "ownerId": "809646016",
    "body": {
        "sequence": 3,
        "sessionId": "425008160016",
        "telephonySessionId": "s-a6abd24c0000",
        "serverId": "10.13.22.28.TAM",
        "eventTime": "2020-06-14T19:27:18.340Z",
        "origin": {"type": "Call"},
        "parties": [
            {
                "accountId": "809646016",
                "extensionId": "809646016",
                "id": "p-a6abd24c0000-2",
                "direction": "Inbound",
                "to": {
                    "phoneNumber": "+19043014558",
                    "name": "Karla",
                    "extensionId": "809646016",
                },
                "from": {"phoneNumber": "+14083388064"},
                "status": {"code": "Setup", "rcc": False},
                "missedCall": False,
                "standAlone": False,
                "muted": False,
            }
        ],
    },
}


def with_status(code: str, reason: str | None = None, **extra: Any) -> dict[str, Any]:
    body = copy.deepcopy(SAMPLE)
    status: dict[str, Any] = {"code": code, "rcc": False, **extra}
    if reason is not None:
        status["reason"] = reason
    body["body"]["parties"][0]["status"] = status
    return body


def test_the_docs_sample_parses_with_ids_numbers_and_order() -> None:
    (event,) = parse_notification(SAMPLE)
    assert event.kind is EventKind.RINGING
    assert event.telephony_session_id == "s-a6abd24c0000"
    assert event.party_id == "p-a6abd24c0000-2"
    assert event.from_number == "+14083388064"
    assert event.to_number == "+19043014558"
    assert event.direction == "Inbound"
    assert event.sequence == 3
    assert event.event_time == dt.datetime(2020, 6, 14, 19, 27, 18, 340000, tzinfo=dt.UTC)
    assert event.dedupe_key == "1823485288313944239:p-a6abd24c0000-2"
    assert event.attempt_result is None


@pytest.mark.parametrize(
    ("code", "reason", "kind", "result"),
    [
        ("Proceeding", None, EventKind.RINGING, None),
        ("Answered", None, EventKind.ANSWERED, AttemptResult.ANSWERED),
        ("Disconnected", "NoAnswer", EventKind.NO_ANSWER, AttemptResult.NO_ANSWER),
        ("Disconnected", "Timeout", EventKind.NO_ANSWER, AttemptResult.NO_ANSWER),
        ("Disconnected", "TargetBusy", EventKind.BUSY, AttemptResult.BUSY),
        ("Disconnected", "Rejected", EventKind.REJECTED, AttemptResult.REJECTED),
        ("VoiceMail", None, EventKind.VOICEMAIL, AttemptResult.VOICEMAIL),
        ("Voicemail", None, EventKind.VOICEMAIL, AttemptResult.VOICEMAIL),
        ("VMScreening", None, EventKind.VOICEMAIL, AttemptResult.VOICEMAIL),
        ("Disconnected", "InvalidNumber", EventKind.FAILED, AttemptResult.FAILED),
        ("Disconnected", "CallFinished", EventKind.DISCONNECTED, None),
        ("Disconnected", None, EventKind.DISCONNECTED, None),
        ("Disconnected", "BlindTransfer", EventKind.TRANSFERRED, None),
        ("Gone", "AttendedTransfer", EventKind.TRANSFERRED, None),
        ("Hold", None, EventKind.OTHER, None),
    ],
)
def test_status_and_reason_map_to_the_kind_the_fsm_acts_on(
    code: str, reason: str | None, kind: EventKind, result: AttemptResult | None
) -> None:
    (event,) = parse_notification(with_status(code, reason))
    assert (event.kind, event.attempt_result) == (kind, result)
    assert (event.status_code, event.reason) == (code, reason)


def test_a_gone_party_names_the_session_it_moved_to() -> None:
    peer = {"sessionId": "1", "telephonySessionId": "s-other", "partyId": "p-other-1"}
    (event,) = parse_notification(with_status("Gone", peerId=peer))
    assert event.kind is EventKind.TRANSFERRED
    assert event.peer_session_id == "s-other"


def test_codes_and_reasons_compare_case_insensitively() -> None:
    assert event_kind("DISCONNECTED", "targetbusy") is EventKind.BUSY
    assert event_kind("answered", None) is EventKind.ANSWERED


def test_bytes_bodies_and_every_party_are_parsed() -> None:
    body = copy.deepcopy(SAMPLE)
    second = copy.deepcopy(body["body"]["parties"][0])
    second |= {"id": "p-a6abd24c0000-1", "status": {"code": "Answered"}}
    body["body"]["parties"].append(second)
    events = parse_notification(json.dumps(body).encode())
    assert [e.party_id for e in events] == ["p-a6abd24c0000-2", "p-a6abd24c0000-1"]
    assert [e.kind for e in events] == [EventKind.RINGING, EventKind.ANSWERED]


def test_notifications_of_other_filters_are_not_telephony_events() -> None:
    reminder = {"uuid": "1", "event": "/restapi/v1.0/subscription/~?threshold=86400", "body": {}}
    assert parse_notification(reminder) == []


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b"[]",
        {"event": SAMPLE["event"]},
        {"event": SAMPLE["event"], "body": {"parties": []}},
        {"event": SAMPLE["event"], "body": {"telephonySessionId": "s-1", "parties": [{}]}},
    ],
)
def test_malformed_bodies_are_refused(payload: Any) -> None:
    with pytest.raises(MalformedNotification):
        parse_notification(payload)


def test_the_creation_handshake_is_answered_by_echoing_the_validation_token() -> None:
    headers = handshake_headers({"validation-token": "abc123"}, b"")
    assert headers == {"Validation-Token": "abc123", "Content-Type": "application/json"}


def test_a_notification_is_not_a_handshake_even_with_the_legacy_header() -> None:
    body = json.dumps(SAMPLE).encode()
    assert handshake_headers({"Validation-Token": "secret"}, body) is None
    assert handshake_headers({"Content-Type": "application/json"}, b"") is None


@pytest.mark.parametrize(
    ("headers", "expected", "ok"),
    [
        ({"Verification-Token": "s3cret"}, "s3cret", True),
        ({"verification-token": "s3cret"}, "s3cret", True),
        ({"validation-token": "s3cret"}, "s3cret", True),  # older docs' name for the same
        ({"Verification-Token": "other"}, "s3cret", False),
        ({}, "s3cret", False),
        ({"Verification-Token": ""}, "", False),  # no secret configured: refuse all
    ],
)
def test_the_sender_is_verified_by_its_token(
    headers: dict[str, str], expected: str, ok: bool
) -> None:
    assert verify_sender(headers, expected) is ok
