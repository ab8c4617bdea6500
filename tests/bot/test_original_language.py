"""The language an original is written in: a resident's initiative in Vietnamese is
translated from Vietnamese (into Japanese too, never into やさしい日本語), a Vietnamese reader
reads it unmarked, and the choose rule (reader's locale, else English, else the original)
holds for an original in any language."""

from __future__ import annotations

from sqlalchemy import select

from bot.db import session_scope
from bot.translation import LibreTranslate, run
from models.activities import Activity
from models.initiatives import Initiative, present
from models.texts import MACHINE, ContentText, choose, original_language
from models.translating import TranslationRequest, target_locales
from models.users import follow


def _version(locale, text, state=MACHINE, field="title"):
    return ContentText(kind="initiative", item_id=1, field=field, locale=locale, text=text,
                       state=state)


def test_the_choose_rule_holds_for_an_original_in_vietnamese():
    versions = [_version("ja", "公園の掃除"), _version("en", "Park clean-up")]
    def shown(reader):
        found = choose(versions, "title", "Dọn công viên", reader, original_locale="vi")
        return found.text, found.locale, found.foreign, found.machine
    assert shown("vi") == ("Dọn công viên", "vi", False, False)  # theirs: no mark
    assert shown("ja") == ("公園の掃除", "ja", False, True)
    assert shown("ja_easy") == ("公園の掃除", "ja", False, True)  # Japanese before English
    assert shown("ko") == ("Park clean-up", "en", True, True)
    assert shown("en") == ("Park clean-up", "en", False, True)
    assert choose([], "title", "Dọn công viên", "ne", original_locale="vi").foreign


def test_a_writer_s_language_is_theirs_a_やさしい日本語_writer_writes_japanese():
    assert original_language("vi") == "vi"
    assert original_language("ja_easy") == "ja"
    assert original_language(None) == "ja" and original_language("xx") == "ja"
    assert set(target_locales("vi")) == {"ja", "en", "zh_Hans", "ko", "ne"}
    assert "ja_easy" not in target_locales("ja") and "ja" not in target_locales("ja")


def test_an_initiative_written_in_vietnamese_is_translated_from_vietnamese(
        app, translator_standin):
    with session_scope(app) as session:
        writer, _ = follow(session, "U" + "v" * 32, locale="vi", display_name="Lan")
        initiative = present(session, writer, title="Dọn công viên",
                             summary="Cùng nhau dọn dẹp", help_wanted=[])
        item_id = initiative.id
        assert initiative.original_locale == "vi"
        row = session.scalar(select(TranslationRequest))
        assert set(row.locales) == set(target_locales("vi"))
    assert run(app, LibreTranslate(translator_standin.url)) == 1
    assert {call["source"] for call in translator_standin.calls} == {"vi"}
    assert {call["target"] for call in translator_standin.calls} == {
        "ja", "en", "zh", "ko", "ne"}
    with session_scope(app) as session:
        initiative = session.get(Initiative, item_id)
        shown = initiative.shown("title", "vi")
        assert (shown.text, shown.foreign, shown.machine) == ("Dọn công viên", False, False)
        shown = initiative.shown("title", "ja")
        assert (shown.text, shown.foreign, shown.machine) == ("[ja] Dọn công viên", False, True)
        easy = initiative.shown("summary", "ja_easy")
        assert (easy.text, easy.machine) == ("[ja] Cùng nhau dọn dẹp", True)


def test_changing_the_original_s_language_translates_it_again_from_the_new_one(
        app, translator_standin):
    translate = LibreTranslate(translator_standin.url)
    with session_scope(app) as session:
        activity = Activity(title="Park clean-up", description="")
        session.add(activity)
        session.flush()
        activity_id = activity.id
    run(app, translate)  # taken for Japanese: translated into English among others
    with session_scope(app) as session:
        session.get(Activity, activity_id).original_locale = "en"
    with session_scope(app) as session:  # the machine's versions of the old reading went
        assert session.scalars(select(ContentText.locale).where(
            ContentText.item_id == activity_id, ContentText.kind == "activity")).all() == []
    translator_standin.calls.clear()
    run(app, translate)
    assert {call["source"] for call in translator_standin.calls} == {"en"}
    with session_scope(app) as session:
        activity = session.get(Activity, activity_id)
        assert activity.shown("title", "en").text == "Park clean-up"
        assert activity.shown("title", "ja").text == "[ja] Park clean-up"
