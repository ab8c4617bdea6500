from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: DateTime(timezone=True)}


class TooLong(ValueError):
    def __init__(self, field: str, limit: int, length: int) -> None:
        super().__init__(f"{field} is {length} characters; at most {limit}")
        self.field, self.limit, self.length = field, limit, length


def bounded(field: str, text: str, limit: int, *, required: bool = True) -> str:
    """The text as written (trimmed), or TooLong / ValueError("empty")."""
    text = (text or "").strip()
    if required and not text:
        raise ValueError("empty")
    if len(text) > limit:
        raise TooLong(field, limit, len(text))
    return text
