"""What people type: button labels in any language, yes/no at a confirmation, keywords and
wishes that search, and an honest answer with three next steps for the rest."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bench.nlu_accuracy import LANGUAGES, judge
from bot.db import session_scope
from bot.kernel.i18n import gettext
from models.signups import Signup
from tests.activity_factory import make_slot
from tests.conftest import flex_texts
from tests.dialogs.test_activity_texts import _reader as _onboarded


def _reader(make_user, locale: str):  # type: ignore[no-untyped-def]
    """A person past onboarding, at the top level (the menu ends the age question)."""
    person = _onboarded(make_user, locale)
    person.says("menu")
    return person


def _titles(person) -> list[str]:  # type: ignore[no-untyped-def]
    for message in person.last:
        if message["type"] == "flex" and message["contents"]["type"] == "carousel":
            return [flex_texts(b)[0] for b in message["contents"]["contents"]]
    return []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_corpus_is_understood_nine_times_in_ten_in_every_language(language):
    count, misses = judge(language)
    assert count >= 60
    assert (count - len(misses)) / count >= 0.9, misses


@pytest.mark.parametrize(("locale", "typed"), [
    ("ja", "活動を探す"), ("ja", "ｶﾂﾄﾞｳｦｻｶﾞｽ"), ("en", "find activities!"),
    ("vi", "Tìm hoạt động"), ("en", "活動を探す"), ("ko", "활동 찾기")])
def test_a_typed_button_label_does_what_the_button_does(app, make_user, locale, typed):
    person = _reader(make_user, locale)
    person.says(typed)
    if typed.startswith("ｶ"):  # not the label: a keyword, and no whole menu
        assert gettext(locale, "Find activities") not in person.choices()
        return
    assert gettext(locale, "Keyword") in person.choices()  # the search's first question


def test_the_bot_s_own_example_park_finds_the_park_in_english(app, make_user):
    make_slot(app, title="公園の花壇づくり", code="123",
              versions={("title", "en"): "Flower beds in the park"})
    make_slot(app, title="川のそうじ", code="124", area="荻窪")
    person = _reader(make_user, "en")
    person.says("park")
    assert _titles(person) == ["Flower beds in the park"]


@pytest.mark.parametrize("typed", ["こうえんじ", "koenji", "ＫＯＥＮＪＩ", "高円寺", "kouenji"])
def test_an_area_found_by_its_reading_and_romaji(app, make_user, typed):
    make_slot(app, title="高円寺の公園で花壇づくり", code="123", area="高円寺")
    make_slot(app, title="川のそうじ", code="124", area="荻窪")
    person = _reader(make_user, "ja")
    person.says(typed)
    assert _titles(person) == ["高円寺の公園で花壇づくり"]


def test_titles_rank_before_descriptions_and_a_letter_off_is_forgiven(app, make_user):
    make_slot(app, title="川のそうじ", code="124", description="公園の近くです",
              starts_in=timedelta(days=1))
    make_slot(app, title="公園の花壇づくり", code="123", starts_in=timedelta(days=5))
    person = _reader(make_user, "ja")
    person.says("公園")
    assert _titles(person) == ["公園の花壇づくり", "川のそうじ"]
    person.says("menu")
    person.says("kadanzukri")  # one letter missing from the romaji
    assert _titles(person) == ["公園の花壇づくり"]


def test_a_wish_becomes_a_search_with_its_filters(app, make_user):
    make_slot(app, title="子ども食堂", code="123", category="childcare", area="高円寺",
              starts_in=timedelta(days=1))
    make_slot(app, title="川のそうじ", code="124", area="高円寺", starts_in=timedelta(days=1))
    person = _reader(make_user, "en")
    person.says("something I can do with my kids in Koenji")
    assert _titles(person) == [gettext("en", "{text} (Japanese)", text="子ども食堂")]


@pytest.mark.parametrize(("locale", "typed"), [
    ("ja", "こんにちは"), ("ne", "नमस्ते"), ("en", "I lost my umbrella at the station"),
    ("vi", "vâng")])
def test_what_is_not_understood_gets_an_honest_answer_and_three_next_steps(
        app, make_user, locale, typed):
    person = _reader(make_user, locale)
    person.says(typed)
    assert person.choices()[:3] == [gettext(locale, "Find activities"),
                                    gettext(locale, "My schedule"), gettext(locale, "Help")]
    assert len(person.choices()) <= 4  # never the whole menu again


@pytest.mark.parametrize(("locale", "yes"), [("ja", "はい"), ("vi", "vâng"), ("ne", "हो"),
                                              ("zh_Hans", "好的"), ("ko", "네")])
def test_yes_typed_answers_a_confirmation(app, make_user, locale, yes):
    slot = make_slot(app, code="123")
    person = _reader(make_user, locale)
    person.says("参加 123")
    person.says(yes)
    with session_scope(app) as session:
        assert session.query(Signup).filter_by(slot_id=slot).count() == 1


def test_a_wish_typed_at_the_results_adds_its_filters_to_those_chosen(app, make_user):
    make_slot(app, title="公園の花壇づくり", code="123", area="高円寺",
              starts_in=timedelta(days=1))
    make_slot(app, title="公園のごみ拾い", code="124", area="高円寺", starts_in=timedelta(days=4))
    make_slot(app, title="川のそうじ", code="125", area="高円寺", starts_in=timedelta(days=1))
    person = _reader(make_user, "ja")
    person.says("公園")
    assert _titles(person) == ["公園の花壇づくり", "公園のごみ拾い"]
    person.says("明日 高円寺で何かある?")
    assert _titles(person) == ["公園の花壇づくり"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_asking_for_the_menu_in_words_is_understood_in_every_language(language):
    """"menu please", "メニューをください", "메뉴 주세요": the menu, not a search for "menu"."""
    count, misses = judge(language)
    assert not [miss for miss in misses if miss[1] == "button menu"], misses


@pytest.mark.parametrize(("locale", "typed"), [("en", "menu please"), ("ja", "メニューをください"),
                                                ("vi", "cho tôi xem menu")])
def test_asking_for_the_menu_in_words_opens_it(app, make_user, locale, typed):
    person = _reader(make_user, locale)
    person.says(typed)
    assert gettext(locale, "What would you like to do?") in person.last_text()
    assert gettext(locale, "Sorry, I could not understand that. Perhaps one of these?") \
        not in person.last_text()
