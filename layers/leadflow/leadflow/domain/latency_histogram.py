"""Latencies as mergeable histograms: fixed, log-spaced buckets, so counts from any days, reps or teams add up and a
percentile read from the sum is exact to the bucket.

A bucket's upper bound is 2^(b/4) seconds: each bucket is about 19% wider than the one before, from one second to
over a year in 100 buckets. A percentile is reported as the upper bound of the bucket the nearest-rank value falls in,
so it is never below the true value and at most 19% above it.

Pure: no I/O."""

from __future__ import annotations

import math
from collections.abc import Mapping

#: Buckets per doubling of the latency.
STEPS_PER_DOUBLING = 4
#: The last bucket holds everything slower than its lower bound (about 1.6 years).
MAX_BUCKET = 4 * 36


def bucket_of(seconds: float) -> int:
    """The bucket a latency falls in: the smallest b with seconds <= 2^(b/4); 0 for a second or less."""
    if seconds <= 1:
        return 0
    bucket = math.ceil(math.log2(seconds) * STEPS_PER_DOUBLING - 1e-9)
    return min(bucket, MAX_BUCKET)


def upper_bound(bucket: int) -> float:
    """The largest latency (seconds) bucket `bucket` holds."""
    return float(2 ** (bucket / STEPS_PER_DOUBLING))


def percentile(counts: Mapping[int, int], fraction: float) -> float | None:
    """The nearest-rank percentile (0 < fraction <= 1) of a histogram, as its bucket's upper bound; None when empty."""
    total = sum(counts.values())
    if total <= 0:
        return None
    rank = max(1, math.ceil(fraction * total))
    seen = 0
    for bucket in sorted(counts):
        seen += counts[bucket]
        if seen >= rank:
            return upper_bound(bucket)
    return upper_bound(max(counts))  # pragma: no cover - the loop reaches `rank` by construction
