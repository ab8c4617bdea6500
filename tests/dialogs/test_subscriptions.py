"""Notifications in the chat: follow topics and areas, how often, turn kinds off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.db import session_scope
from bot.kernel.i18n import gettext
from models.outbox import Notification
from models.subscriptions import notify_new_item, prefs


def ja(msgid, **params):
    return gettext("ja", msgid, **params)


def test_following_a_topic_brings_new_items_of_it(app, resident):
    resident.opens(ja("Notifications"))
    resident.taps(ja("Topics"))
    resident.taps("✗ " + ja("Environment"))
    assert "✓ " + ja("Environment") in resident.choices()
    resident.taps(ja("Done"))
    assert ja("Environment") in resident.last_text()
    with session_scope(app) as session:
        assert notify_new_item(session, "idea_call", "7", "environment", None) == 1
        assert notify_new_item(session, "idea_call", "8", "welfare", None) == 0
        row = session.scalars(select(Notification)).one()
    assert (row.kind, row.ref) == ("new_item", "idea_call:7")


def test_a_japanese_list_of_topics_reads_with_the_japanese_comma(app, resident):
    resident.opens(ja("Notifications"))
    resident.taps(ja("Topics"))
    resident.taps("✗ " + ja("Environment"))
    resident.taps("✗ " + ja("Welfare"))
    resident.taps(ja("Done"))
    said = resident.last_text()
    assert ja("Environment") + "、" + ja("Welfare") in said or (
        ja("Welfare") + "、" + ja("Environment") in said), said
    assert ", " not in said


def test_a_daily_digest_waits_for_the_chosen_hour(app, resident):
    resident.opens(ja("Notifications"))
    resident.taps(ja("Areas"))
    resident.taps("✗ 荻窪")
    resident.taps(ja("Done"))
    resident.taps(ja("How often"))
    resident.taps(ja("Daily digest"))
    resident.taps("18:00")
    assert prefs(resident.user_row())["digest_hour"] == 18
    now = datetime(2030, 5, 1, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo
    with session_scope(app) as session:
        notify_new_item(session, "activity", "1", None, "荻窪", now=now)
        notify_new_item(session, "activity", "2", None, "荻窪", now=now + timedelta(hours=1))
        rows = session.scalars(select(Notification)).all()
    assert len(rows) == 1 and rows[0].kind == "digest"
    assert rows[0].due_at.replace(tzinfo=UTC) == datetime(2030, 5, 1, 9, 0, tzinfo=UTC)


def test_turning_reminders_off_and_on(app, resident):
    resident.opens(ja("Notifications"))
    resident.taps(ja("On / off"))
    resident.taps("✓ " + ja("Reminders"))
    assert prefs(resident.user_row())["off"] == ["reminders"]
    resident.taps("✗ " + ja("Reminders"))
    assert prefs(resident.user_row())["off"] == []


def test_simple_mode_shows_at_most_four_choices_and_no_typing(app, resident):
    resident.says(ja("simple mode"))
    resident.opens(ja("Notifications"))
    assert len(resident.choices()) <= 4 and ja("Back to menu") in resident.choices()
    resident.taps(ja("Topics"))
    assert len(resident.choices()) == 4
    resident.taps(ja("More"))
    assert len(resident.choices()) == 4
