"""`machibot data import|export|demo` and `machibot activities qr`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
import segno
from flask import current_app
from flask.cli import with_appcontext

from bot.db import session_scope
from bot.kernel.prefilled import checkin_link, signup_link
from models.activities import slot_by_code
from models.activity_data import ImportFailed, import_csv
from models.activity_export import export_csv
from models.demo_data import has_activities, load_demo


@click.group()
def data() -> None:
    """Activities in and out (national standard event list CSV), and the demo set."""


def _areas() -> list[str]:
    return [a.strip() for a in str(current_app.config.get("AREAS", "")).split(",") if a.strip()]


@data.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def data_import(file: str) -> None:
    """Import FILE (the standard event list as UTF-8 or Shift_JIS CSV); all rows or, when
    any is bad, none, and every bad row reported at its line."""

    try:
        with session_scope() as session:
            report = import_csv(session, Path(file).read_bytes(),
                                tz=current_app.config["BOT_TIMEZONE"], areas=_areas())
    except ImportFailed as exc:
        for error in exc.errors:
            click.echo(error, err=True)
        raise click.ClickException(
            f"nothing imported: {len(exc.errors)} bad row(s); fix them and import again"
        ) from None
    click.echo(f"imported: {report.created} new, {report.updated} updated, "
               f"{report.unchanged} unchanged")


@data.command("export")
@click.argument("file", type=click.Path(dir_okay=False))
@with_appcontext
def data_export(file: str) -> None:
    """Write every slot that is on to FILE (the standard's 32 columns, then ours; UTF-8
    with BOM); no personal data."""

    with session_scope() as session:
        Path(file).write_bytes(export_csv(session, tz=current_app.config["BOT_TIMEZONE"]))
    click.echo(f"wrote {file}")


@data.command("demo")
@click.option("--if-empty", is_flag=True, help="only when there are no activities yet")
@with_appcontext
def data_demo(if_empty: bool) -> None:
    """Load the demo activities (dates relative to today)."""

    with session_scope() as session:
        if if_empty and has_activities(session):
            click.echo("activities exist: demo set not loaded")
            return
        count = load_demo(session, now=datetime.now(UTC), tz=current_app.config["BOT_TIMEZONE"])
    click.echo(f"demo set loaded: {count} activities")


@click.group()
def activities() -> None:
    """Activities and slots."""


@activities.command("qr")
@click.argument("slot_code")
@click.option("--out", "out", type=click.Path(dir_okay=False), default=None,
              help="default: signup-SLOT_CODE.png")
@click.option("--locale", default=None, help="language of the prefilled message")
@click.option("--checkin", is_flag=True,
              help="the venue's check-in code instead (opens the chat with the check-in word)")
@with_appcontext
def activities_qr(slot_code: str, out: str | None, locale: str | None, checkin: bool) -> None:
    """Write a QR code PNG that opens the chat with "参加 SLOT_CODE" typed in (or, with
    --checkin, the slot's check-in word, to put up at the venue)."""

    with session_scope() as session:
        slot = slot_by_code(session, slot_code)
        if slot is None:
            raise click.ClickException(f"no slot has the code {slot_code}")
        word = slot.checkin_word
    if checkin:
        if not word:
            raise click.ClickException(f"slot {slot_code} has no check-in word")
        link = checkin_link(current_app.config, word, locale)
    else:
        link = signup_link(current_app.config, slot_code, locale)
    kind = "checkin" if checkin else "signup"
    target = Path(out or f"{kind}-{slot_code}.png")
    write_qr(link, target)
    click.echo(f"wrote {target} ({link})")


def write_qr(link: str, path: Path, scale: int = 8) -> None:
    segno.make(link, error="m").save(str(path), scale=scale, border=4)
