"""RingCentral: REST client, webhook events and the human handoff (ringcentral.md)."""

from shared.telephony.ringcentral.auth import JwtCredentials
from shared.telephony.ringcentral.client import CallLeg, RingCentralClient
from shared.telephony.ringcentral.errors import (
    RingCentralAuthFailed,
    RingCentralError,
    RingCentralRateLimited,
    RingCentralRejected,
    RingCentralUnavailable,
)
from shared.telephony.ringcentral.events import (
    EventKind,
    MalformedNotification,
    PartyEvent,
    handshake_headers,
    parse_notification,
    verify_sender,
)
from shared.telephony.ringcentral.handoff import (
    CallLegLookup,
    RingCentralHandoff,
    TransferBriefing,
)
from shared.telephony.ringcentral.retry import RateGroup, RequestPolicy
from shared.telephony.ringcentral.subscriptions import TELEPHONY_SESSIONS_FILTER, Subscription

__all__ = [
    "TELEPHONY_SESSIONS_FILTER",
    "CallLeg",
    "CallLegLookup",
    "EventKind",
    "JwtCredentials",
    "MalformedNotification",
    "PartyEvent",
    "RateGroup",
    "RequestPolicy",
    "RingCentralAuthFailed",
    "RingCentralClient",
    "RingCentralError",
    "RingCentralHandoff",
    "RingCentralRateLimited",
    "RingCentralRejected",
    "RingCentralUnavailable",
    "Subscription",
    "TransferBriefing",
    "handshake_headers",
    "parse_notification",
    "verify_sender",
]
