"""Machine translation: the LibreTranslate adapter against a stand-in server, and the
background job that makes the versions (success, failure and retry with backoff, a person's
version kept, never inside a resident's turn)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.db import session_scope
from bot.translation import LibreTranslate, run, translator
from models.activities import Activity
from models.base import utcnow
from models.texts import AUTHOR, MACHINE, REVIEWED, ContentText, set_text
from models.translating import TARGET_LOCALES, TranslationRequest, TranslatorError, backoff


def test_the_adapter_sends_what_libretranslate_reads_and_reads_its_answer(translator_standin):
    translator_standin.key = "k3y"
    translate = LibreTranslate(translator_standin.url + "/", "k3y")
    assert translate(["公園", "花壇"], "ja", "zh_Hans") == ["[zh] 公園", "[zh] 花壇"]
    assert translator_standin.calls == [{"q": ["公園", "花壇"], "source": "ja", "target": "zh",
                                         "format": "text", "api_key": "k3y"}]
    with pytest.raises(TranslatorError, match="403"):
        LibreTranslate(translator_standin.url, "wrong")(["公園"], "ja", "en")


@pytest.mark.parametrize("status", [400, 429, 500])
def test_an_error_answer_is_a_translator_error_with_the_server_s_word(translator_standin,
                                                                      status):
    translator_standin.status = status
    with pytest.raises(TranslatorError, match=str(status)):
        LibreTranslate(translator_standin.url)(["公園"], "ja", "en")


def test_a_server_that_does_not_answer_in_time_or_at_all_is_a_translator_error(
        translator_standin):
    translator_standin.delay = 1.0
    with pytest.raises(TranslatorError, match="unreachable"):
        LibreTranslate(translator_standin.url, timeout=0.2)(["公園"], "ja", "en")
    with pytest.raises(TranslatorError, match="unreachable"):
        LibreTranslate("http://127.0.0.1:9", timeout=0.5)(["公園"], "ja", "en")


def test_no_translator_url_is_no_translator_and_the_job_does_nothing(app):
    assert translator({"TRANSLATOR_URL": ""}) is None
    _save_activity(app)
    assert run(app) == 0
    with session_scope(app) as session:  # the item waits for a translator
        assert session.scalar(select(TranslationRequest.kind)) == "activity"


def _save_activity(app, title="公園の花壇づくり", description="花を植えます") -> int:
    with session_scope(app) as session:
        activity = Activity(title=title, description=description)
        session.add(activity)
        session.flush()
        return activity.id


def _versions(app, item_id: int) -> dict[tuple[str, str], tuple[str, str]]:
    with session_scope(app) as session:
        return {(v.field, v.locale): (v.text, v.state) for v in session.scalars(
            select(ContentText).where(ContentText.kind == "activity",
                                      ContentText.item_id == item_id))}


def test_a_saved_activity_is_translated_into_every_locale_by_the_job(app, translator_standin):
    activity_id = _save_activity(app)
    assert translator_standin.calls == []  # saving translates nothing
    assert run(app, LibreTranslate(translator_standin.url)) == 1
    versions = _versions(app, activity_id)
    assert {locale for _field, locale in versions} == set(TARGET_LOCALES)
    assert "ja_easy" not in TARGET_LOCALES  # its readers read the original
    assert versions[("title", "vi")] == ("[vi] 公園の花壇づくり", MACHINE)
    assert versions[("description", "en")] == ("[en] 花を植えます", MACHINE)
    assert len(translator_standin.calls) == len(TARGET_LOCALES)  # one call per locale
    with session_scope(app) as session:
        activity = session.get(Activity, activity_id)
        shown = activity.shown("title", "vi")
        assert (shown.text, shown.machine, shown.foreign) == ("[vi] 公園の花壇づくり", True, False)
        assert session.scalars(select(TranslationRequest)).all() == []
    assert run(app, LibreTranslate(translator_standin.url)) == 0  # nothing left


def test_a_failing_translator_leaves_the_item_to_a_later_run_waiting_longer_each_time(
        app, translator_standin, caplog):
    activity_id = _save_activity(app)
    translator_standin.status = 500
    translate = LibreTranslate(translator_standin.url)
    assert run(app, translate) == 0
    with session_scope(app) as session:
        row = session.scalar(select(TranslationRequest))
        assert row.attempts == 1 and "500" in row.last_error
        assert row.due_at.replace(tzinfo=None) > utcnow().replace(tzinfo=None)
        assert set(row.locales) == set(TARGET_LOCALES)
    assert "translation of activity" in caplog.text and "花壇" not in caplog.text
    calls = len(translator_standin.calls)
    assert run(app, translate) == 0 and len(translator_standin.calls) == calls  # not yet due
    assert backoff(1) < backoff(2) < backoff(3) and backoff(30) == timedelta(hours=6)

    translator_standin.status = 200
    with session_scope(app) as session:  # the wait is over
        session.scalar(select(TranslationRequest)).due_at = utcnow() - timedelta(seconds=1)
    assert run(app, translate) == 1
    assert _versions(app, activity_id)[("title", "ko")] == ("[ko] 公園の花壇づくり", MACHINE)


def test_a_version_a_person_wrote_or_reviewed_is_never_overwritten(app, translator_standin):
    activity_id = _save_activity(app)
    translate = LibreTranslate(translator_standin.url)
    run(app, translate)
    with session_scope(app) as session:
        activity = session.get(Activity, activity_id)
        set_text(session, activity, "title", "en", "Flower bed in the park", state=REVIEWED)
        set_text(session, activity, "title", "ko", "공원 화단", state=AUTHOR)
        activity.title = "公園の花壇をつくろう"  # a new original: translate again
    assert run(app, translate) == 1
    versions = _versions(app, activity_id)
    assert versions[("title", "en")] == ("Flower bed in the park", REVIEWED)
    assert versions[("title", "ko")] == ("공원 화단", AUTHOR)
    assert versions[("title", "vi")] == ("[vi] 公園の花壇をつくろう", MACHINE)
    assert versions[("description", "en")] == ("[en] 花を植えます", MACHINE)  # unchanged


def test_a_changed_field_that_is_not_a_text_asks_for_no_translation(app):
    activity_id = _save_activity(app)
    with session_scope(app) as session:
        for row in session.scalars(select(TranslationRequest)):
            session.delete(row)
    with session_scope(app) as session:
        session.get(Activity, activity_id).fee = "無料"
    with session_scope(app) as session:
        assert session.scalars(select(TranslationRequest)).all() == []


def test_a_deleted_item_takes_its_waiting_translation_with_it(app, translator_standin):
    activity_id = _save_activity(app)
    with session_scope(app) as session:
        session.delete(session.get(Activity, activity_id))
    with session_scope(app) as session:
        assert session.scalars(select(TranslationRequest)).all() == []
    assert run(app, LibreTranslate(translator_standin.url)) == 0
    assert translator_standin.calls == []


def test_a_changed_original_drops_the_machine_s_stale_version_at_once(app, translator_standin):
    activity_id = _save_activity(app)
    run(app, LibreTranslate(translator_standin.url))
    with session_scope(app) as session:
        activity = session.get(Activity, activity_id)
        set_text(session, activity, "title", "en", "Flower beds", state=REVIEWED)
        assert activity.shown("title", "vi").text == "[vi] 公園の花壇づくり"
        activity.title = "駅前の花壇づくり"
        session.flush()
        # until the job has translated the new title: the reviewed English one
        assert activity.shown("title", "vi").text == "Flower beds"
        assert activity.shown("description", "vi").text == "[vi] 花を植えます"  # unchanged
    versions = _versions(app, activity_id)
    assert ("title", "vi") not in versions and versions[("title", "en")][1] == REVIEWED
    run(app, LibreTranslate(translator_standin.url))
    assert _versions(app, activity_id)[("title", "vi")] == ("[vi] 駅前の花壇づくり", MACHINE)


def test_an_import_s_items_go_to_the_translator_several_per_call(app, translator_standin):
    """45 items, 20 a batch: three rounds of one call per language (15 calls, not 225)."""
    app.config.update(TRANSLATOR_BATCH=20, TRANSLATOR_ROUNDS=10)
    with session_scope(app) as session:
        activities = [Activity(title=f"活動{n}", description=f"説明{n}" if n % 2 else "")
                      for n in range(45)]
        session.add_all(activities)
        session.flush()
        ids = [a.id for a in activities]
    assert run(app, LibreTranslate(translator_standin.url)) == 45
    calls = translator_standin.calls
    assert len(calls) == 3 * len(TARGET_LOCALES)
    assert max(len(call["q"]) for call in calls) == 20 + 10  # titles, and half have text
    assert sum(len(call["q"]) for call in calls) == (45 + 22) * len(TARGET_LOCALES)
    with session_scope(app) as session:
        for n in (0, 21, 44):
            activity = session.get(Activity, ids[n])
            assert activity.shown("title", "ko").text == f"[ko] 活動{n}"
        assert session.get(Activity, ids[21]).shown("description", "ne").text == "[ne] 説明21"
        assert session.scalars(select(TranslationRequest)).all() == []


def test_a_failure_in_a_batch_puts_back_only_the_languages_left(app, translator_standin):
    ids = [_save_activity(app, title=f"活動{n}") for n in range(3)]
    calls = []

    def flaky(texts, source, target):
        calls.append(target)
        if target == TARGET_LOCALES[2]:
            raise TranslatorError("HTTP 429: Slowdown")
        return [f"[{target}] {text}" for text in texts]

    assert run(app, flaky) == 0
    assert calls == list(TARGET_LOCALES[:3])  # one call each, the run ends at the failure
    with session_scope(app) as session:
        rows = session.scalars(select(TranslationRequest)).all()
        assert {row.item_id for row in rows} == set(ids)
        assert all(row.locales == list(TARGET_LOCALES[2:]) and row.attempts == 1
                   for row in rows)
    assert _versions(app, ids[1])[("title", TARGET_LOCALES[1])][1] == MACHINE


def test_a_version_a_person_writes_while_the_translator_answers_stays_theirs(
        app, translator_standin, database_url):
    if database_url.startswith("sqlite"):  # one writer at a time: the member's save waits
        pytest.skip("SQLite writes one transaction at a time; on PostgreSQL")
    first, second = _save_activity(app), _save_activity(app, title="駅前の清掃")
    run(app, LibreTranslate(translator_standin.url))
    with session_scope(app) as session:  # the first is changed: its versions are made again
        session.get(Activity, first).description = "花と野菜を植えます"
        session.get(Activity, second).title = "駅前の大掃除"

    def answering(texts, source, target):
        if target == "ko":  # meanwhile a member writes the Korean versions
            with session_scope(app) as other:
                set_text(other, other.get(Activity, first), "description", "ko", "꽃과 채소",
                         state=AUTHOR)
                set_text(other, other.get(Activity, second), "title", "ko", "역 앞 대청소",
                         state=AUTHOR)
        return [f"[{target}] {text}" for text in texts]

    assert run(app, answering) == 2
    assert _versions(app, first)[("description", "ko")] == ("꽃과 채소", AUTHOR)
    assert _versions(app, second)[("title", "ko")] == ("역 앞 대청소", AUTHOR)
    assert _versions(app, second)[("title", "vi")] == ("[vi] 駅前の大掃除", MACHINE)
