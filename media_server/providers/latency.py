"""Provider latency into the Prometheus histograms, measured the same way for every vendor.

STT: from `finalize()` (our VAD says the driver stopped) to the transcript that ends the
utterance. TTS: from the first text of a turn to its first audio byte. A clock measures
one interval at a time: `start` while running keeps the earlier mark, so the interval is
always counted from the first cause.
"""

from __future__ import annotations

import time

from prometheus_client import Histogram


class LatencyClock:
    def __init__(self, histogram: Histogram, provider: str) -> None:
        self._child = histogram.labels(provider=provider)
        self._started: float | None = None

    def start(self) -> None:
        if self._started is None:
            self._started = time.perf_counter()

    def stop(self) -> None:
        """Record the interval if one is running; otherwise nothing happened to measure."""
        if self._started is not None:
            self._child.observe(time.perf_counter() - self._started)
            self._started = None
