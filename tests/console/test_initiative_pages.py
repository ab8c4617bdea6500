"""Staff's initiatives in the console: every initiative with its interest and gathering
counts (one statement), review under INITIATIVE_MODERATION with the presenter told in their
language, and who may see or do any of it."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.db import session_scope
from bot.kernel.i18n import gettext
from bot.notify.dispatch import dispatch
from models import gatherings as gat
from models import initiatives as ini
from models.initiatives import Initiative
from models.users import get_by_line_id
from tests.console.helpers import audited
from tests.sql_count import statements_of

LIST = "/console/initiatives"


def ja(msgid, **params):
    return gettext("ja", msgid, **params)


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def staff(person, browser):
    return browser(person("区職員", staff=True))


def _present(app, line_user_id: str, title: str, *, moderated: bool = False) -> int:
    with session_scope(app) as session:
        return ini.present(session, get_by_line_id(session, line_user_id), title=title,
                           summary="みんなで" + title, help_wanted=["people"],
                           moderated=moderated).id


def test_the_list_counts_interest_and_gatherings_in_one_statement(app, staff, person):
    presenter, others = person("発表者"), [person(f"住民{n}") for n in range(3)]
    garden, cleanup = _present(app, presenter, "花壇づくり"), _present(app, presenter, "清掃")
    with session_scope(app) as session:
        first = session.get(Initiative, garden)
        for other in others:
            ini.express_interest(session, first, get_by_line_id(session, other),
                                 offers=["people"])
        for days in (3, 10):
            gat.schedule(session, kind=gat.PREPARATION, place="集会所", initiative_id=garden,
                         starts_at=datetime.now(UTC) + timedelta(days=days))
    shown = _text(staff.get(LIST))
    assert "花壇づくり" in shown and "清掃" in shown
    row = shown.split(f'id="initiative-{garden}"')[1].split("</tr>")[0]
    assert "<td>3</td>" in row and "<td>2</td>" in row
    row = shown.split(f'id="initiative-{cleanup}"')[1].split("</tr>")[0]
    assert row.count("<td>0</td>") == 2
    with session_scope(app) as session:
        found: list = []
        ran = statements_of(app, lambda: found.extend(ini.with_counts(session)))
        assert len(ran) == 1 and [(i.id, n, g) for i, n, g in found] == [
            (cleanup, 0, 0), (garden, 3, 2)]


def test_under_moderation_staff_publish_one_and_not_another_presenters_told(
        app, staff, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "INITIATIVE_MODERATION", 1)
    ann = make_user("Ann", "en")
    ann.follow()
    ann.taps(gettext("en", "I agree"))
    kept, dropped = _present(app, ann.user_id, "Garden", moderated=True), _present(
        app, ann.user_id, "Spam", moderated=True)
    with session_scope(app) as session:
        assert ini.browse(session)[0] == []  # residents do not see either yet
    listed = _text(staff.get(LIST))
    assert ja("New initiatives wait for ward staff's review before residents see them.") \
        in listed and ja("Publish No. {number}", number=kept) in listed
    assert staff.post(f"{LIST}/{kept}/review", {"decision": "publish"},
                      page=LIST).status_code == 302
    staff.post(f"{LIST}/{dropped}/review", {"decision": "reject"}, page=LIST)
    assert [(r.detail["initiative"], r.detail["approved"])
            for r in audited(app, "initiative.review")] == [(kept, True), (dropped, False)]
    with session_scope(app) as session:
        assert [i.id for i in ini.browse(session)[0]] == [kept]
        assert session.get(Initiative, dropped).status == ini.REJECTED
    dispatch(app, (datetime.now(UTC) + timedelta(days=1)).replace(hour=3))
    told = "\n".join(m.get("text", "") for m in ann.new_messages())
    assert gettext("en", "“{title}” is published: residents can now see it.",
                   title="Garden") in told
    assert gettext("en", "The ward office decided not to publish “{title}”. For questions, "
                   "please contact the ward office.", title="Spam") in told

    again = staff.post(f"{LIST}/{dropped}/review", {"decision": "publish"}, page=LIST)
    assert again.status_code == 302 and len(audited(app, "initiative.review")) == 2
    with session_scope(app) as session:
        assert session.get(Initiative, dropped).status == ini.REJECTED


@pytest.mark.parametrize("member", [False, True], ids=["resident", "organisation-member"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_residents_and_organisers_are_refused(app, person, browser, organisation, member,
                                              method):
    me = person()
    if member:
        organisation(me, "自分の会")
    waiting = _present(app, me, "自分の取組", moderated=True)
    answer = (browser(me).get(LIST) if method == "get" else
              browser(me).post(f"{LIST}/{waiting}/review", {"decision": "publish"}))
    assert answer.status_code == 403
    with session_scope(app) as session:
        assert session.scalar(select(Initiative.status)) == ini.REVIEW
    assert audited(app, "initiative.review") == []
