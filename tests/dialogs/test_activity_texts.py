"""An activity's title and description in the reader's language: their version, else the
English one, else the original, marked when not theirs; a list of cards loads the versions
of all its activities at once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.db import session_scope
from bot.kernel.i18n import gettext
from models.users import get_by_line_id
from tests.activity_factory import make_slot
from tests.conftest import flex_texts
from tests.sql_count import statements_of

PARK = {("title", "en"): "Park clean-up", ("description", "en"): "We pick up litter.",
        ("title", "ko"): "공원 청소", ("title", "ja_easy"): "こうえんの そうじ"}


def _cards(person) -> list[list[str]]:  # type: ignore[no-untyped-def]
    for message in person.last:
        if message["type"] == "flex" and message["contents"]["type"] == "carousel":
            return [flex_texts(b) for b in message["contents"]["contents"]]
    return []


def _reader(make_user, locale: str):  # type: ignore[no-untyped-def]
    """A person reading `locale` (やさしい日本語 is chosen, never a profile's language)."""
    first = "ja" if locale == "ja_easy" else locale
    person = make_user(f"reader-{locale}", first)
    person.follow()
    person.taps(gettext(first, "I agree"))
    person.taps(gettext(first, "Standard"))
    if locale != first:
        with session_scope(person.app) as session:
            get_by_line_id(session, person.user_id).locale = locale
    return person


def _find_environment(person, locale: str) -> list[str]:  # type: ignore[no-untyped-def]
    person.opens(gettext(locale, "Find activities"))
    person.taps(gettext(locale, "By category"))
    person.taps(gettext(locale, "Environment"))
    return [texts[0] for texts in _cards(person)]


@pytest.mark.parametrize(("locale", "title"), [
    ("ko", "공원 청소"),  # their own
    ("vi", gettext("vi", "{text} (English)", text="Park clean-up")),  # else English, marked
    ("en", "Park clean-up"),
    ("ja", "公園のそうじ"),  # the original is theirs
    ("ja_easy", "こうえんの そうじ"),  # the version written for them
])
def test_a_search_card_shows_the_reader_s_version_of_the_title(app, make_user, locale, title):
    make_slot(app, title="公園のそうじ", code="123", versions=PARK)
    assert _find_environment(_reader(make_user, locale), locale) == [title]


def test_without_versions_the_original_is_shown_marked_as_japanese_except_to_japanese_readers(
        app, make_user):
    make_slot(app, title="川のそうじ", code="123")
    assert _find_environment(_reader(make_user, "ne"), "ne") == [
        gettext("ne", "{text} (Japanese)", text="川のそうじ")]
    # やさしい日本語: with the readings of its kanji, as the easy-Japanese catalog writes them
    assert _find_environment(_reader(make_user, "ja_easy"), "ja_easy") == ["川（かわ）のそうじ"]


def test_the_details_show_the_reader_s_description(app, make_user):
    slot = make_slot(app, title="公園のそうじ", code="123", versions=PARK,
                     description="ごみを拾います。")
    reader = _reader(make_user, "en")
    reader.opens("Find activities")
    reader.taps("By category")
    reader.taps("Environment")
    reader.taps("Details")
    shown = flex_texts(reader.last[-1]["contents"])
    assert shown[0] == "Park clean-up" and "We pick up litter." in shown
    assert not any("ごみを拾います" in line for line in shown)
    assert slot


def test_a_machine_translation_is_marked_as_one(app, make_user):
    from models.activities import Slot
    from models.texts import MACHINE, set_text

    slot_id = make_slot(app, title="公園のそうじ", code="123")
    with session_scope(app) as session:
        set_text(session, session.get(Slot, slot_id).activity, "title", "vi",
                 "Dọn dẹp công viên", state=MACHINE)
    assert _find_environment(_reader(make_user, "vi"), "vi") == [
        gettext("vi", "{text} (machine translation)", text="Dọn dẹp công viên")]


def test_signing_up_and_my_schedule_speak_the_reader_s_title(app, make_user):
    make_slot(app, title="公園のそうじ", code="123", versions=PARK)
    reader = _reader(make_user, "ko")
    reader.says("参加 123")
    assert "공원 청소" in reader.last_text()
    reader.taps(gettext("ko", "Sign up"))
    assert "공원 청소" in reader.last_text()
    reader.taps(gettext("ko", "My schedule"))
    assert [texts[0] for texts in _cards(reader)] == ["공원 청소"]


def test_a_page_of_cards_reads_the_versions_in_one_statement_however_many(app, make_user):
    """The texts of every card on the page: one statement, for ten activities as for one."""
    reader = _reader(make_user, "en")

    def results() -> list[str]:
        reader.opens("Find activities")
        reader.taps("By category")
        return statements_of(app, lambda: reader.taps("Environment"))

    make_slot(app, title="公園のそうじ0", code="100", versions=PARK)
    one = results()
    for n in range(1, 10):
        make_slot(app, title=f"公園のそうじ{n}", code=f"{100 + n}", versions=PARK,
                  starts_in=timedelta(days=3, hours=n))
    ten = results()
    assert len(_cards(reader)) == 10
    assert len(ten) == len(one), "\n".join(ten)
    assert sum("content_texts" in s for s in ten) == 1, "\n".join(ten)


def test_a_reminder_names_the_activity_in_the_reader_s_version(app, make_user, monkeypatch):
    from datetime import UTC, datetime

    from bot.notify.dispatch import dispatch

    monkeypatch.setitem(app.config, "QUIET_HOURS", "")
    make_slot(app, title="公園のそうじ", code="123", versions=PARK,
              starts_in=timedelta(hours=30))
    reader = _reader(make_user, "ko")
    reader.says("参加 123")
    reader.taps(gettext("ko", "Sign up"))
    dispatch(app, now=datetime.now(UTC) + timedelta(hours=29))
    reader.new_messages()
    assert gettext("ko", "Reminder: “{title}”", title="공원 청소") in reader.last_text()
