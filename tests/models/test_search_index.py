"""The search index stored with each activity: folded texts of every language, the title's
reading and romaji, and the title with readings for やさしい日本語 readers."""

from __future__ import annotations

import pytest

from bot.db import session_scope
from models.activities import Activity
from models.search_index import fold, reading, romaji, ruby
from models.texts import set_text


@pytest.mark.parametrize(("typed", "folded"), [
    ("ＰＡＲＫ", "park"), ("ｺｳｴﾝｼﾞ", "こうえんじ"), ("Công Viên", "cong vien"),
    ("コウエンジ", "こうえんじ"), ("Đà  Nẵng", "da nang")])
def test_width_case_katakana_and_latin_accents_do_not_matter(typed, folded):
    assert fold(typed) == folded


@pytest.mark.parametrize(("title", "said"), [
    ("高円寺", "koenji"), ("阿佐谷", "asagaya"), ("荻窪", "ogikubo"),
    ("子ども食堂", "kodomoshokudo")])
def test_readings_and_romaji_made_by_the_analyser(title, said):
    assert romaji(reading(title)) == said


def test_the_easy_japanese_title_has_readings_after_its_kanji_words():
    assert ruby("公園の花壇づくり") == "公園（こうえん）の花壇（かだん）づくり"
    assert ruby("ごみひろい") == ""  # nothing to read
    # the data's reading of the whole title, where the analyser reads it otherwise
    assert ruby("善福寺川の清掃", "ゼンプクジガワノセイソウ") == (
        "善福寺川の清掃（ぜんぷくじがわのせいそう）")


def test_saving_an_activity_or_a_version_indexes_it(app):
    with session_scope(app) as session:
        activity = Activity(title="公園の花壇づくり", description="花を植えます", area="高円寺")
        session.add(activity)
        session.flush()
        assert "kadanzukuri" in activity.search_title and "koenji" in activity.search_text
        set_text(session, activity, "title", "vi", "Làm bồn hoa trong công viên")
        session.flush()
        ident = activity.id
    with session_scope(app) as session:
        activity = session.get(Activity, ident)
        assert "cong vien" in activity.search_title
        assert activity.shown("title", "ja_easy").text == "公園（こうえん）の花壇（かだん）づくり"
        activity.title = "川のそうじ"
    with session_scope(app) as session:
        assert "cong vien" in session.get(Activity, ident).search_title
        assert "かわのそうじ" in session.get(Activity, ident).search_title
