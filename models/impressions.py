"""Which recommended slots were shown to whom: the record matching success is measured from.

Each time the bot shows recommendations, one row per slot shown (its position, and why:
the ranking's strongest reason, or "baseline"), all of a turn's in one INSERT. A small,
stable share of people (`KPI_BASELINE_SHARE`, chosen by a hash of their user id) see the
upcoming slots by date instead of ranked, so models/kpi.py can set the ranking's success
against a baseline. The rows are personal data: erased with the person ("delete my data",
models/erasure.py) and purged after `KEEP` by the departures sweep (models/departures.py).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Index, String, delete, insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base
from models.users import User

BASELINE = "baseline"
RANKING = "ranking"  # a ranked slot with no reason stronger than "soon"
REASON_MAX = 48
KEEP = timedelta(days=400)  # a year's figures, with the 14 days a sign-up may take, and spare


class ShownRecommendation(Base):
    __tablename__ = "recommendations_shown"
    __table_args__ = (Index("ix_recommendations_shown_shown_at", "shown_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("slots.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]  # 1 for the first card
    reason: Mapped[str] = mapped_column(String(REASON_MAX))
    shown_at: Mapped[datetime]


def in_baseline(user_id: int, share: float) -> bool:
    """Whether this person sees the by-date order: the same answer every time (a hash of
    the id, not a random draw), so their figures stay in one group."""
    return zlib.crc32(f"kpi-baseline:{user_id}".encode()) % 10_000 < share * 10_000


def record_shown(session: Session, user: User, shown: Sequence[tuple[int, str]], *,
                 now: datetime) -> None:
    """Record the (slot id, reason) pairs shown to `user`, in order, in one statement."""
    if not shown:
        return
    session.execute(insert(ShownRecommendation).values([
        {"user_id": user.id, "slot_id": slot_id, "position": position,
         "reason": reason[:REASON_MAX], "shown_at": now}
        for position, (slot_id, reason) in enumerate(shown, start=1)]))


def purge(session: Session, *, now: datetime) -> int:
    """Forget what was shown more than `KEEP` ago."""
    result = session.execute(delete(ShownRecommendation)
                             .where(ShownRecommendation.shown_at < now - KEEP))
    return result.rowcount or 0  # type: ignore[attr-defined]


def erase(session: Session, user: User) -> None:
    session.execute(delete(ShownRecommendation).where(ShownRecommendation.user_id == user.id))
