import pytest

from bot.kernel.i18n import SUPPORTED_LOCALES, gettext, language_name
from models.users import AGE_BANDS


def test_new_friend_is_greeted_in_profile_language_and_reaches_menu(make_user):
    person = make_user("Alice", "en-US")
    person.follow()
    assert "Hello, Alice!" in person.last_text()
    assert "privacy notice" in person.last_text()
    person.taps("I agree")
    assert "How would you like the bot to look?" in person.last_text()
    person.taps("Standard")
    assert "One last question, if you like: your age group?" in person.last_text()
    person.taps("Skip")
    assert "All set!" in person.last_text()
    assert "What would you like to do?" in person.last_text()
    row = person.user_row()
    assert row.locale == "en" and row.mode == "standard" and row.consented_at is not None
    assert row.age_band is None


def test_unsupported_profile_language_falls_back_to_japanese(make_user):
    person = make_user("Jean", "fr")
    person.follow()
    assert person.user_row().locale == "ja"
    assert gettext("ja", "I agree") in person.choices()


def _(msgid: str, locale: str = "ja", **params: object) -> str:
    return gettext(locale, msgid, **params)


def test_a_first_message_from_a_qr_code_resumes_after_consent_and_mode(app, make_user):
    from tests.activity_factory import make_slot

    make_slot(app, code="1013")
    person = make_user("佐藤", "ja")
    person.follow()
    person.says("参加 1013")  # what the QR code's link types in
    assert _("I agree") in person.choices()  # consent still comes first
    person.taps(_("I agree"))
    person.taps(_("Standard"))
    person.taps(_("Skip"))
    assert "善福寺川の清掃" in person.last_text()
    assert _("Sign up") in person.choices()


def test_the_kept_message_survives_a_change_of_language(app, make_user):
    from tests.activity_factory import make_slot

    make_slot(app, code="1013")
    person = make_user("Ana", "ja")
    person.follow()
    person.says("参加 1013")
    person.taps(_("Language"))
    person.taps("English")
    person.taps("I agree")
    person.taps("Standard")
    person.taps("Teens")
    assert "善福寺川の清掃" in person.last_text()
    assert "Sign up" in person.choices()
    assert person.user_row().age_band == "10s"


def test_a_first_message_that_starts_nothing_ends_at_the_menu(make_user):
    person = make_user("佐藤", "ja")
    person.follow()
    person.says("こんにちは")
    person.taps(_("I agree"))
    person.taps(_("Standard"))
    person.taps(_("Skip"))
    assert _("What would you like to do?") in person.last_text()
    assert _("Sorry, I did not understand. Please choose from the menu.") \
        not in person.last_text()


# -- the age band ------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_the_age_band_is_asked_once_after_the_look_in_every_language(make_user, locale):
    person = make_user("Kim", locale)
    person.follow()
    if person.user_row().locale != locale:  # no LINE profile says "easy Japanese"
        person.taps(_("Language", person.user_row().locale))
        person.taps(language_name(locale))
    person.taps(_("I agree", locale))
    person.taps(_("Standard", locale))
    assert _("One last question, if you like: your age group?", locale) in person.last_text()
    assert set(person.choices()) == {_(label, locale) for label in [*AGE_BANDS.values(), "Skip"]}
    person.taps(_("20s", locale))
    assert _("All set! You can change the language and the look in Settings at any time.",
             locale) in person.last_text()
    assert person.user_row().age_band == "20s"
    person.says("menu")
    assert _("One last question, if you like: your age group?", locale) \
        not in person.last_text()


def test_simple_mode_pages_through_the_age_bands_with_skip_on_each_page(make_user):
    person = make_user("簡単太郎", "ja")
    person.follow()
    person.taps(_("I agree"))
    person.taps(_("Simple"))
    seen: set[str] = set()
    for _page in range(len(AGE_BANDS)):
        choices = person.choices()
        assert len(choices) <= 4 and _("Skip") in choices, choices
        seen |= set(choices)
        if _("80 or older") in choices:
            break
        person.taps(_("Other ages"))
    person.taps(_("80 or older"))
    assert person.user_row().age_band == "80plus"
    assert _("What would you like to do?") in person.last_text()
    assert {_(label) for label in list(AGE_BANDS.values())[:-1]} <= seen


def test_typing_at_the_age_question_skips_it_and_is_answered(app, make_user):
    from tests.activity_factory import make_slot

    make_slot(app, code="1013")
    person = make_user("佐藤", "ja")
    person.follow()
    person.taps(_("I agree"))
    person.taps(_("Standard"))
    person.says("参加 1013")
    assert "善福寺川の清掃" in person.last_text()
    assert _("Sign up") in person.choices()
    assert person.user_row().age_band is None


# -- browsing before agreeing -------------------------------------------------------------------


def _turns_that_wrote(app, person) -> int:
    """How many of the person's turns wrote anything (models/turns.py records those)."""
    from sqlalchemy import func, select

    from bot.db import session_scope
    from models.turns import HandledTurn

    with session_scope(app) as session:
        return session.scalar(select(func.count()).select_from(HandledTurn)
                              .where(HandledTurn.line_user_id == person.user_id))


