from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DDL, DateTime, Index, MetaData, Table, event
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


def postgresql_only(index: Index) -> Index:
    """An index that only PostgreSQL has (a trigram index, say): created there by the models
    and the migrations, never on SQLite; `on_this_database` tells Alembic's comparison."""
    index.info["dialect"] = "postgresql"
    return index.ddl_if(dialect="postgresql")


def on_this_database(dialect: str) -> Any:
    """Alembic's include_object for a database of this dialect: the models' indexes made
    only on another database are not expected there."""
    def include(obj: Any, _name: Any, type_: str, reflected: bool, _compare_to: Any) -> bool:
        return reflected or type_ != "index" or obj.info.get("dialect", dialect) == dialect
    return include


def needs_extension(table: Table, extension: str) -> None:
    """CREATE EXTENSION before PostgreSQL creates this table from the models (tests and
    benchmarks that create_all); the migrations create it themselves."""
    event.listen(table, "before_create", DDL(f"CREATE EXTENSION IF NOT EXISTS {extension}")
                 .execute_if(dialect="postgresql"))


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
