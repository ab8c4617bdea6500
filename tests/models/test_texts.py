"""Versions of the texts people write: which one a reader gets, writing them, loading a
list's in one statement, and their going with their item."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.db import session_scope
from models.activities import Activity
from models.texts import (
    AUTHOR,
    MACHINE,
    REVIEWED,
    ContentText,
    Shown,
    choose,
    get_text,
    preload,
    set_text,
    set_texts,
    texts_of,
)
from tests.sql_count import statements_of


def _version(field: str, locale: str, text: str, state: str = AUTHOR) -> ContentText:
    return ContentText(kind="activity", item_id=1, field=field, locale=locale, text=text,
                       state=state)


VERSIONS = [_version("title", "en", "Park clean-up"), _version("title", "ko", "공원 청소"),
            _version("title", "ja_easy", "こうえんの そうじ"),
            _version("title", "vi", "Dọn dẹp công viên", MACHINE),
            _version("description", "en", "We pick up litter.")]


@pytest.mark.parametrize(("reader", "shown"), [
    ("ko", Shown("공원 청소", "ko")),  # their own
    ("zh_Hans", Shown("Park clean-up", "en", foreign=True)),  # else English
    ("en", Shown("Park clean-up", "en")),
    ("ja", Shown("公園のそうじ", "ja")),  # the original is theirs
    ("ja_easy", Shown("こうえんの そうじ", "ja_easy")),  # written for them
    ("vi", Shown("Dọn dẹp công viên", "vi", machine=True)),
])
def test_a_reader_gets_their_version_else_english_else_the_original(reader, shown):
    assert choose(VERSIONS, "title", "公園のそうじ", reader) == shown


def test_without_versions_the_original_is_foreign_to_all_but_readers_of_japanese():
    assert choose([], "title", "川のそうじ", "ne") == Shown("川のそうじ", "ja", foreign=True)
    assert choose([], "title", "川のそうじ", "ja_easy") == Shown("川のそうじ", "ja")
    assert choose(VERSIONS, "description", "", "ja") == Shown("", "ja")  # nothing to mark
    # a description with no Korean version falls back to English, not to the Korean title
    assert choose(VERSIONS, "description", "ごみ拾い", "ko") == Shown(
        "We pick up litter.", "en", foreign=True)


def _activity(session, title: str = "公園のそうじ") -> Activity:  # type: ignore[no-untyped-def]
    activity = Activity(title=title, description="ごみを拾います")
    session.add(activity)
    session.flush()
    return activity


def test_versions_are_written_changed_and_removed_with_their_state(app):
    with session_scope(app) as session:
        activity = _activity(session)
        assert set_texts(session, activity, {("title", "en"): "Park clean-up",
                                             ("description", "en"): " ", ("title", "ko"): ""}
                         ) == [("title", "en")]
        assert set_text(session, activity, "title", "en", "Park clean-up") is False  # same
        assert set_text(session, activity, "title", "en", "Park clean-up",
                        state=REVIEWED) is True
        found = get_text(session, "activity", activity.id, "title", "en")
        assert (found.text, found.state) == ("Park clean-up", REVIEWED)
        assert activity.shown("title", "vi").text == "Park clean-up"  # the collection reloads
        assert set_text(session, activity, "title", "en", None) is True
        assert get_text(session, "activity", activity.id, "title", "en") is None
        with pytest.raises(ValueError):
            set_text(session, activity, "title", "ja", "原文")  # the original is the column
        with pytest.raises(ValueError):
            set_text(session, activity, "fee", "en", "free")  # not a field with versions
        with pytest.raises(ValueError):
            set_text(session, activity, "title", "en", "x", state="guessed")


def test_a_list_loads_every_item_s_versions_in_one_statement(app):
    with session_scope(app) as session:
        ids = []
        for n in range(5):
            activity = _activity(session, f"活動{n}")
            set_text(session, activity, "title", "en", f"Activity {n}")
            ids.append(activity.id)
    with session_scope(app) as session:
        activities = list(session.scalars(select(Activity).where(Activity.id.in_(ids))))
        loaded = statements_of(app, lambda: preload(session, activities))
        shown = statements_of(app, lambda: [a.shown("title", "en") for a in activities])
        assert len(loaded) == 1 and shown == []
        assert sorted(a.shown("title", "en").text for a in activities) == [
            f"Activity {n}" for n in range(5)]
        assert statements_of(app, lambda: preload(session, activities)) == []  # loaded
        assert sorted(texts_of(session, "activity", ids)) == sorted(ids)


def test_an_item_s_versions_go_when_it_goes(app):
    with session_scope(app) as session:
        kept, gone = _activity(session, "残る"), _activity(session, "消える")
        set_text(session, kept, "title", "en", "Stays")
        set_text(session, gone, "title", "en", "Goes")
        set_text(session, gone, "description", "ko", "사라짐")
        gone_id = gone.id
    with session_scope(app) as session:
        session.delete(session.get(Activity, gone_id))
    with session_scope(app) as session:
        assert session.scalars(select(ContentText.text)).all() == ["Stays"]
        assert session.scalar(select(func.count(ContentText.id))) == 1
