"""`machibot notify dispatch`, `machibot announce FILE` and `machibot announce cancel ID`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import with_appcontext

from bot.db import session_scope
from bot.notify.dispatch import dispatch, get_dispatcher
from models.announcements import (
    SEGMENTS,
    cancel_announcement,
    cancellable,
    count_recipients,
    create,
    schedule,
)
from models.users import audit


def parse_when(value: str, tz: str) -> datetime:
    """An ISO time; without an offset it is ward time."""
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO date and time") from None
    return when.replace(tzinfo=ZoneInfo(tz)) if when.tzinfo is None else when


@click.group()
def notify() -> None:
    """The notification outbox."""


@notify.command("dispatch")
@click.option("--now", "now_text", default=None,
              help="dispatch as of this ISO time (default: now); ward time without an offset")
@with_appcontext
def notify_dispatch(now_text: str | None) -> None:
    """One dispatch pass: send every notification due by --now (for cron and tests)."""

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    now = parse_when(now_text, app.config["BOT_TIMEZONE"]) if now_text else datetime.now(UTC)
    try:
        stats = dispatch(app, now)
    finally:
        get_dispatcher(app).close()
    click.echo(str(stats))


def _segment(value: str) -> dict:
    kind, _, values = value.partition(":")
    return {"kind": kind, "values": [v for v in values.split(",") if v]}


class _SendByDefault(click.Group):
    """A group whose first argument, when it names no command, is the FILE of `send`: so
    `machibot announce FILE` sends as it always did beside `machibot announce cancel ID`."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["send", *args]
        return super().parse_args(ctx, args)


@click.group(cls=_SendByDefault)
def announce() -> None:
    """Staff announcements: `announce FILE` sends one, `announce cancel ID` stops one."""


@announce.command("cancel")
@click.argument("number", type=int)
@with_appcontext
def announce_cancel(number: int) -> None:
    """Cancel a scheduled announcement that is not yet due (its number: `announce` prints
    it, and the chat's Results show it)."""

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with session_scope(app) as session:
        announcement = cancellable(session, number, datetime.now(UTC))
        if announcement is None:
            raise click.ClickException(f"announcement {number} is not scheduled for later: "
                                       "nothing to cancel")
        stopped = cancel_announcement(session, announcement)
        audit(session, "announce.cancel", announcement=number, cancelled=stopped, via="cli")
    click.echo(f"announcement {number}: {stopped} messages cancelled")


@announce.command("send")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--segment", "segment_text", default=None,
              help="everyone (default), areas:A,B, categories:welfare, languages:en,vi, "
                   "simple, participants:SLOT_CODE,... (people signed up for those slots)")
@click.option("--at", "at_text", default=None, help="send at this ISO time (default: now)")
@click.option("--yes", is_flag=True, help="send without asking")
@with_appcontext
def announce_send(file: str, segment_text: str | None, at_text: str | None,
                  yes: bool) -> None:
    """Send a staff announcement. FILE is plain Japanese text, or JSON:
    {"texts": {"ja": "...", "en": "..."}, "segment": {"kind": "areas", "values": ["..."]},
    "at": "2026-12-01T10:00"}."""

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    raw = Path(file).read_text(encoding="utf-8")
    spec = json.loads(raw) if file.endswith(".json") else {"texts": {"ja": raw.strip()}}
    segment = _segment(segment_text) if segment_text else spec.get("segment") or {
        "kind": "everyone"}
    if segment.get("kind") not in SEGMENTS:
        raise click.BadParameter(f"choose one of {', '.join(SEGMENTS)}", param_hint="--segment")
    tz = app.config["BOT_TIMEZONE"]
    typed = SEGMENTS[segment["kind"]].typed
    if typed is not None:  # values such as slot codes: each must name something
        values = list(segment.get("values") or [])
        with session_scope(app) as session:
            unknown = [v for v in values if typed(session, v) is None]
        if unknown or not values:
            problem = f"nothing has {', '.join(unknown)}" if unknown else "no values given"
            raise click.BadParameter(f"{segment['kind']}: {problem}", param_hint="--segment")
    at_value = at_text or spec.get("at")
    at = parse_when(at_value, tz) if at_value else datetime.now(UTC)
    with session_scope(app) as session:
        count = count_recipients(session, segment)
        click.echo(f"recipients: {count}")
        click.echo(f"languages: {', '.join(sorted(spec['texts']))}")
        click.echo(f"send at: {at.astimezone(ZoneInfo(tz)):%Y-%m-%d %H:%M} ({tz})")
        click.echo("---")
        click.echo(spec["texts"].get("ja") or next(iter(spec["texts"].values())))
        click.echo("---")
        if not yes and not click.confirm("Send it?", default=False):
            click.echo("not sent")
            return
        try:
            announcement = create(session, texts=spec["texts"], segment=segment)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        targeted = schedule(session, announcement, at=at)
        click.echo(f"announcement {announcement.id}: {targeted} recipients queued")
