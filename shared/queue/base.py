"""The queue interface both the local Redis queue and SQS implement."""

from __future__ import annotations

from typing import Protocol

from shared.queue.messages import DispatchMessage

# SQS refuses longer delivery delays; the local queue enforces the same bound so the demo
# cannot rely on something production cannot do.
MAX_DELAY_SECONDS = 900


class DispatchQueue(Protocol):
    async def send(self, message: DispatchMessage, delay_seconds: int = 0) -> None:
        """Enqueue `message`, deliverable after `delay_seconds` (0..MAX_DELAY_SECONDS)."""
        ...


def check_delay(delay_seconds: int) -> None:
    if not 0 <= delay_seconds <= MAX_DELAY_SECONDS:
        raise ValueError(f"delay_seconds must be 0..{MAX_DELAY_SECONDS}, got {delay_seconds}")
