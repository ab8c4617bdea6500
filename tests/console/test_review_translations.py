"""Machine translations reviewed in the console beyond activities: an idea call's theme and
issue, and a slot's place and access. The form marks a machine's version; staff or a member
correct one (then it is theirs) or tick it checked (then "reviewed"), and the machine never
replaces either."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.db import session_scope
from bot.translation import run
from models import ideas as ide
from models.activities import Slot
from tests.console.activity_fixtures import make_activity
from tests.console.helpers import audited
from tests.translator_standin import bracketed, versions_of

CALLS = "/console/idea-calls"


def _in_days(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def test_staff_review_an_idea_call_s_machine_translations(app, person, browser):
    with session_scope(app) as session:
        call_id = ide.publish_call(session, theme="公園の使い方", issue="公園をもっと使いやすく",
                                   deadline=datetime.now(UTC) + timedelta(days=10),
                                   config=dict(app.config)).id
    assert run(app, bracketed) == 1
    versions = versions_of(app, "idea_call", call_id)
    assert versions[("theme", "vi")] == ("[vi] 公園の使い方", "machine")

    staff = browser(person("区職員", staff=True))
    edit = f"{CALLS}/{call_id}/edit"
    form = staff.get(edit).get_data(as_text=True)
    assert 'id="machine-vi"' in form and 'name="reviewed" value="vi"' in form
    # sent back as shown: the Korean corrected, the Vietnamese ticked, the rest untouched
    sent = {"theme": "公園の使い方", "issue": "公園をもっと使いやすく", "deadline": _in_days(10),
            **{f"{field}_{locale}": text for (field, locale), (text, _s) in versions.items()}}
    sent.update(theme_ko="공원 이용", reviewed=["vi"])
    assert staff.post(edit, sent, page=edit).status_code == 302
    versions = versions_of(app, "idea_call", call_id)
    assert versions[("theme", "ko")] == ("공원 이용", "author")
    assert versions[("theme", "vi")] == ("[vi] 公園の使い方", "reviewed")
    assert versions[("issue", "vi")] == ("[vi] 公園をもっと使いやすく", "reviewed")
    assert versions[("theme", "ne")] == ("[ne] 公園の使い方", "machine")  # left as it was
    [logged] = audited(app, "idea_call.update")
    assert set(logged.detail["fields"]) - {"deadline"} == {"issue_vi", "theme_ko", "theme_vi"}
    form = staff.get(edit).get_data(as_text=True)
    assert 'id="machine-vi"' not in form and 'id="machine-ne"' in form

    with session_scope(app) as session:  # a new theme: the machine translates it again
        ide.update_call(session, session.get(ide.IdeaCall, call_id), theme="公園の新しい使い方",
                        issue="公園をもっと使いやすく",
                        deadline=datetime.now(UTC) + timedelta(days=10),
                        versions={}, config=dict(app.config))
    run(app, bracketed)
    versions = versions_of(app, "idea_call", call_id)
    assert versions[("theme", "ne")] == ("[ne] 公園の新しい使い方", "machine")
    assert versions[("theme", "ko")] == ("공원 이용", "author")  # a person's stays
    assert versions[("theme", "vi")] == ("[vi] 公園の使い方", "reviewed")


SLOT = {"day": "2030-06-01", "starts": "10:00", "ends": "12:00", "place": "阿佐谷公園",
        "access": "阿佐ケ谷駅から徒歩5分", "capacity": "12", "checkin_word": "SAKURA"}


def test_a_member_reviews_a_slot_s_place_and_access(app, person, browser, organisation):
    owner = person("代表", locale="en")
    activity = make_activity(app, owner, organisation(owner))
    me = browser(owner)
    new = f"/console/activities/{activity}/slots/new"
    assert me.post(new, {**SLOT, "place_en": "Asagaya Park"}, page=new).status_code == 302
    with session_scope(app) as session:
        slot = session.query(Slot).one()
        slot_id = slot.id
        assert slot.access == "阿佐ケ谷駅から徒歩5分"
    run(app, bracketed)
    versions = versions_of(app, "slot", slot_id)
    assert versions[("place", "en")] == ("Asagaya Park", "author")
    assert versions[("access", "en")] == ("[en] 阿佐ケ谷駅から徒歩5分", "machine")
    assert versions[("place", "vi")] == ("[vi] 阿佐谷公園", "machine")

    edit = f"/console/slots/{slot_id}/edit"
    form = me.get(edit).get_data(as_text=True)
    assert 'id="machine-vi"' in form and 'name="reviewed" value="vi"' in form
    assert "[ko] 阿佐ケ谷駅から徒歩5分</textarea>" in form
    sent = {**SLOT, **{f"{field}_{locale}": text
                       for (field, locale), (text, _s) in versions.items()}}
    sent.update(access_ko="아사가야역에서 도보 5분", reviewed=["vi"])
    assert me.post(edit, sent, page=edit).status_code == 302
    versions = versions_of(app, "slot", slot_id)
    assert versions[("access", "ko")] == ("아사가야역에서 도보 5분", "author")
    assert versions[("place", "vi")] == ("[vi] 阿佐谷公園", "reviewed")
    assert versions[("access", "vi")] == ("[vi] 阿佐ケ谷駅から徒歩5分", "reviewed")
    assert versions[("place", "ne")] == ("[ne] 阿佐谷公園", "machine")
    [logged] = audited(app, "slot.update")
    assert set(logged.detail["fields"]) == {"access_ko", "place_vi", "access_vi"}

    # a new place, the machine's versions sent back as they were: they are the old
    # place's, and go (a person's stays); the job translates the new one
    sent = {**sent, "place": "高円寺公園", "reviewed": []}
    assert me.post(edit, sent, page=edit).status_code == 302
    versions = versions_of(app, "slot", slot_id)
    assert ("place", "ne") not in versions and versions[("place", "en")][1] == "author"
    assert versions[("place", "vi")] == ("[vi] 阿佐谷公園", "reviewed")
    run(app, bracketed)
    assert versions_of(app, "slot", slot_id)[("place", "ne")] == ("[ne] 高円寺公園", "machine")
