"""A call's lifecycle status and outcome, as the control plane and the audit record them."""

from __future__ import annotations

from enum import StrEnum


class Direction(StrEnum):
    OUTBOUND = "outbound"
    INBOUND = "inbound"


class CallStatus(StrEnum):
    """Where a call is in its life, from trigger to result."""

    QUEUED = "queued"
    WAITING_WINDOW = "waiting_window"
    DIALING = "dialing"
    IN_PROGRESS = "in_progress"
    RETRY_SCHEDULED = "retry_scheduled"
    COMPLETED = "completed"
    UNREACHABLE = "unreachable"
    FAILED = "failed"

    @property
    def is_final(self) -> bool:
        return self in _FINAL_STATUSES


_FINAL_STATUSES = frozenset({CallStatus.COMPLETED, CallStatus.UNREACHABLE, CallStatus.FAILED})


class Outcome(StrEnum):
    """What a finished call achieved for the trip."""

    CONFIRMED = "confirmed"
    UPDATED = "updated"
    CREATED = "created"
    TRANSFERRED = "transferred"
    ENDED_WITHOUT_CHANGE = "ended_without_change"
    UNREACHABLE = "unreachable"


class AttemptResult(StrEnum):
    """How one dial of a call ended (telephony's view)."""

    DIALING = "dialing"  # not finished yet
    ANSWERED = "answered"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    VOICEMAIL = "voicemail"
    REJECTED = "rejected"
    FAILED = "failed"


class Speaker(StrEnum):
    KARLA = "karla"
    DRIVER = "driver"
    SYSTEM = "system"


MAX_ATTEMPTS = 3
RETRY_DELAY_SECONDS = 30 * 60
