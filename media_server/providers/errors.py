"""The errors a speech provider raises to the pipeline, whatever the vendor underneath.

The pipeline catches `SttError` / `TtsError` around a stream and decides what the call does
next (retry, apologise, transfer). Vendor SDK exceptions never leave the one adapter that
imports that SDK; they travel as the `__cause__` of these.
"""

from __future__ import annotations

from websockets.exceptions import ConnectionClosed


class ProviderError(RuntimeError):
    """A provider failed: refused the connection, closed it with an error, or timed out."""

    def __init__(self, provider: str, message: str) -> None:
        super().__init__(f"{provider}: {message}")
        self.provider = provider


class SttError(ProviderError):
    """Speech to text failed; raised from `open`, `send`, `finalize` or `transcripts()`."""


class TtsError(ProviderError):
    """Text to speech failed; raised from `open`, `send_text`, `end_input` or `audio()`."""


def close_reason(exc: ConnectionClosed) -> str:
    """How a provider's socket closed, for the error message."""
    close = exc.rcvd or exc.sent
    return f"code {close.code} {close.reason!r}" if close is not None else "no close frame"
