"""Recommendations shown: who sees the by-date baseline, and how long the record is kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot import departures
from bot.db import session_scope
from models.impressions import KEEP, ShownRecommendation, in_baseline, record_shown
from models.users import get_by_line_id
from tests.activity_factory import make_slot


def test_the_baseline_is_a_stable_share_of_people():
    ids = range(1, 20_001)
    chosen = [i for i in ids if in_baseline(i, 0.1)]
    assert 0.09 < len(chosen) / len(ids) < 0.11
    assert chosen == [i for i in ids if in_baseline(i, 0.1)]  # the same people every time
    assert set(chosen) <= {i for i in ids if in_baseline(i, 0.2)}  # a larger share adds
    assert not any(in_baseline(i, 0.0) for i in ids)
    assert all(in_baseline(i, 1.0) for i in ids)


def _count(app) -> int:
    with session_scope(app) as session:
        return session.scalar(select(func.count()).select_from(ShownRecommendation))


def test_what_was_shown_is_purged_after_the_retention(app, resident):
    slot_id = make_slot(app)
    now = datetime.now(UTC)
    with session_scope(app) as session:
        record_shown(session, get_by_line_id(session, resident.user_id),
                     [(slot_id, "ranking")], now=now)
    departures.sweep(app, now=now + KEEP - timedelta(days=1))
    assert _count(app) == 1
    done = departures.sweep(app, now=now + KEEP + timedelta(days=1))
    assert _count(app) == 0 and done["shown"] == 1
    assert resident.user_row() is not None  # the person stays
