"""Alembic environment: the database is the app's DATABASE_URL.

`machibot db ...` hands its app's DATABASE_URL in (`config.attributes["database_url"]`,
see bot/cli/migrations.py); plain `alembic` (alembic.ini at the checkout's root) reads the
environment as the app does, with the same default, so both migrate the same database.
"""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context

from bot.config import load_config
from bot.db import make_engine
from models import Base
from models.base import on_this_database

config = context.config
if config.config_file_name is not None:  # plain `alembic`: its log lines as alembic.ini says
    fileConfig(config.config_file_name)


def database_url() -> str:
    url = config.attributes.get("database_url")
    return str(url if url is not None else load_config()["DATABASE_URL"])


def run_migrations_offline() -> None:
    context.configure(url=database_url(), target_metadata=Base.metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(database_url())
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds a table (copy, drop, rename) to alter it on SQLite; with
            # foreign keys enforced, dropping the old table would delete the rows that
            # reference it (ON DELETE CASCADE). The pragma only applies outside a transaction.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        context.configure(connection=connection, target_metadata=Base.metadata,
                          render_as_batch=sqlite,
                          include_object=on_this_database(connection.dialect.name))
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
