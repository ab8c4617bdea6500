"""The SQL engine and sessions: one session per event or per request."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from models.writes import track_writes


def init_app(app: Flask) -> None:
    app.extensions["machibot.db"] = None


def make_engine(url: str, pool_size: int = 5) -> Engine:
    """An engine whose errors and logs never show bound parameters: they hold what people
    typed (an idea with a phone number) and their LINE ids, and errors reach the log.
    `pool_size`: the connections it keeps; up to 10 more are opened when needed, and closed
    again when given back."""
    pool = {"pool_size": pool_size, "max_overflow": 10}
    if url.startswith("sqlite"):
        path = url.split("sqlite:///", 1)[-1] if "sqlite:///" in url else ""
        file = bool(path) and path != ":memory:"
        if file:
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        # a database in memory lives in its one connection (SQLAlchemy's own pool for it)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False},
                               hide_parameters=True, **(pool if file else {}))

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgres://")
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, hide_parameters=True, **pool)


def get_engine(app: Flask | None = None) -> Engine:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    state = app.extensions.get("machibot.db")
    if state is None:
        engine = make_engine(app.config["DATABASE_URL"], app.config["DATABASE_POOL_SIZE"])
        # the domain reads the settings it needs (models.timing.config_of) from the session
        maker = sessionmaker(engine, expire_on_commit=False, info={"config": app.config})
        track_writes(maker)  # what a turn wrote: its outcome record, its rights (models/)
        state = (engine, maker)
        app.extensions["machibot.db"] = state
    return state[0]


def session_factory(app: Flask | None = None) -> sessionmaker[Session]:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    get_engine(app)
    return app.extensions["machibot.db"][1]


@contextmanager
def session_scope(app: Flask | None = None) -> Iterator[Session]:
    """A session that commits when the block ends normally and rolls back otherwise."""
    session = session_factory(app)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def size_pool(app: Flask, connections: int) -> None:
    """Keep at least `connections` connections in the pool: one for each thread of a process
    whose threads all use the database (`machibot worker --threads`). A pool smaller than the
    threads opens a connection whenever more of them are in a turn than it keeps, and closes
    it again when given back (with PostgreSQL, a new server process each time). An engine
    already made with fewer is closed and made again on next use."""
    if connections <= app.config["DATABASE_POOL_SIZE"]:
        return
    app.config["DATABASE_POOL_SIZE"] = connections
    close(app)


def close(app: Flask) -> None:
    state = app.extensions.get("machibot.db")
    if state is not None:
        state[0].dispose()
        app.extensions["machibot.db"] = None
