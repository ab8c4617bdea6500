"""Machine translations of an initiative (its title and summary) and of its preparation
gatherings (実行準備の集い: their place) reviewed in the console, by ward staff, its
presenter, or a member of the organisation that presents it: a version a person corrects
is theirs, one they tick is "reviewed", and the machine replaces neither. Everyone else is
refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.db import session_scope
from bot.translation import run
from models import gatherings as gat
from models import ideas as ide
from models import initiatives as ini
from models import organisations as orgs
from models.users import get_by_line_id
from tests.console.helpers import audited
from tests.translator_standin import bracketed, versions_of


def _present(app, presenter: str, organisation_id: int | None = None,
             title: str = "花壇づくり") -> tuple[int, int]:
    """An initiative (of the organisation) with a preparation gathering: their ids."""
    with session_scope(app) as session:
        found = ini.present(session, get_by_line_id(session, presenter), title=title,
                            summary="みんなで花を植えます", help_wanted=["people"],
                            organisation_id=organisation_id)
        gathering = gat.schedule(session, kind=gat.PREPARATION, place="阿佐谷集会所",
                                 initiative_id=found.id,
                                 starts_at=datetime.now(UTC) + timedelta(days=5))
        return found.id, gathering.id


def _sent_back(versions, **changes) -> dict:
    return {**{f"{field}_{locale}": text for (field, locale), (text, _s) in versions.items()},
            **changes}


@pytest.fixture
def member_and_initiative(app, person, organisation):
    owner = person("代表")
    found = organisation(owner)
    initiative, gathering = _present(app, owner, found)
    run(app, bracketed)
    return owner, initiative, gathering, found


def test_a_member_reviews_the_initiative_s_machine_translations(app, browser,
                                                                 member_and_initiative):
    owner, initiative, _gathering, found = member_and_initiative
    versions = versions_of(app, "initiative", initiative)
    assert versions[("title", "vi")] == ("[vi] 花壇づくり", "machine")
    me = browser(owner)
    page = f"/console/initiatives/{initiative}/translations"
    assert page in me.get(f"/console/organisations/{found}").get_data(as_text=True)
    form = me.get(page).get_data(as_text=True)
    assert 'id="machine-vi"' in form and 'name="reviewed" value="vi"' in form
    assert "[ko] みんなで花を植えます</textarea>" in form
    assert 'name="title_ja"' not in form  # the original is Japanese: no version of it
    sent = _sent_back(versions, title_ko="화단 만들기", reviewed=["vi"])
    assert me.post(page, sent, page=page).status_code == 302
    versions = versions_of(app, "initiative", initiative)
    assert versions[("title", "ko")] == ("화단 만들기", "author")
    assert versions[("title", "vi")] == ("[vi] 花壇づくり", "reviewed")
    assert versions[("summary", "vi")] == ("[vi] みんなで花を植えます", "reviewed")
    assert versions[("title", "ne")] == ("[ne] 花壇づくり", "machine")
    [logged] = audited(app, "initiative.translations")
    assert set(logged.detail["fields"]) == {"title_ko", "title_vi", "summary_vi"}
    assert logged.detail["via"] == "console"
    form = me.get(page).get_data(as_text=True)
    assert 'id="machine-vi"' not in form and 'id="machine-ne"' in form
    assert f"/console/gatherings/{_gathering}/translations" in form


def test_a_member_reviews_a_gathering_s_place(app, browser, member_and_initiative):
    owner, _initiative, gathering, _found = member_and_initiative
    versions = versions_of(app, "gathering", gathering)
    assert versions[("place", "en")] == ("[en] 阿佐谷集会所", "machine")
    me = browser(owner)
    page = f"/console/gatherings/{gathering}/translations"
    form = me.get(page).get_data(as_text=True)
    assert 'id="machine-en"' in form and "阿佐谷集会所" in form
    sent = _sent_back(versions, place_en="Asagaya Community Hall", reviewed=["zh_Hans"])
    assert me.post(page, sent, page=page).status_code == 302
    versions = versions_of(app, "gathering", gathering)
    assert versions[("place", "en")] == ("Asagaya Community Hall", "author")
    assert versions[("place", "zh_Hans")] == ("[zh_Hans] 阿佐谷集会所", "reviewed")
    [logged] = audited(app, "gathering.translations")
    assert set(logged.detail["fields"]) == {"place_en", "place_zh_Hans"}
    run(app, bracketed)  # the machine leaves both alone
    assert versions_of(app, "gathering", gathering)[("place", "en")][1] == "author"


def test_staff_review_any_initiative_s_translations(app, person, browser):
    resident = person("住民")
    initiative, gathering = _present(app, resident)
    run(app, bracketed)
    staff = browser(person("区職員", staff=True))
    for page in (f"/console/initiatives/{initiative}/translations",
                 f"/console/gatherings/{gathering}/translations"):
        assert staff.get(page).status_code == 200
    assert f"/console/initiatives/{initiative}/translations" in staff.get(
        "/console/initiatives").get_data(as_text=True)
    page = f"/console/initiatives/{initiative}/translations"
    sent = _sent_back(versions_of(app, "initiative", initiative), reviewed=["en"])
    assert staff.post(page, sent, page=page).status_code == 302
    assert versions_of(app, "initiative", initiative)[("title", "en")][1] == "reviewed"


def test_an_english_original_gets_a_reviewed_japanese_version(app, person, browser):
    owner = person("Owner", locale="en")
    with session_scope(app) as session:
        found = orgs.register(session, get_by_line_id(session, owner), name="Green Team",
                              kind="npo").id
    initiative, _gathering = _present(app, owner, found, title="Flower beds")
    run(app, bracketed)
    versions = versions_of(app, "initiative", initiative)
    assert versions[("title", "ja")] == ("[ja] Flower beds", "machine")
    me = browser(owner)
    page = f"/console/initiatives/{initiative}/translations"
    form = me.get(page).get_data(as_text=True)
    assert 'name="title_ja"' in form and 'name="title_en"' not in form
    sent = _sent_back(versions, title_ja="花壇づくり", reviewed=["ja"])
    assert me.post(page, sent, page=page).status_code == 302
    versions = versions_of(app, "initiative", initiative)
    assert versions[("title", "ja")] == ("花壇づくり", "author")
    assert versions[("summary", "ja")] == ("[ja] みんなで花を植えます", "reviewed")


def test_a_presenter_without_an_organisation_reviews_their_own(app, person, browser):
    presenter = person("発表者")
    initiative, gathering = _present(app, presenter)
    run(app, bracketed)
    me = browser(presenter)
    page = f"/console/initiatives/{initiative}/translations"
    assert page in me.get("/console/").get_data(as_text=True)  # listed on their home
    assert me.get(f"/console/gatherings/{gathering}/translations").status_code == 200
    sent = _sent_back(versions_of(app, "initiative", initiative), title_en="Flower beds",
                      reviewed=["vi"])
    assert me.post(page, sent, page=page).status_code == 302
    versions = versions_of(app, "initiative", initiative)
    assert versions[("title", "en")] == ("Flower beds", "author")
    assert versions[("title", "vi")][1] == "reviewed"
    [logged] = audited(app, "initiative.translations")
    assert "title_en" in logged.detail["fields"]


def test_others_are_refused(app, person, browser, organisation, member_and_initiative):
    _owner, initiative, gathering, _found = member_and_initiative
    presenter_alone = person("発表者")
    own_initiative, own_gathering = _present(app, presenter_alone)
    other_owner = person("別団体")
    organisation(other_owner, "別の団体")
    with session_scope(app) as session:  # an idea call's meeting is staff's
        call = ide.publish_call(session, theme="公園", issue="公園の使い方",
                                deadline=datetime.now(UTC) + timedelta(days=10),
                                config=dict(app.config))
        meeting = gat.schedule(session, kind=gat.IDEA_MEETING, place="区役所",
                               idea_call_id=call.id,
                               starts_at=datetime.now(UTC) + timedelta(days=3)).id
    pages = [f"/console/initiatives/{initiative}/translations",
             f"/console/gatherings/{gathering}/translations"]
    for who in (browser(person("住民")), browser(other_owner)):
        for page in pages:
            assert who.get(page).status_code == 403
            assert who.post(page, {"title_en": "x", "place_en": "x"},
                            page="/console/").status_code == 403
    member_elsewhere = browser(other_owner)
    assert member_elsewhere.get(f"/console/gatherings/{meeting}/translations"
                                ).status_code == 403
    # a presenter is not a reviewer of others' initiatives
    for page in pages:
        assert browser(presenter_alone).get(page).status_code == 403
    assert versions_of(app, "initiative", initiative)[("title", "en")][1] == "machine"
    staff = browser(person("区職員", staff=True))
    # without the form's token nothing is changed
    assert staff.post(pages[0], {"title_en": "x"}, csrf=False).status_code == 400
    assert staff.get("/console/initiatives/999999/translations").status_code == 404
    assert staff.get(f"/console/gatherings/{own_gathering}/translations").status_code == 200
