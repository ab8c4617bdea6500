"""Reading the audit log (models.users `audit` writes it): staff's list, filtered by who
did it (a part of their display name, any case), the action, for whom (a person) and a time
range, newest first, a page at a time, each entry with the names of who did it and for
whom."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from models.users import AuditLog, User


@dataclass(frozen=True)
class Entry:
    id: int
    at: datetime
    action: str
    actor: str | None  # a display name; None: the system or the command line
    actor_id: int | None
    subject: str | None
    subject_id: int | None
    detail: dict[str, Any]


def actions(session: Session) -> list[str]:
    """The actions the log holds, for the filter's choices."""
    return list(session.scalars(select(AuditLog.action).distinct().order_by(AuditLog.action)))


def entries(session: Session, *, who: str = "", action: str = "",
            subject_id: int | None = None, since: datetime | None = None,
            until: datetime | None = None,
            offset: int = 0, limit: int = 50) -> tuple[list[Entry], int]:
    """(a page of entries, how many match in all); `until` is exclusive."""
    actor, subject = aliased(User), aliased(User)
    query = select(AuditLog, actor.display_name, subject.display_name) \
        .outerjoin(actor, actor.id == AuditLog.actor_id) \
        .outerjoin(subject, subject.id == AuditLog.subject_id)
    if who.strip():
        query = query.where(func.lower(actor.display_name).contains(who.strip().lower(),
                                                                    autoescape=True))
    if action:
        query = query.where(AuditLog.action == action)
    if subject_id is not None:
        query = query.where(AuditLog.subject_id == subject_id)
    if since is not None:
        query = query.where(AuditLog.at >= since)
    if until is not None:
        query = query.where(AuditLog.at < until)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(AuditLog.at.desc(), AuditLog.id.desc())
                           .offset(max(0, offset)).limit(limit))
    return [Entry(log.id, log.at, log.action, actor_name, log.actor_id, subject_name,
                  log.subject_id, dict(log.detail or {}))
            for log, actor_name, subject_name in rows], total
