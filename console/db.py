"""One database session per console request, closed when the request ends.

Views commit what they change (`db().commit()`); what is not committed is rolled back.
"""

from __future__ import annotations

from flask import Flask, g
from sqlalchemy.orm import Session

from bot.db import session_factory


def db() -> Session:
    if "console_db" not in g:
        g.console_db = session_factory()()
    return g.console_db


def init_app(app: Flask) -> None:
    @app.teardown_appcontext
    def _close(_exc: BaseException | None) -> None:
        found = g.pop("console_db", None)
        if found is not None:
            found.close()
