"""A test-only notification kind whose renderer reads its row at send time.

`test_event` rows stand in for the activities, gatherings and idea calls that features
build: a title, a start time and a venue that may change after the reminders were written.
Imported by the notification tests and by tests/bot/notify_proc.py (the subprocesses).
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table

from bot.i18n import format_when
from bot.notify import register_renderer

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


@register_renderer(KIND, group="reminders")
def render_test_reminder(session, user, notification, composer):  # type: ignore[no-untyped-def]
    # personal, so that each recipient's message differs (one push each)
    return _render(session, notification, composer, greeting=f"#{user.id} ")


@register_renderer(SHARED_KIND, group="reminders", per_user=False)
def render_test_notice(session, user, notification, composer):  # type: ignore[no-untyped-def]
    return _render(session, notification, composer)
