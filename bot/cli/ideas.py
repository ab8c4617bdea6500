"""`machibot ideas new|list|review|export` (issue 4): idea calls for ward staff."""

from __future__ import annotations

import csv
import io
from datetime import UTC
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import with_appcontext

from bot.db import session_scope
from models import gatherings
from models import ideas as ide
from models.base import TooLong
from models.users import audit

EXPORT_COLUMNS = ["receipt", "submitted_at", "status", "idea", "photo", "could_help",
                  "staff_message"]


@click.group()
def ideas() -> None:
    """Idea calls from the ward and the ideas residents sent."""


@ideas.command("new")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def ideas_new(file: str) -> None:
    """Publish the idea call in FILE (JSON): {"theme", "issue", "deadline": "YYYY-MM-DD",
    optional "category", "area", "meeting": {"starts_at": "YYYY-MM-DDTHH:MM", "place",
    "url"}}."""

    config = current_app.config
    zone = ZoneInfo(config["BOT_TIMEZONE"])
    try:
        doc = ide.load_call_file(Path(file).read_text(encoding="utf-8"))
        with session_scope() as session:
            call = ide.publish_call(
                session, theme=doc["theme"], issue=doc["issue"],
                deadline=ide.deadline_from_day(doc["deadline"], config["BOT_TIMEZONE"]),
                category=str(doc.get("category") or ""), area=str(doc.get("area") or ""),
                config=config)
            meeting = doc.get("meeting")
            if meeting:
                starts = meeting["starts_at"]
                starts = starts if starts.tzinfo else starts.replace(tzinfo=zone)
                gatherings.schedule(session, kind=gatherings.IDEA_MEETING, starts_at=starts,
                                    place=str(meeting.get("place") or ""),
                                    online_url=str(meeting.get("url") or ""),
                                    idea_call_id=call.id)
            number = call.id
    except ide.IdeaError as exc:
        detail = exc.params.get("detail") or exc.params.get("fields") or exc.code
        raise click.ClickException(f"not published: {exc.code}: {detail}") from None
    except gatherings.GatheringError as exc:
        raise click.ClickException(f"not published: the meeting is {exc.code}") from None
    except TooLong as exc:
        raise click.ClickException(f"not published: {exc}") from None
    click.echo(f"published idea call {number}")


@ideas.command("list")
@click.argument("call_id", type=int, required=False)
@with_appcontext
def ideas_list(call_id: int | None) -> None:
    """List the calls, or the ideas of CALL_ID (no personal data)."""

    with session_scope() as session:
        if call_id is None:
            for call in ide.all_calls(session, limit=100):
                click.echo(f"{call.id}\t{call.status}\t{call.deadline:%Y-%m-%d}\t"
                           f"{ide.count_ideas(session, call)} ideas\t{call.theme}")
            return
        call = session.get(ide.IdeaCall, call_id)
        if call is None:
            raise click.ClickException(f"no idea call {call_id}")
        offset = 0
        while True:
            found, more = ide.ideas_for(session, call, offset=offset, limit=500)
            for idea in found:
                click.echo(f"{idea.id}\t{idea.receipt}\t{idea.status}\t{idea.body[:60]}")
            if not more:
                break
            offset += len(found)


@ideas.command("review")
@click.argument("idea_id", type=int)
@click.argument("status", type=click.Choice(["review", "adopted", "not_adopted"]))
@click.option("--message", default="", help="a short message the submitter receives")
@with_appcontext
def ideas_review(idea_id: int, status: str, message: str) -> None:
    """Mark IDEA_ID under review, adopted or not adopted; the submitter is told."""

    with session_scope() as session:
        idea = session.get(ide.Idea, idea_id)
        if idea is None:
            raise click.ClickException(f"no idea {idea_id}")
        try:
            ide.set_status(session, idea, status, message=message)
        except TooLong as exc:
            raise click.ClickException(str(exc)) from None
        audit(session, "idea.review", idea=idea.id, status=status, via="cli")
    click.echo(f"idea {idea_id} is now {status}")


@ideas.command("export")
@click.argument("call_id", type=int)
@click.argument("file", type=click.Path(dir_okay=False))
@with_appcontext
def ideas_export(call_id: int, file: str) -> None:
    """Write CALL_ID's ideas to FILE (CSV, UTF-8 with BOM); never LINE user ids."""

    zone = ZoneInfo(current_app.config["BOT_TIMEZONE"])
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    with session_scope() as session:
        call = session.get(ide.IdeaCall, call_id)
        if call is None:
            raise click.ClickException(f"no idea call {call_id}")
        offset, count = 0, 0
        while True:
            found, more = ide.ideas_for(session, call, offset=offset, limit=500)
            for idea in found:
                created = idea.created_at.replace(tzinfo=idea.created_at.tzinfo or UTC)
                writer.writerow([
                    idea.receipt, created.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                    idea.status, idea.body, "yes" if idea.photo_message_id else "",
                    {True: "yes", False: "no", None: ""}[idea.can_help], idea.staff_message])
                count += 1
            if not more:
                break
            offset += len(found)
    Path(file).write_bytes(("\ufeff" + out.getvalue()).encode("utf-8"))
    click.echo(f"wrote {count} ideas to {file}")

