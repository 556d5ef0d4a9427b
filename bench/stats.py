"""Percentiles as the tables print them: nearest rank, so every figure is a measured sample."""

from __future__ import annotations

import math
from collections.abc import Iterable


def percentile(samples: Iterable[float], q: float) -> float:
    """The nearest-rank `q` percentile (0 < q <= 1) of `samples`; NaN when there are none."""
    if not 0 < q <= 1:
        raise ValueError(f"percentile wants 0 < q <= 1, got {q}")
    ordered = sorted(samples)
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def percentiles(samples: Iterable[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50": percentile(ordered, 0.50),
        "p95": percentile(ordered, 0.95),
        "p99": percentile(ordered, 0.99),
        "n": len(ordered),
    }
