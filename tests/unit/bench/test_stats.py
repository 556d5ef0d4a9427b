import math

import pytest

from bench.stats import percentile, percentiles


def test_percentile_is_a_measured_sample_by_nearest_rank():
    samples = [float(n) for n in range(1, 101)]  # 1..100
    assert percentile(samples, 0.50) == 50.0
    assert percentile(samples, 0.95) == 95.0
    assert percentile(samples, 0.99) == 99.0
    assert percentile(samples, 1.0) == 100.0


def test_percentile_of_few_samples_picks_the_worst_for_high_ranks():
    assert percentile([3.0, 1.0, 2.0], 0.99) == 3.0
    assert percentile([3.0, 1.0, 2.0], 0.5) == 2.0
    assert percentile([7.0], 0.95) == 7.0


def test_percentile_of_nothing_is_nan_not_zero():
    assert math.isnan(percentile([], 0.95))


@pytest.mark.parametrize("q", [0.0, -0.1, 1.5])
def test_percentile_rejects_ranks_outside_0_1(q):
    with pytest.raises(ValueError, match="0 < q <= 1"):
        percentile([1.0], q)


def test_percentiles_summarise_with_count():
    figures = percentiles([5.0, 1.0, 4.0, 2.0, 3.0])
    assert figures == {"p50": 3.0, "p95": 5.0, "p99": 5.0, "n": 5}
