"""The two-proportion z-test: is the difference between two rates (clicks per email sent, SQLs per MQL) more than
chance? Pooled standard error, two-sided p-value from the normal distribution.

Pure: no I/O."""

from __future__ import annotations

import math
from dataclasses import dataclass

#: The p-value under which a difference is called significant.
ALPHA = 0.05


@dataclass(frozen=True)
class TestResult:
    z: float | None
    p_value: float | None

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < ALPHA


def two_proportion(successes_a: int, trials_a: int, successes_b: int, trials_b: int) -> TestResult:
    """z and p for rate b against rate a; None for both when either has no trials or both rates are 0 or 1."""
    if trials_a <= 0 or trials_b <= 0:
        return TestResult(None, None)
    pooled = (successes_a + successes_b) / (trials_a + trials_b)
    error = math.sqrt(pooled * (1 - pooled) * (1 / trials_a + 1 / trials_b))
    if error == 0:
        return TestResult(None, None)
    z = (successes_b / trials_b - successes_a / trials_a) / error
    return TestResult(round(z, 4), round(math.erfc(abs(z) / math.sqrt(2)), 6))
