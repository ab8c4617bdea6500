"""`machibot richmenu deploy|render`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from bot.fonts import FontMissing
from bot.richmenu.deployment import deploy, write_images


@click.group()
def richmenu() -> None:
    """Rich menus under the chat."""


@richmenu.command("deploy")
@with_appcontext
def richmenu_deploy() -> None:
    """Create the rich menus (every mode and locale), set the default, link every user.

    A rerun keeps unchanged menus and replaces changed ones: menus never pile up.
    """

    try:
        links = deploy(current_app._get_current_object())  # type: ignore[attr-defined]
    except FontMissing as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{len(links)} rich menus linked by mode and locale; default set")


@richmenu.command("render")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--locale", "locales", multiple=True, help="only these locales (repeatable)")
@with_appcontext
def richmenu_render(directory: str, locales: tuple[str, ...]) -> None:
    """Write every rich menu image (PAGE-LOCALE.png) and its definition to DIRECTORY."""

    try:
        written = write_images(current_app._get_current_object(),  # type: ignore[attr-defined]
                               Path(directory), locales or None)
    except FontMissing as exc:
        raise click.ClickException(str(exc)) from None
    for path in written:
        click.echo(f"wrote {path}")
