"""One LINE event, one turn: follow and unfollow, what the bot cannot read, stale buttons."""

from __future__ import annotations

import logging
import re

import pytest

from bot import keys
from bot.db import session_scope
from bot.kernel.i18n import gettext
from handlers.router import Pattern
from models.users import get_by_line_id
from simulator import events as ev


def _(msgid: str, **params: str) -> str:
    return gettext("ja", msgid, **params)


MENU_QUESTION = "What would you like to do?"


def test_unfollow_marks_the_user_inactive_and_forgets_their_dialog(resident, redis_client):
    resident.says("settings")
    resident.taps(_("Language"))
    assert redis_client.exists(keys.dialog_state(resident.user_id))
    resident.unfollow()
    assert resident.user_row().active is False
    assert not redis_client.exists(keys.dialog_state(resident.user_id))


def test_follow_after_unfollow_says_welcome_back_and_keeps_settings(resident):
    resident.says(_("simple mode").split("|")[0])
    assert resident.user_row().mode == "simple"
    resident.unfollow()
    resident.follow()
    assert _("Welcome back, {name}! Your settings are as you left them.",
             name="山田花子") in resident.last_text()
    row = resident.user_row()
    assert row.active is True and row.mode == "simple" and row.consented_at is not None


def test_message_from_a_user_the_bot_does_not_know_starts_onboarding(make_user):
    stranger = make_user("佐藤一郎")  # a friend from before the bot existed: no follow event
    stranger.says("こんにちは")
    assert _("Before we start: privacy notice") in stranger.last_text()
    assert _("I agree") in stranger.choices()
    assert stranger.user_row() is not None and stranger.user_row().consented_at is None


def test_message_after_ones_data_was_deleted_starts_onboarding_again(app, resident):
    # what "delete my data" leaves behind: no user row (done here directly, see settings tests)
    with session_scope(app) as session:
        session.delete(get_by_line_id(session, resident.user_id))
    resident.says("こんにちは")
    assert _("Before we start: privacy notice") in resident.last_text()
    assert resident.user_row().consented_at is None


@pytest.mark.parametrize("build", [ev.sticker, ev.image], ids=["sticker", "image"])
def test_sticker_or_image_gets_a_polite_answer(resident, build):
    resident.send(build(resident.user_id, reply_token=resident.token()))
    assert _("Thank you! I can only read text and buttons here.") in resident.last_text()
    assert _(MENU_QUESTION) in resident.last_text()


def _tampered(data: str) -> str:
    """The same data with one character of its arguments or action changed."""
    index = data.index("|") + 1  # first character of the action name
    replacement = "x" if data[index] != "x" else "y"
    return data[:index] + replacement + data[index + 1:]


def test_tampered_button_is_refused_with_the_menu(resident):
    resident.says("settings")
    action = resident.find_action(_("Language"))
    assert action["type"] == "postback"
    resident.send(ev.postback(resident.user_id, _tampered(action["data"]),
                              reply_token=resident.token()))
    assert _("This button is no longer valid.") in resident.last_text()
    assert _(MENU_QUESTION) in resident.last_text()
    assert _("Which language?") not in resident.last_text()


def test_tampered_signature_is_refused_too(resident):
    resident.says("settings")
    data = resident.find_action(_("Language"))["data"]
    last = "A" if data[-1] != "A" else "B"
    resident.send(ev.postback(resident.user_id, data[:-1] + last, reply_token=resident.token()))
    assert _("This button is no longer valid.") in resident.last_text()


def test_answer_to_a_dialog_that_timed_out_gets_the_timed_out_message(resident, redis_client):
    resident.says("settings")
    resident.taps(_("Language"))
    redis_client.delete(keys.dialog_state(resident.user_id))  # the sliding TTL ran out
    resident.taps("English")
    assert _("Sorry, that conversation timed out. Please start again from the menu.") in (
        resident.last_text())
    assert resident.user_row().locale == "ja"


def test_failing_step_gets_an_apology_and_the_worker_goes_on(app, resident, redis_client,
                                                            monkeypatch, caplog):
    def boom(ctx, inp, match):  # type: ignore[no-untyped-def]
        raise RuntimeError("a bug in a dialog")

    router = app.extensions["machibot.router"]
    monkeypatch.setattr(router, "patterns", [*router.patterns, Pattern(re.compile("boom"), boom)])
    caplog.set_level(logging.INFO)
    resident.says("boom")
    assert resident.last_text() == _(
        "Sorry, something went wrong on our side. Please try again in a moment, or type "
        "\"menu\".")
    assert any(r.exc_info for r in caplog.records), "the failure should reach the log"
    resident.says(_("menu").split("|")[0])
    assert _(MENU_QUESTION) in resident.last_text()
    assert redis_client.xpending(keys.EVENT_STREAM, keys.WORKER_GROUP)["pending"] == 0


def test_failing_step_does_not_save_a_half_done_dialog(app, resident, redis_client,
                                                       monkeypatch):
    def boom(ctx, inp, match):  # type: ignore[no-untyped-def]
        ctx.user.mode = "simple"
        raise RuntimeError("a bug in a dialog")

    router = app.extensions["machibot.router"]
    monkeypatch.setattr(router, "patterns", [*router.patterns, Pattern(re.compile("boom"), boom)])
    resident.says("boom")
    assert resident.user_row().mode == "standard"
    assert not redis_client.exists(keys.dialog_state(resident.user_id))


def test_unsend_event_reaches_the_registered_hooks(app, resident, worker, monkeypatch):
    removed: list[tuple[str, str]] = []
    monkeypatch.setitem(app.extensions, "machibot.unsend_hooks",
                        [lambda session, user_id, message_id: removed.append((user_id,
                                                                              message_id))])
    event = ev.text(resident.user_id, "x")
    event.update(type="unsend", unsend={"messageId": "325708"})
    del event["message"]
    resident.send(event)
    assert removed == [(resident.user_id, "325708")]
    assert resident.last == []


def test_reply_is_in_the_users_language(make_user):
    person = make_user("Alice", "en")
    person.follow()
    person.taps("I agree")
    person.taps("Standard")
    person.taps("Skip")
    person.send(ev.sticker(person.user_id, reply_token=person.token()))
    assert "Thank you! I can only read text and buttons here." in person.last_text()


def test_no_answer_for_a_message_type_line_adds_later(resident):
    event = ev.text(resident.user_id, "x", reply_token=resident.token())
    event["message"] = {"id": "1", "type": "hologram"}
    assert resident.send(event) == []


def test_location_with_impossible_coordinates_is_not_answered_as_a_location(resident):
    answers = resident.send(ev.location(resident.user_id, 123.0, 500.0,
                                        reply_token=resident.token()))
    assert answers == []


def test_event_without_a_user_id_is_not_answered(resident):
    event = ev.text(resident.user_id, "x", reply_token=resident.token())
    event["source"] = {"type": "user"}
    assert resident.send(event) == []


def test_a_reply_token_that_is_no_token_gets_an_answer_by_push(resident, caplog):
    caplog.set_level(logging.INFO)
    resident.send(ev.text(resident.user_id, _("menu"), reply_token="\ud800"))
    assert _(MENU_QUESTION) in resident.last_text()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
