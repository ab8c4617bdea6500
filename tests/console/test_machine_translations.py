"""Machine translations in the console: an activity's page and form say which versions a
machine made; a member corrects one or ticks it checked, and the machine never replaces
what a person wrote or checked."""

from __future__ import annotations

from bot.db import session_scope
from bot.kernel.i18n import gettext, shown_text
from bot.translation import run
from models.activities import Activity
from models.organisations import Organisation
from models.texts import texts_of
from models.translating import TARGET_LOCALES
from tests.console.activity_fixtures import ACTIVITY, make_activity
from tests.console.helpers import audited
from tests.console.test_organisation_pages import PROFILE
from tests.translator_standin import bracketed, versions_of


def test_a_member_reviews_machine_translations_and_the_machine_keeps_off_them(
        app, person, browser, organisation):
    owner = person(locale="en")
    found = organisation(owner)
    activity = make_activity(app, owner, found)
    assert run(app, bracketed) == 2  # the organisation's name and the activity
    versions = versions_of(app, "activity", activity)
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
    versions = versions_of(app, "activity", activity)
    assert versions[("title", "ko")] == ("공원 청소", "author")
    assert versions[("title", "vi")] == ("[vi] 公園のそうじ", "reviewed")
    assert versions[("description", "vi")] == ("[vi] みんなで掃除", "reviewed")
    assert versions[("title", "ne")] == ("[ne] 公園のそうじ", "machine")
    [row] = audited(app, "activity.update")
    assert sorted(row.detail["fields"]) == ["description_vi", "title_ko", "title_vi"]

    with session_scope(app) as session:  # a new original: the machine translates again
        session.get(Activity, activity).title = "公園の大そうじ"
    assert run(app, bracketed) == 1
    versions = versions_of(app, "activity", activity)
    assert versions[("title", "ko")] == ("공원 청소", "author")
    assert versions[("title", "vi")] == ("[vi] 公園のそうじ", "reviewed")
    assert versions[("title", "ne")] == ("[ne] 公園の大そうじ", "machine")


def test_a_member_writes_and_reviews_their_organisation_s_versions(app, person, browser,
                                                                   organisation):
    owner = person(locale="en")
    found = organisation(owner, "高円寺みどりの会")
    with session_scope(app) as session:
        session.get(Organisation, found).description = "公園の花壇を手入れします"
    run(app, bracketed)
    me = browser(owner)
    edit = f"/console/organisations/{found}/edit"
    form = me.get(edit).get_data(as_text=True)
    assert 'name="name_vi"' in form and "[vi] 公園の花壇を手入れします" in form
    assert 'name="reviewed" value="vi"' in form
    assert 'name="name_vi"' not in me.get("/console/organisations/new").get_data(as_text=True)
    sent = {**PROFILE, "name": "高円寺みどりの会", "description": "公園の花壇を手入れします",
            **{f"{field}_{locale}": text
               for (field, locale), (text, _state) in _org_versions(app, found).items()},
            "name_en": "Koenji Green Club", "reviewed": ["vi"]}
    assert me.post(edit, sent, page=edit).status_code == 302
    versions = _org_versions(app, found)
    assert versions[("name", "en")] == ("Koenji Green Club", "author")
    assert versions[("description", "vi")] == ("[vi] 公園の花壇を手入れします", "reviewed")
    assert versions[("description", "ko")] == ("[ko] 公園の花壇を手入れします", "machine")
    [row] = audited(app, "organisation.update")
    assert sorted(f for f in row.detail["fields"] if f.startswith(("name_", "description_"))
                  ) == ["description_vi", "name_en", "name_vi"]
    with session_scope(app) as session:
        organisation_row = session.get(Organisation, found)
        assert shown_text(organisation_row, "name", "zh_Hans") == gettext(
            "zh_Hans", "{text} (machine translation)", text="[zh_Hans] 高円寺みどりの会")
        assert shown_text(organisation_row, "name", "ne") == gettext(
            "ne", "{text} (machine translation)", text="[ne] 高円寺みどりの会")
        assert shown_text(organisation_row, "name", "en") == "Koenji Green Club"


def _org_versions(app, organisation_id: int) -> dict[tuple[str, str], tuple[str, str]]:
    with session_scope(app) as session:
        return {(v.field, v.locale): (v.text, v.state) for v in
                texts_of(session, "organisation", [organisation_id])[organisation_id]}


