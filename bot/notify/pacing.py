"""Pacing sends to LINE's rate limits, and the pause after LINE's monthly limit."""

from __future__ import annotations

import threading
import time

from flask import Flask

from bot import keys
from bot.redis_store import get_redis

QUOTA_KEY = keys.key("notify", "monthly_limit")
RATE_SAFETY = 0.95  # LINE counts in fixed one-second windows: stay a little below the limit
BURST_SECONDS = 0.05


class TokenBucket:
    """`rate` requests a second, with a small burst, shared by the sending threads."""

    def __init__(self, rate: float, burst: float | None = None) -> None:
        self.rate = rate
        self.capacity = max(1.0, burst if burst is not None else rate * BURST_SECONDS)
        self.tokens = self.capacity
        self.updated = time.monotonic()
        self.lock = threading.Lock()

    def acquire(self) -> None:
        while True:
            with self.lock:
                now = time.monotonic()
                self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
                self.updated = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                wait_for = (1 - self.tokens) / self.rate
            time.sleep(wait_for)


def monthly_limit_reached(app: Flask) -> str | None:
    """The month ("2026-11") in which LINE's monthly limit stopped sending, if it did."""

    return get_redis(app).get(QUOTA_KEY)
