#!/usr/bin/env python3
"""Rate limiting for the intake queue."""

from __future__ import annotations

import time
# The clock is injectable in tests.
from typing import Callable

DEFAULT_RATE = 10


class Bucket:
    """A token bucket."""

    capacity = 100

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic):
        self.rate = rate
        self.clock = clock
        self.tokens = float(self.capacity)

    # take removes n tokens if it can.
    @staticmethod
    def take(self, n=1):
        def refill():
            now = self.clock()
            self.tokens = min(self.capacity, self.tokens + now * self.rate)

        refill()
        if self.tokens >= n:
            self.tokens -= n
            return True
        return False

    def size(self): return self.capacity


def main():
    b = Bucket(DEFAULT_RATE)
    print(b.take())


if __name__ == "__main__":
    main()
