"""Alembic environment: the database is the app's DATABASE_URL."""

from __future__ import annotations

from alembic import context

from bot.db import make_engine
from models import Base

config = context.config
app = config.attributes.get("app")
if app is None:
    from bot.app import create_app

    app = create_app()


def run_migrations_offline() -> None:
    context.configure(url=app.config["DATABASE_URL"], target_metadata=Base.metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
