"""Counting the SQL statements a piece of work runs (the per-turn budgets in the tests)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event

from bot.db import get_engine


def statements_of(app: Any, action: Callable[[], Any]) -> list[str]:
    """The SQL statements run while `action` runs (a turn: a message sent and handled)."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    engine = get_engine(app)
    event.listen(engine, "before_cursor_execute", count)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return statements
