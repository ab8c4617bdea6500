"""Pacing sends to LINE's rate limits, and the pause after LINE's monthly limit."""

from __future__ import annotations

import logging
import threading
import time
from datetime import date, datetime
from datetime import time as clock
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import keys
from bot.redis_store import get_redis
from models.outbox import enqueue
from models.users import User, UserRole

log = logging.getLogger(__name__)

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


def pause_for_monthly_limit(app: Flask, session: Session, now: datetime) -> None:
    """LINE's monthly limit answered: pause non-urgent sending until the month ends (in the
    ward's time) and tell staff, once."""
    zone = ZoneInfo(app.config["BOT_TIMEZONE"])
    local = now.astimezone(zone)
    first = date(local.year + (local.month == 12), local.month % 12 + 1, 1)
    until = datetime.combine(first, clock(0), zone)
    seconds = max(60, int((until - now).total_seconds()))
    month = f"{local:%Y-%m}"
    if not get_redis(app).set(QUOTA_KEY, month, ex=seconds, nx=True):
        return
    log.error("LINE's monthly message limit is reached: non-urgent sending is paused")
    staff = session.scalars(select(UserRole.user_id).join(User).where(
        UserRole.role == "staff", User.active.is_(True))).all()
    for user_id in set(staff):
        enqueue(session, user_id=user_id, kind="quota_alert", ref=month, due_at=now,
                dedupe_key=f"quota:{month}:{user_id}", urgent=True)


def lift_monthly_limit(app: Flask) -> None:
    """A message went through while paused: LINE's monthly limit is lifted."""
    if get_redis(app).delete(QUOTA_KEY):
        log.warning("LINE accepted a message again: the monthly limit is lifted")
