"""The CLI groups, registered on the app (`app.cli`) by the app factory."""

from __future__ import annotations

from flask import Flask

from bot.cli import data, db, ideas, kpi, notify, orgs, processes, richmenu, users
from simulator.terminal import simulate

COMMANDS = (processes.serve, processes.worker, processes.scheduler, db.db, users.users,
            simulate, richmenu.richmenu, notify.notify, notify.announce, data.data,
            data.activities, ideas.ideas, orgs.orgs_group, kpi.kpi_group)


def register_commands(app: Flask) -> None:
    for command in COMMANDS:
        if command.name not in app.cli.commands:
            app.cli.add_command(command)
