"""Processing times as a log-spaced histogram: exact counts per bucket, percentiles within 4.4%.

Bucket 0 holds times below 1 ms; bucket k >= 1 holds [B^(k-1), B^k) ms with B = 2^(1/8), up to
2^24 ms (4.7 hours) in bucket 192, which also takes anything longer. A percentile is found by the
nearest-rank rule on the exact bucket counts and reported as the geometric middle of its bucket,
B^(k - 1/2): within a factor 2^(1/16) (4.4%) of the exact nearest-rank value (0.5 ms for bucket 0).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

STEPS_PER_DOUBLING = 8
BASE = 2 ** (1 / STEPS_PER_DOUBLING)
BUCKETS = 1 + STEPS_PER_DOUBLING * 24
RELATIVE_PRECISION = 2 ** (1 / (2 * STEPS_PER_DOUBLING)) - 1


def field_name(index: int) -> str:
    return f"h{index:03d}"


def bucket_of(ms: float) -> int:
    if ms < 1:
        return 0
    return min(BUCKETS - 1, 1 + math.floor(math.log2(ms) * STEPS_PER_DOUBLING + 1e-9))


def estimate(index: int) -> float:
    """The value reported for a bucket: its geometric middle."""
    return 0.5 if index == 0 else BASE ** (index - 0.5)


def percentile(histogram: Mapping[int, float], p: float) -> float | None:
    """The nearest-rank `p`-th percentile (0 < p <= 100) of the counted times, as its bucket's estimate."""
    n = sum(count for count in histogram.values() if count > 0)
    if n <= 0:
        return None
    rank = max(1, math.ceil(p / 100 * n))
    seen = 0.0
    for index in sorted(histogram):
        seen += max(0.0, histogram[index])
        if seen >= rank:
            return round(estimate(index), 3)
    return round(estimate(max(histogram)), 3)


def from_counts(values: Mapping[str, float]) -> dict[int, float]:
    """Bucket index -> count, from counter fields named h000..."""
    return {int(name[1:]): count for name, count in values.items() if name.startswith("h") and count}
