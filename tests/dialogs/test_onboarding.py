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
