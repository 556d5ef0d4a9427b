"""RingCentral failures, sorted by what the caller can do about them.

`RingCentralRejected` (4xx): the request is wrong for the call's state or our permissions;
sending it again cannot help. `RingCentralAuthFailed`: the credentials themselves were
refused; nothing works until the configuration is fixed. `RingCentralRateLimited`:
RingCentral asked for a longer pause than this process will sleep; come back after
`retry_after` (the dispatcher re-delays its message instead of holding a Lambda).
`RingCentralUnavailable`: no usable answer after the retries; `maybe_processed` says whether
RingCentral may have acted anyway (a call-out that timed out may already be ringing).
"""

from __future__ import annotations


class RingCentralError(Exception):
    """Any failure talking to RingCentral."""


class RingCentralRejected(RingCentralError):
    def __init__(self, status: int, error_code: str | None, message: str) -> None:
        super().__init__(f"RingCentral rejected the request ({status} {error_code}): {message}")
        self.status = status
        self.error_code = error_code
        self.message = message


class RingCentralAuthFailed(RingCentralRejected):
    """The client id/secret or the JWT credential was refused."""


class RingCentralRateLimited(RingCentralError):
    def __init__(self, retry_after: float, group: str) -> None:
        super().__init__(f"RingCentral rate group {group} is penalised for {retry_after:g} s")
        self.retry_after = retry_after
        self.group = group


class RingCentralUnavailable(RingCentralError):
    def __init__(
        self, reason: str, *, status: int | None = None, maybe_processed: bool = False
    ) -> None:
        super().__init__(f"RingCentral unavailable: {reason}")
        self.reason = reason
        self.status = status
        self.maybe_processed = maybe_processed
