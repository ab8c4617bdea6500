"""The scheduler's job for models.departures: seats of people who left, their data after the
retention, shared locations that expired (the settings are in bot/config.py)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from flask import Flask

from bot.db import session_scope
from models.departures import sweep as sweep_departures

log = logging.getLogger(__name__)


def sweep(app: Flask, now: datetime | None = None) -> dict[str, int]:
    config = app.config
    with session_scope(app) as session:
        done = sweep_departures(
            session, now=now or datetime.now(UTC),
            grace=timedelta(hours=config["DEPARTED_SEATS_AFTER_HOURS"]),
            retention=timedelta(days=config["DEPARTED_PURGE_AFTER_DAYS"]),
            location_keep=timedelta(days=config["LOCATION_KEEP_DAYS"]),
            offer_minutes=config["WAITLIST_OFFER_MINUTES"])
    if any(done.values()):
        log.info("departures: %(seats)d seats released, %(people)d people's data purged, "
                 "%(locations)d locations forgotten", done)
    return done
