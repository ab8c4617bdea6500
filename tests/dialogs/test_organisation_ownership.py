"""An organisation's owner hands it over in the chat ("My organisation" → Hand over → a
member → confirm): the member becomes the owner and is told in their language, the former
owner stays on as an editor. Editors never see the button, and a crafted button or answer
is refused on the server and audit-logged."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from bot import keys
from bot.db import session_scope
from bot.kernel.i18n import gettext
from bot.redis_store import get_redis
from models import organisations as orgs
from models.organisations import Organisation
from models.users import AuditLog, get_by_line_id
from simulator import events as ev
from tests.collab_helpers import deliver, ja, join
from tests.dialogs.test_organisation_dialogs import make_organisation, roles_in


def _with_editor(app: Any, make_user: Any) -> tuple[Any, Any, int]:
    owner, editor = join(make_user, "高円寺太郎"), join(make_user, "Emma", "en")
    organisation = make_organisation(app, owner)
    with session_scope(app) as session:
        orgs.add_member(session, session.get(Organisation, organisation),
                        get_by_line_id(session, editor.user_id))
    return owner, editor, organisation


def _refusals(app: Any) -> list[AuditLog]:
    with session_scope(app) as session:
        return list(session.scalars(select(AuditLog).where(
            AuditLog.action == "organisation.hand_over.refused")))


def test_the_owner_hands_over_and_the_new_owner_is_told_in_their_language(app, make_user):
    owner, editor, organisation = _with_editor(app, make_user)
    owner.opens(ja("My organisation"))
    owner.taps(ja("Hand over"))
    owner.taps("Emma")
    assert ja("Make {person} the owner of “{name}”? You will stay on as an editor.",
              person="Emma", name="高円寺まちづくりの会") in owner.last_text()
    owner.taps(ja("Hand over"))
    assert roles_in(app, organisation) == {owner.user_id: orgs.EDITOR,
                                           editor.user_id: orgs.OWNER}
    assert ja("{person} is now the owner of “{name}”. We have told them.", person="Emma",
              name="高円寺まちづくりの会") in owner.last_text()
    assert ja("Hand over") not in owner.choices()  # an editor now
    with session_scope(app) as session:
        [row] = session.scalars(select(AuditLog).where(
            AuditLog.action == "organisation.hand_over"))
        assert row.actor_id == owner.user_row().id and row.subject_id == editor.user_row().id
    deliver(app)
    editor.new_messages()
    assert gettext("en", "You are now the owner of “{name}”. You can invite co-organisers "
                         "and hand ownership over from “My organisation”.",
                   name="高円寺まちづくりの会") in editor.last_text()


def test_cancelling_changes_nothing(app, make_user):
    owner, editor, organisation = _with_editor(app, make_user)
    owner.opens(ja("My organisation"))
    owner.taps(ja("Hand over"))
    owner.taps("Emma")
    owner.taps(ja("Cancel"))
    assert roles_in(app, organisation) == {owner.user_id: orgs.OWNER,
                                           editor.user_id: orgs.EDITOR}


def test_an_editor_neither_sees_nor_reaches_the_hand_over(app, make_user):
    owner, editor, organisation = _with_editor(app, make_user)
    editor.opens(gettext("en", "My organisation"))
    assert gettext("en", "Hand over") not in editor.choices()
    codec = app.extensions["machibot.codec"]
    editor.send(ev.postback(editor.user_id, codec.encode("org_hand_over", i=organisation),
                            reply_token=editor.token()))
    assert gettext("en", "Sorry, this is for the organisation's members only.") \
        in editor.last_text()
    # an answer to the last step, as if the dialog had got there
    get_redis(app).set(keys.dialog_state(editor.user_id), json.dumps(
        {"v": 1, "step": "org.confirm_hand_over",
         "data": {"i": organisation, "to": editor.user_row().id}}))
    editor.send(ev.postback(editor.user_id, codec.encode("ans", s="org.confirm_hand_over",
                                                         v="yes"),
                            reply_token=editor.token()))
    assert roles_in(app, organisation) == {owner.user_id: orgs.OWNER,
                                           editor.user_id: orgs.EDITOR}
    assert len(_refusals(app)) == 2
