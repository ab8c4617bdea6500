"""The scheduler's waitlist job: offers whose time ran out pass on to the next person.

The offer's expiry notice does this when it is sent, but it is never sent to someone who has
blocked the bot, and nothing else would move the queue."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask

from bot.db import session_scope
from models.signups import expire_offers


def expire(app: Flask) -> None:
    with session_scope(app) as session:
        expire_offers(session, now=datetime.now(UTC),
                      offer_minutes=int(app.config["WAITLIST_OFFER_MINUTES"]))