def test_a_member_writes_an_activity_in_their_language_and_it_is_translated_from_it(
        app, person, browser, organisation):
    owner = person(locale="en")
    found = organisation(owner)
    me = browser(owner)
    new = f"/console/organisations/{found}/activities/new"
    form = me.get(new).get_data(as_text=True)
    assert '<option value="en" lang="en" selected>English</option>' in form  # theirs first
    sent = {**ACTIVITY, "title": "Park clean-up", "title_en": "", "description": "Sweeping",
            "original_locale": "en"}
    assert me.post(new, sent, page=new).status_code == 302
    with session_scope(app) as session:
        activity = session.query(Activity).one()
        assert activity.original_locale == "en"
        activity_id = activity.id
    seen = []
    run(app, lambda texts, source, target: seen.append((source, target))
        or bracketed(texts, source, target))
    assert {target for source, target in seen if source == "en"} == {
        "ja", "zh_Hans", "ko", "vi", "ne"}
    versions = versions_of(app, "activity", activity_id)
    assert versions[("title", "ja")] == ("[ja] Park clean-up", "machine")
    assert ("title", "en") not in versions and ("title", "ja_easy") not in versions
    with session_scope(app) as session:
        shown = session.get(Activity, activity_id).shown("title", "en")
        assert (shown.text, shown.foreign, shown.machine) == ("Park clean-up", False, False)


def test_an_english_activity_gets_a_reviewed_japanese_version(app, person, browser,
                                                               organisation):
    """The form has a field for each language but the original's: for an English original,
    the Japanese one, which the member corrects or ticks checked like any other."""
    owner = person(locale="en")
    found = organisation(owner)
    activity_id = make_activity(app, owner, found, title="Park clean-up", title_en="",
                                description="Sweeping", original_locale="en")
    run(app, bracketed)
    me = browser(owner)
    edit = f"/console/activities/{activity_id}/edit"
    form = me.get(edit).get_data(as_text=True)
    assert 'name="title_ja"' in form and 'id="machine-ja"' in form
    assert 'name="reviewed" value="ja"' in form and 'name="title_en"' not in form
    sent = {**ACTIVITY, "title": "Park clean-up", "description": "Sweeping",
            "original_locale": "en",
            **{f"{field}_{locale}": text
               for (field, locale), (text, _s)
               in versions_of(app, "activity", activity_id).items()},
            "title_ja": "公園のそうじ", "reviewed": ["ja"]}
    del sent["title_en"]
    assert me.post(edit, sent, page=edit).status_code == 302
    versions = versions_of(app, "activity", activity_id)
    assert versions[("title", "ja")] == ("公園のそうじ", "author")
    assert versions[("description", "ja")] == ("[ja] Sweeping", "reviewed")
    run(app, bracketed)  # the machine leaves both alone
    assert versions_of(app, "activity", activity_id)[("description", "ja")][1] == "reviewed"
    with session_scope(app) as session:
        shown = session.get(Activity, activity_id).shown("title", "ja")
        assert (shown.text, shown.machine) == ("公園のそうじ", False)


def test_an_english_profile_gets_a_japanese_version(app, person, browser):
    owner = person(locale="en")
    me = browser(owner)
    new = "/console/organisations/new"
    english = {**PROFILE, "name": "Koenji Green Club", "description": "We tend the park",
               "original_locale": "en"}
    assert me.post(new, english, page=new).status_code == 302
    with session_scope(app) as session:
        found = session.query(Organisation).one().id
    run(app, bracketed)
    edit = f"/console/organisations/{found}/edit"
    form = me.get(edit).get_data(as_text=True)
    assert 'name="name_ja"' in form and 'id="machine-ja"' in form
    assert 'name="name_en"' not in form
    sent = {**english, **{f"{field}_{locale}": text for (field, locale), (text, _s)
                          in _org_versions(app, found).items()},
            "name_ja": "高円寺みどりの会", "reviewed": ["ja"]}
    assert me.post(edit, sent, page=edit).status_code == 302
    versions = _org_versions(app, found)
    assert versions[("name", "ja")] == ("高円寺みどりの会", "author")
    assert versions[("description", "ja")] == ("[ja] We tend the park", "reviewed")
