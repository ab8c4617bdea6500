"""Machine translations reviewed in the console beyond activities: an idea call's theme and
issue, and a slot's place and access. The form marks a machine's version; staff or a member
correct one (then it is theirs) or tick it checked (then "reviewed"), and the machine never
replaces either."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.db import session_scope
from bot.translation import run
from models import ideas as ide
from models.texts import texts_of
from tests.console.helpers import audited

CALLS = "/console/idea-calls"


def _bracketed(texts, source, target):
    return [f"[{target}] {text}" for text in texts]


def _versions(app, kind: str, item_id: int) -> dict[tuple[str, str], tuple[str, str]]:
    with session_scope(app) as session:
        return {(v.field, v.locale): (v.text, v.state)
                for v in texts_of(session, kind, [item_id])[item_id]}


def _in_days(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def test_staff_review_an_idea_call_s_machine_translations(app, person, browser):
    with session_scope(app) as session:
        call_id = ide.publish_call(session, theme="公園の使い方", issue="公園をもっと使いやすく",
                                   deadline=datetime.now(UTC) + timedelta(days=10),
                                   config=dict(app.config)).id
    assert run(app, _bracketed) == 1
    versions = _versions(app, "idea_call", call_id)
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
    versions = _versions(app, "idea_call", call_id)
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
    run(app, _bracketed)
    versions = _versions(app, "idea_call", call_id)
    assert versions[("theme", "ne")] == ("[ne] 公園の新しい使い方", "machine")
    assert versions[("theme", "ko")] == ("공원 이용", "author")  # a person's stays
    assert versions[("theme", "vi")] == ("[vi] 公園の使い方", "reviewed")
