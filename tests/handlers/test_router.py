"""The router: words that work anywhere, in every language, and the consent gate."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.db import session_scope
from bot.kernel.engine import Context, Dialog, DialogState, Input, Reply, answers_yes_no
from bot.kernel.i18n import SUPPORTED_LOCALES, gettext
from bot.kernel.postback import PostbackCodec
from dialogs.understand import yes_or_no
from handlers import build_router
from handlers.router import INTERRUPT_WORDS, Router, normalise
from models.users import follow
from simulator import events as ev

router = build_router()


def _words(locale: str, name: str) -> list[str]:
    return [w.strip() for w in gettext(locale, INTERRUPT_WORDS[name]).split("|") if w.strip()]


def _catalog_words() -> list[tuple[str, str, str]]:
    return [(locale, name, word) for locale in SUPPORTED_LOCALES for name in INTERRUPT_WORDS
            for word in _words(locale, name)]


def _menu_shown(person, locale: str = "ja") -> bool:
    return gettext(locale, "What would you like to do?") in person.last_text()


def _asked_for_menu(person, locale: str = "ja") -> bool:
    """The menu, as an answer to asking for it (not the answer to something not understood)."""
    not_understood = gettext(locale, "Sorry, I did not understand. Please choose from the menu.")
    return _menu_shown(person, locale) and not_understood not in person.last_text()


def _notice_shown(person, locale: str = "ja") -> bool:
    return gettext(locale, "Before we start: privacy notice") in person.last_text()


@pytest.mark.parametrize(("locale", "name", "word"), _catalog_words())
def test_every_catalog_word_reaches_its_feature(locale, name, word):
    for typed in (word, word.upper(), f"  {word}！", f"{word}?"):
        assert router.interrupt_for(Input("text", text=typed)) == name, typed


@pytest.mark.parametrize(("typed", "word"), [
    ("ﾒﾆｭｰ！", "メニュー"), ("メニュー。", "メニュー"), ("ＭＥＮＵ", "menu"), ("Menu!!", "menu"),
    (" main   menu ", "main menu"),
])
def test_width_case_spacing_and_trailing_punctuation_do_not_matter(typed, word):
    assert normalise(typed) == normalise(word)


def test_words_inside_a_sentence_are_not_interrupts():
    for typed in ("the menu at the cafe", "help me find volunteers", "stop the noise please"):
        assert router.interrupt_for(Input("text", text=typed)) is None


@pytest.mark.parametrize("typed", ["メニュー", "ﾒﾆｭｰ！"])
def test_a_japanese_resident_reaches_the_menu_in_japanese(resident, typed):
    resident.says(typed)
    assert _asked_for_menu(resident)


@pytest.mark.parametrize("typed", ["menu", "MENU", "Menu!"])
def test_typing_menu_shows_the_menu(resident, typed):
    resident.says(typed)
    assert _asked_for_menu(resident)


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_each_language_s_menu_word_works_for_a_resident(make_user, locale):
    from bot.db import session_scope
    from models.users import get_by_line_id

    person = make_user("Tester", "ja")
    person.follow()
    person.taps(gettext("ja", "I agree"))
    person.taps(gettext("ja", "Standard"))
    person.taps(gettext("ja", "Skip"))
    with session_scope(person.app) as session:
        get_by_line_id(session, person.user_id).locale = locale
    for word in _words(locale, "menu"):
        person.says(word)
        assert _asked_for_menu(person, locale), word


def test_cancel_inside_a_dialog_ends_it_with_the_menu(resident, sim):
    resident.opens(gettext("ja", "Language"))
    assert gettext("ja", "Which language?") in resident.last_text()
    stale = resident.find_action("English")
    resident.says("cancel")
    assert gettext("ja", "Stopped. Nothing was sent.") in resident.last_text()
    assert _menu_shown(resident)
    # the dialog is over: its old buttons no longer answer it
    resident.send(ev.postback(resident.user_id, stale["data"], reply_token=resident.token()))
    assert gettext("ja", "Sorry, that conversation timed out. Please start again from the "
                         "menu.") in resident.last_text()
    assert resident.user_row().locale == "ja"


def test_cancel_outside_a_dialog_says_there_is_nothing_to_stop(resident):
    resident.says("cancel")
    assert gettext("ja", "There is nothing to stop.") in resident.last_text()
    assert _menu_shown(resident)


def test_help_keeps_the_dialog_and_continue_asks_again(resident):
    resident.opens(gettext("ja", "Language"))
    question = resident.last_text()
    resident.says("help")
    assert gettext("ja", "You can use this bot by tapping the buttons.") in resident.last_text()
    resident.taps(gettext("ja", "Continue"))
    assert resident.last_text() == question
    resident.taps("English")
    assert resident.user_row().locale == "en"


def test_help_outside_a_dialog_offers_no_continue(resident):
    resident.says("help")
    assert gettext("ja", "Continue") not in resident.choices()
    assert gettext("ja", "Menu") in resident.choices()


def test_before_consent_help_works(user):
    user.follow()
    user.says("help")
    assert gettext("ja", "You can use this bot by tapping the buttons.") in user.last_text()
    assert user.user_row().consented_at is None


def test_before_consent_language_works_and_returns_to_the_notice(user):
    user.follow()
    user.says("language")
    assert gettext("ja", "Which language?") in user.last_text()
    user.taps("English")
    assert _notice_shown(user, "en")
    assert gettext("en", "I agree") in user.choices()
    assert user.user_row().consented_at is None


@pytest.mark.parametrize("typed", ["settings", "cancel", "simple mode", "hello"])
def test_before_consent_anything_else_shows_the_notice_again(user, typed):
    user.follow()
    user.says(typed)
    assert _notice_shown(user)
    assert not _menu_shown(user)
    assert user.user_row().consented_at is None


def test_before_consent_the_menu_shows_and_its_settings_bring_the_notice(user):
    """Browsing comes before agreeing (dialogs/onboarding.py); settings store something."""
    user.follow()
    user.says("menu")
    assert _menu_shown(user) and not _notice_shown(user)
    user.taps(gettext("ja", "Settings and help"))
    user.taps(gettext("ja", "Settings"))
    assert _notice_shown(user)
    assert user.user_row().consented_at is None


def test_before_consent_a_menu_button_shows_the_notice_again(user):
    user.follow()
    codec = user.app.extensions["machibot.codec"]
    user.send(ev.postback(user.user_id, codec.encode("delete_data"), reply_token=user.token()))
    assert _notice_shown(user)
    assert user.user_row() is not None


def test_a_forged_button_is_refused(resident):
    resident.send(ev.postback(resident.user_id, "1|delete_data||AAAAAAAA",
                              reply_token=resident.token()))
    assert gettext("ja", "This button is no longer valid.") in resident.last_text()
    assert resident.user_row() is not None


def test_unknown_text_gets_an_honest_answer_with_three_next_steps_not_the_menu(resident):
    resident.says("駅に傘を忘れてしまいました")
    assert gettext("ja", "Sorry, I could not understand that. Perhaps one of these?") in \
        resident.last_text()
    assert resident.choices() == [gettext("ja", label) for label in
                                  ("Find activities", "My schedule", "Help")]
    assert not _menu_shown(resident)


def test_a_sticker_still_gets_the_friendly_answer_with_the_menu(resident):
    resident.send(ev.sticker(resident.user_id, reply_token=resident.token()))
    assert gettext("ja", "Thank you! I can only read text and buttons here.") in \
        resident.last_text()
    assert _menu_shown(resident)


def _turn(app, session, step: str) -> Context:
    user, _ = follow(session, "U" + "0" * 32, locale="vi", display_name="Bao")
    return Context(app, session, user, DialogState(step=step), datetime.now(UTC),
                   PostbackCodec("channel-secret"))


def test_a_step_that_declares_yes_and_no_is_answered_by_them_typed_whatever_its_name(app):
    """A confirmation says so itself (`answers_yes_no`): typed はい, vâng or ok answer it as
    its Yes button does, however the step is named; a step that does not declare it gets
    the text as typed, even when its name says "confirm"."""
    seen = []

    @answers_yes_no
    def on_sure(ctx, inp):
        seen.append((inp.kind, inp.value))
        return Reply([])

    def on_confirm_text(ctx, inp):
        seen.append((inp.kind, inp.text))
        return Reply([])

    demo = Dialog("demo", steps={"demo.ask_sure": on_sure, "demo.confirm_name": on_confirm_text})
    made = Router(yes_no=yes_or_no)
    made.include(demo)
    assert made.confirmations == {"demo.ask_sure"}
    with session_scope(app) as session:
        made.dispatch(_turn(app, session, "demo.ask_sure"), Input("text", text="vâng"))
        made.dispatch(_turn(app, session, "demo.confirm_name"), Input("text", text="はい"))
    assert seen == [("postback", "yes"), ("text", "はい")]


def test_every_yes_no_question_of_the_bot_declares_it():
    """The steps whose question offers Yes/No buttons (those the router knew by their
    names before), and the idea's "can you help?", take a typed yes or no."""
    assert {"signup.confirm", "signup.confirm_cancel", "settings.confirm_delete",
            "ideas.ask_can_help", "ideas.confirm", "org.confirm_leave",
            "initiative.confirm_close", "supporters.grant_confirm", "gathering.confirm_move",
            "announce.confirm"} <= router.confirmations
