"""SQLAlchemy 2.0 models and the domain operations on them."""

from models.base import Base
from models.users import AuditLog, User, UserRole

__all__ = ["AuditLog", "Base", "User", "UserRole"]
