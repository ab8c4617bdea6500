from bot.kernel.i18n import gettext


def test_new_friend_is_greeted_in_profile_language_and_reaches_menu(make_user):
    person = make_user("Alice", "en-US")
    person.follow()
    assert "Hello, Alice!" in person.last_text()
    assert "privacy notice" in person.last_text()
    person.taps("I agree")
    assert "How would you like the bot to look?" in person.last_text()
    person.taps("Standard")
    assert "All set!" in person.last_text()
    assert "What would you like to do?" in person.last_text()
    row = person.user_row()
    assert row.locale == "en" and row.mode == "standard" and row.consented_at is not None


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
    assert "善福寺川の清掃" in person.last_text()
    assert "Sign up" in person.choices()


def test_a_first_message_that_starts_nothing_ends_at_the_menu(make_user):
    person = make_user("佐藤", "ja")
    person.follow()
    person.says("こんにちは")
    person.taps(_("I agree"))
    person.taps(_("Standard"))
    assert _("What would you like to do?") in person.last_text()
    assert _("Sorry, I did not understand. Please choose from the menu.") \
        not in person.last_text()
