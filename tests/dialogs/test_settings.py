"""Settings, as a resident uses them: language, simple mode, deleting one's data."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot import keys
from bot.db import session_scope
from bot.kernel.i18n import SUPPORTED_LOCALES, gettext, language_name
from dialogs.supporters import live
from models.users import AuditLog, UserRole, get_by_line_id, grant_role
from simulator import events as ev
from tests.conftest import actions_of


def _(msgid: str, locale: str = "ja", **params: str) -> str:
    return gettext(locale, msgid, **params)


@pytest.fixture
def simple_resident(make_user):
    person = make_user("佐藤一郎", "ja")
    person.follow()
    person.taps(_("I agree"))
    person.taps(_("Simple"))
    person.taps(_("Skip"))
    return person


def _assert_simple_choices(person, where: str) -> None:
    """Simple mode: at most four big buttons, one of them the way back to the menu."""
    choices = person.choices()
    locale = person.user_row().locale
    assert 1 <= len(choices) <= 4, (where, choices)
    assert _("Back to menu", locale) in choices, (where, choices)


# -- language ---------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", [c for c in SUPPORTED_LOCALES if c != "ja"])
def test_changing_the_language_answers_in_the_new_language(resident, locale):
    resident.opens(_("Settings"))
    resident.taps(_("Language"))
    resident.taps(language_name(locale))
    said = resident.last_text()
    assert _("The language is now {language}.", locale, language=language_name(locale)) in said
    assert _("What would you like to do?", locale) in said
    assert resident.user_row().locale == locale
    resident.says("menu")
    assert _("What would you like to do?", locale) in resident.last_text()
    assert _("Settings and help", locale) in resident.choices()


def test_the_language_question_lists_every_language(resident):
    resident.says("language")
    assert set(resident.choices()) >= {language_name(c) for c in SUPPORTED_LOCALES}


def test_simple_mode_pages_through_every_language(simple_resident):
    simple_resident.says("language")
    seen: set[str] = set()
    for _page in range(len(SUPPORTED_LOCALES)):
        _assert_simple_choices(simple_resident, "language page")
        seen |= set(simple_resident.choices())
        if "English" in simple_resident.choices() and seen >= {
                language_name(c) for c in SUPPORTED_LOCALES}:
            break
        simple_resident.taps(_("Other languages"))
    else:
        pytest.fail(f"some languages were never offered; seen {sorted(seen)}")
    simple_resident.taps("English")
    assert simple_resident.user_row().locale == "en"
    assert simple_resident.user_row().mode == "simple"


# -- look: standard or simple -----------------------------------------------------------------


def test_switching_to_simple_mode_and_back(resident):
    resident.opens(_("Settings"))
    resident.taps(_("Look"))
    resident.taps(_("Simple"))
    assert _("Simple mode is on: large letters and a few big buttons.") in resident.last_text()
    assert resident.user_row().mode == "simple"
    assert resident.last[-1]["type"] == "flex"
    assert all(len(actions_of(message)) <= 4 for message in resident.last)
    resident.opens(_("Settings"))
    resident.taps(_("Look"))
    resident.taps(_("Standard"))
    assert _("Standard mode is on.") in resident.last_text()
    assert resident.user_row().mode == "standard"
    assert resident.last[-1]["type"] == "flex"  # the standard menu card
    assert len(resident.choices()) >= 3


def test_typing_simple_mode_switches_it_on(resident):
    resident.says("simple mode")
    assert _("Simple mode is on: large letters and a few big buttons.") in resident.last_text()
    assert resident.user_row().mode == "simple"


def test_typing_simple_mode_again_offers_the_way_back(simple_resident):
    simple_resident.says("simple mode")
    assert _("Standard") in simple_resident.choices()
    simple_resident.taps(_("Standard"))
    assert simple_resident.user_row().mode == "standard"


def test_every_settings_question_in_simple_mode_has_four_choices_at_most(simple_resident):
    person = simple_resident
    person.says("settings")
    _assert_simple_choices(person, "settings")
    person.taps(_("Language"))
    _assert_simple_choices(person, "language")
    person.says("settings")
    person.taps(_("Look"))
    _assert_simple_choices(person, "look")
    person.says("settings")
    person.taps(_("More"))
    _assert_simple_choices(person, "settings, more")
    person.taps(_("Age group"))
    _assert_simple_choices(person, "age group")
    person.says("settings")
    person.taps(_("More"))
    person.taps(_("Delete my data"))
    _assert_simple_choices(person, "delete")
    person.taps(_("Back to menu"))
    assert _("What would you like to do?") in person.last_text()
    assert person.user_row() is not None


def test_simple_mode_text_is_large(simple_resident):
    simple_resident.says("settings")
    question = simple_resident.last[-1]["contents"]["body"]["contents"][0]
    assert question["text"] == _("Settings: what would you like to change?")
    assert question["size"] == "xl"


# -- age band ---------------------------------------------------------------------------------


def test_the_age_band_is_changed_in_settings(resident):
    resident.opens(_("Settings"))
    resident.taps(_("Age group"))
    assert _("You have not told us your age group.") in resident.last_text()
    resident.taps(_("30s"))
    assert _("Thank you. Your age group: {band}.", band=_("30s")) in resident.last_text()
    assert resident.user_row().age_band == "30s"
    resident.says("settings")
    resident.taps(_("Age group"))
    assert _("Your age group: {band}.", band=_("30s")) in resident.last_text()
    resident.taps(_("Prefer not to say"))
    assert resident.user_row().age_band == "none"


def test_simple_mode_reaches_the_age_band_under_more(simple_resident):
    simple_resident.says("settings")
    simple_resident.taps(_("More"))
    simple_resident.taps(_("Age group"))
    simple_resident.taps(_("Other ages"))
    simple_resident.taps(_("40s"))
    assert simple_resident.user_row().age_band == "40s"


# -- deleting one's data ----------------------------------------------------------------------


def test_delete_my_data_asks_first_and_keep_keeps_it(resident):
    resident.opens(_("Settings"))
    resident.taps(_("Delete my data"))
    assert {_("Delete"), _("Keep my data")} <= set(resident.choices())
    assert resident.user_row() is not None
    resident.taps(_("Keep my data"))
    assert _("Your data was kept.") in resident.last_text()
    row = resident.user_row()
    assert row is not None and row.consented_at is not None


def test_delete_removes_the_person_and_a_later_message_starts_afresh(resident, redis_client):
    app = resident.app
    with session_scope(app) as session:
        grant_role(session, get_by_line_id(session, resident.user_id), "supporter")
    old_id = resident.user_row().id
    resident.opens(_("Settings"))
    resident.taps(_("Age group"))
    resident.taps(_("60s"))
    resident.opens(_("Settings"))
    resident.taps(_("Delete my data"))
    assert redis_client.exists(keys.dialog_state(resident.user_id))
    resident.taps(_("Delete"))
    assert _("Your data has been deleted. Thank you for using the bot. To start again, just "
             "send a message.") in resident.last_text()

    assert resident.user_row() is None
    assert not redis_client.exists(keys.dialog_state(resident.user_id))
    with session_scope(app) as session:
        assert session.scalars(select(UserRole).where(UserRole.user_id == old_id)).all() == []
        audit = session.scalars(select(AuditLog)).all()
        assert "user.delete" in [a.action for a in audit]
        for entry in audit:
            assert resident.user_id not in json.dumps(entry.detail, ensure_ascii=False)
            assert old_id not in (entry.actor_id, entry.subject_id)

    resident.says("こんにちは")
    assert _("Hello, {name}! I am the ward's community bot. I help you find local activities "
             "and volunteering, and share your ideas for the town.", name="山田花子") in \
        resident.last_text()
    assert _("Before we start: privacy notice") in resident.last_text()
    row = resident.user_row()
    assert row is not None and row.consented_at is None and row.age_band is None


def test_delete_also_removes_what_redis_holds_about_the_person(resident, make_user,
                                                               redis_client):
    supporter = make_user("支援者", "ja")
    pairing = json.dumps({"h": supporter.user_id, "n": 1, "s": 1})
    redis_client.set(live.helped_key(resident.user_id), pairing, ex=600)
    redis_client.set(live.acting_key(supporter.user_id),
                     json.dumps({"r": resident.user_id, "n": 2, "s": 1}), ex=600)
    redis_client.set(live.code_of_key(resident.user_id), "123456", ex=600)
    redis_client.set(live.code_key("123456"), json.dumps({"r": resident.user_id}), ex=600)
    resident.opens(_("Settings"))
    resident.taps(_("Delete my data"))
    delete = resident.find_action(_("Delete"))
    # the confirming tap and a message typed right after it, in one webhook body
    resident.send(ev.postback(resident.user_id, delete["data"], reply_token=resident.token()),
                  ev.text(resident.user_id, "電話は 090-1234-5678 です"))

    assert resident.texts() == [_("Your data has been deleted. Thank you for using the bot. "
                                  "To start again, just send a message.")]
    assert resident.user_row() is None  # the message after it was dropped, not answered
    assert redis_client.xlen(keys.EVENT_STREAM) == 0
    left = [name for name in redis_client.scan_iter("*")  # LINE's side (the simulator) aside
            if (resident.user_id in name and not name.startswith(keys.key("sim")))
            or name == live.code_key("123456")
            or name == live.acting_key(supporter.user_id)]
    assert left == []
