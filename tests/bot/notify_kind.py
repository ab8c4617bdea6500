"""A test-only notification kind whose renderer reads its row at send time.

`test_event` rows stand in for the activities, gatherings and idea calls that features
build: a title, a start time and a venue that may change after the reminders were written.
The notification tests and tests/bot/notify_proc.py (the subprocesses) `install` it in their app.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table

from bot.kernel.i18n import format_when
from bot.notify.renderers import Renderer
from models import outbox

metadata = MetaData()
events = Table(
    "test_notify_events", metadata,
    Column("id", Integer, primary_key=True),
    Column("title", String(100), nullable=False),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("venue", String(100), nullable=False),
)

KIND = "test_reminder"  # one message per recipient (push)
SHARED_KIND = "test_notice"  # the same for every reader of a language (multicast)


def _render(session, notification, composer, greeting=""):  # type: ignore[no-untyped-def]
    row = session.execute(events.select().where(
        events.c.id == int(notification.ref))).first()
    if row is None:
        return None
    when = format_when(row.starts_at, composer.locale)
    return [composer.text(f"{greeting}{row.title}\n{when}\n{row.venue}")]


def render_test_reminder(session, user, notification, composer):  # type: ignore[no-untyped-def]
    # personal, so that each recipient's message differs (one push each)
    return _render(session, notification, composer, greeting=f"#{user.id} ")


def render_test_notice(session, user, notification, composer):  # type: ignore[no-untyped-def]
    return _render(session, notification, composer)


def install(app, monkeypatch=None):  # type: ignore[no-untyped-def]
    """Add the two test kinds to the app's renderers and to the kinds the outbox takes
    (for one test with pytest's monkeypatch; for the whole process without)."""
    kinds = outbox.KINDS | {KIND, SHARED_KIND}
    if monkeypatch is None:
        outbox.KINDS = kinds
    else:
        monkeypatch.setattr(outbox, "KINDS", kinds)
    app.extensions["machibot.renderers"].update({
        KIND: Renderer(render_test_reminder, "reminders"),
        SHARED_KIND: Renderer(render_test_notice, "reminders", per_user=False),
    })
