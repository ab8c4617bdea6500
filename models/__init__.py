"""SQLAlchemy 2.0 models and the domain operations on them."""

# every feature's models, so that Base.metadata knows every table (Alembic, tests)
from models import (  # noqa: F401
    activities,
    announcements,
    attendance,
    gatherings,
    ideas,
    impressions,
    initiatives,
    kpi_store,
    organisations,
    outbox,
    photos,
    recommend,
    search_index,
    signups,
    slot_changes,
    speech,
    subscriptions,
    supporters,
    texts,
    translating,
    turns,
)
from models.base import Base
from models.users import AuditLog, User, UserRole

__all__ = ["AuditLog", "Base", "User", "UserRole"]
