"""What both LLM agents do around a provider stream: latency metrics and the empty-reply rule."""

from __future__ import annotations

import time

from shared.observability.metrics import LLM_FIRST_TOKEN, LLM_TOTAL


class EmptyReply(RuntimeError):
    """The model finished without a word or a tool call: on a phone line that is dead air,
    so it counts as a provider fault and the turn falls back."""


class StreamTimer:
    """Observes time to the first content (text or tool call) and to the end of the stream."""

    def __init__(self, provider: str) -> None:
        self._provider = provider
        self._started = time.perf_counter()
        self.got_content = False

    def content(self) -> None:
        if not self.got_content:
            self.got_content = True
            LLM_FIRST_TOKEN.labels(provider=self._provider).observe(self._elapsed())

    def done(self) -> None:
        """The stream ended normally; raises EmptyReply if it carried nothing to say or do."""
        if not self.got_content:
            raise EmptyReply(f"{self._provider} returned an empty reply")
        LLM_TOTAL.labels(provider=self._provider).observe(self._elapsed())

    def _elapsed(self) -> float:
        return time.perf_counter() - self._started
