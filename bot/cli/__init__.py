"""The CLI groups, registered on the app (`app.cli`) by the app factory."""

from __future__ import annotations

from flask import Flask

from bot.cli.data import activities, data
from bot.cli.db import db
from bot.cli.ideas import ideas
from bot.cli.notify import announce, notify
from bot.cli.processes import scheduler, serve, worker
from bot.cli.richmenu import richmenu
from bot.cli.users import users
from simulator.terminal import simulate

COMMANDS = (serve, worker, scheduler, db, users, simulate, richmenu, notify, announce, data,
            activities, ideas)


def register_commands(app: Flask) -> None:
    for command in COMMANDS:
        if command.name not in app.cli.commands:
            app.cli.add_command(command)
