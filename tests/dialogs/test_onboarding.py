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
