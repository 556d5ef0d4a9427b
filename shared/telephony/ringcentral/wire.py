"""Reading RingCentral's JSON answers, including its two error shapes.

REST errors carry `errorCode`/`message` (e.g. `CMN-102`); the OAuth endpoint answers in the
OAuth style, `error`/`error_description`. Both become one `RingCentralRejected`.
"""

from __future__ import annotations

from typing import Any

import httpx

from shared.telephony.ringcentral.errors import (
    RingCentralAuthFailed,
    RingCentralRejected,
    RingCentralUnavailable,
)


def json_object(response: httpx.Response) -> dict[str, Any]:
    """The body of a 2xx as a JSON object; anything else is an outage after RingCentral acted."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise RingCentralUnavailable(
            f"{response.status_code} answer is not a JSON object",
            status=response.status_code,
            maybe_processed=True,
        )
    return body


def rejection(response: httpx.Response) -> RingCentralRejected:
    """The exception for a 4xx answer; a 401 means our credentials, not the request."""
    try:
        body = response.json()
    except ValueError:
        body = None
    body = body if isinstance(body, dict) else {}
    code = body.get("errorCode") or body.get("error")
    message = body.get("message") or body.get("error_description") or response.reason_phrase
    kind = RingCentralAuthFailed if response.status_code == 401 else RingCentralRejected
    return kind(response.status_code, code if isinstance(code, str) else None, str(message))