def _notice_shown(person, locale: str = "ja") -> bool:
    return _("Before we start: privacy notice", locale) in person.last_text()


def _post_idea_call(app, make_user) -> None:
    from tests.collab_helpers import join, make_staff

    staff = make_staff(app, join(make_user, "区職員"))
    staff.opens(_("Idea calls"))
    staff.taps(_("New idea call"))
    staff.says("放置自転車を減らすには")
    staff.says("駅前の放置自転車が歩行者の妨げになっています。")
    staff.taps(_("Pick a date"), date="2031-02-28")
    staff.taps(_("Community building"))
    staff.taps(_("Publish"))


def test_before_agreeing_a_new_friend_reads_activities_idea_calls_and_initiatives(
        app, make_user):
    from tests.activity_factory import make_slot

    make_slot(app, code="1013")
    _post_idea_call(app, make_user)

    person = make_user("新しい人", "ja")
    person.follow()
    assert "新しい人" in person.last_text()  # greeted by their LINE name...
    row = person.user_row()
    assert row.display_name is None and row.consented_at is None  # ...which is not kept
    wrote = _turns_that_wrote(app, person)

    person.opens(_("Find activities"))
    assert not _notice_shown(person)
    person.taps(_("Keyword"))
    person.says("清掃")
    person.taps(_("Details"))
    assert "善福寺川の清掃" in person.last_text() and _("Sign up") in person.choices()
    person.shares_location(35.7046, 139.6358)  # near me: searched, not kept
    assert "善福寺川の清掃" in person.last_text()
    person.opens(_("Idea calls"))
    assert "放置自転車を減らすには" in person.last_text()
    person.opens(_("Initiatives"))
    assert not _notice_shown(person)

    assert _turns_that_wrote(app, person) == wrote  # nothing stored about them
    row = person.user_row()
    assert row.display_name is None and row.consented_at is None


def test_signing_up_while_browsing_asks_for_agreement_and_then_goes_on(app, make_user):
    from tests.activity_factory import make_slot

    make_slot(app, code="1013")
    person = make_user("新しい人", "ja")
    person.follow()
    person.opens(_("Find activities"))
    person.taps(_("Keyword"))
    person.says("清掃")
    person.taps(_("Details"))
    person.taps(_("Sign up"))
    assert _notice_shown(person)
    assert _("Sign up") not in person.choices()
    person.taps(_("I agree"))
    person.taps(_("Standard"))
    person.taps(_("Skip"))
    assert _("All set! Now, where you left off:") in person.last_text()
    assert "善福寺川の清掃" in person.last_text()
    person.taps(_("Sign up"))
    person.opens(_("My schedule"))
    assert "善福寺川の清掃" in person.last_text()
    assert person.user_row().display_name == "新しい人"  # kept once they agreed


def test_a_setting_asked_for_before_agreeing_opens_after_agreeing(make_user):
    person = make_user("新しい人", "ja")
    person.follow()
    person.opens(_("Notifications"))
    assert _notice_shown(person)
    person.taps(_("I agree"))
    person.taps(_("Standard"))
    person.taps(_("Skip"))
    assert _("All set! Now, where you left off:") in person.last_text()
    assert person.user_row().consented_at is not None


def test_the_notice_s_agree_button_works_after_browsing_away(make_user):
    person = make_user("新しい人", "ja")
    person.follow()
    agree = person.find_action(_("I agree"))
    person.opens(_("Find activities"))
    from simulator import events as ev

    person.send(ev.postback(person.user_id, agree["data"], reply_token=person.token()))
    assert _("How would you like the bot to look?") in person.last_text()
    assert person.user_row().consented_at is not None


def test_a_sign_up_code_typed_while_searching_waits_for_agreement(app, make_user):
    from tests.activity_factory import make_slot

    make_slot(app, code="1013")
    person = make_user("新しい人", "ja")
    person.follow()
    person.opens(_("Find activities"))
    person.taps(_("Keyword"))
    person.says("清掃")  # a keyword: a search
    assert "善福寺川の清掃" in person.last_text()
    assert not _notice_shown(person)
    person.says("参加 1013")  # a sign-up: stores something
    assert _notice_shown(person)


def test_an_idea_started_before_agreeing_is_asked_for_once_they_agree(app, make_user):
    _post_idea_call(app, make_user)
    person = make_user("新しい人", "ja")
    person.follow()
    person.opens(_("Idea calls"))
    person.taps(_("Submit an idea"))
    assert _notice_shown(person)
    person.taps(_("I agree"))
    person.taps(_("Standard"))
    person.taps(_("Skip"))
    assert _("All set! Now, where you left off:") in person.last_text()
    person.says("駐輪場の案内を増やす")  # the idea, at the question it was taken to
    person.taps(_("Yes"))
    person.taps(_("Send"))
    assert _("Thank you! Your idea has been received.") in person.last_text()
