"""The scheduler's job for models.kpi_store: each month's KPI figures computed and kept, for
the console's dashboard (the current month at every run; past months until final)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from flask import Flask

from bot.db import session_scope
from models import kpi_store

log = logging.getLogger(__name__)
SECONDS = 3_600


def refresh(app: Flask, now: datetime | None = None) -> list[str]:
    """Compute the months due; their labels ("YYYY-MM")."""
    with session_scope(app) as session:
        months = kpi_store.refresh(session, tz=app.config["BOT_TIMEZONE"],
                                   now=now or datetime.now(UTC))
    done = [f"{m:%Y-%m}" for m in months]
    if done:
        log.info("kpi figures computed for %s", ", ".join(done))
    return done
