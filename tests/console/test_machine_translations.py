"""Machine translations in the console: an activity's page and form say which versions a
machine made; a member corrects one or ticks it checked, and the machine never replaces
what a person wrote or checked."""

from __future__ import annotations

from bot.db import session_scope
from bot.translation import run
from models.activities import Activity
from models.texts import texts_of
from models.translating import TARGET_LOCALES
from tests.console.activity_fixtures import ACTIVITY, make_activity
from tests.console.helpers import audited


def _versions(app, activity_id: int) -> dict[tuple[str, str], tuple[str, str]]:
    with session_scope(app) as session:
        return {(v.field, v.locale): (v.text, v.state)
                for v in texts_of(session, "activity", [activity_id])[activity_id]}


def _bracketed(texts, source, target):
    return [f"[{target}] {text}" for text in texts]


def test_a_member_reviews_machine_translations_and_the_machine_keeps_off_them(
        app, person, browser, organisation):
    owner = person(locale="en")
    found = organisation(owner)
    activity = make_activity(app, owner, found)
    assert run(app, _bracketed) == 2  # the organisation's name and the activity
    versions = _versions(app, activity)
    assert versions[("title", "en")] == ("Park clean-up", "author")  # the member's own
    assert versions[("title", "vi")] == ("[vi] 公園のそうじ", "machine")
    assert len(versions) == 2 * len(TARGET_LOCALES)  # the English title the member's

    me = browser(owner)
    shown = me.get(f"/console/activities/{activity}").get_data(as_text=True)
    assert '<dd lang="vi">[vi] 公園のそうじ (machine translation)</dd>' in shown
    assert '<dd lang="en">Park clean-up</dd>' in shown
    edit = f"/console/activities/{activity}/edit"
    form = me.get(edit).get_data(as_text=True)
    assert 'id="machine-vi"' in form and 'name="reviewed" value="vi"' in form

    # the form sends back every version as shown: the Korean corrected, the Vietnamese
    # ticked checked, the others left as the machine's
    sent = {**ACTIVITY, **{f"{field}_{locale}": text for (field, locale), (text, _state)
                           in versions.items()}}
    sent.update(title_ko="공원 청소", reviewed=["vi"])
    assert me.post(edit, sent, page=edit).status_code == 302
    versions = _versions(app, activity)
    assert versions[("title", "ko")] == ("공원 청소", "author")
    assert versions[("title", "vi")] == ("[vi] 公園のそうじ", "reviewed")
    assert versions[("description", "vi")] == ("[vi] みんなで掃除", "reviewed")
    assert versions[("title", "ne")] == ("[ne] 公園のそうじ", "machine")
    [row] = audited(app, "activity.update")
    assert sorted(row.detail["fields"]) == ["description_vi", "title_ko", "title_vi"]

    with session_scope(app) as session:  # a new original: the machine translates again
        session.get(Activity, activity).title = "公園の大そうじ"
    assert run(app, _bracketed) == 1
    versions = _versions(app, activity)
    assert versions[("title", "ko")] == ("공원 청소", "author")
    assert versions[("title", "vi")] == ("[vi] 公園のそうじ", "reviewed")
    assert versions[("title", "ne")] == ("[ne] 公園の大そうじ", "machine")
