"""How the organisation notices read (rendered at send time, bot/registries.py): the
organisation was verified (to each member), and the person is now its owner (to the member
an owner handed it over to).

Both are in the group "personal": they concern the person's own organisation, so no opt-out
switch (models.subscriptions.OPT_OUT_GROUPS) silences them. Each is read again when it is
sent, so a member who has left, or an ownership handed on again, is not told stale news.
"""

from __future__ import annotations

from bot.kernel.composer import Choice
from models import organisations as orgs
from models.organisations import Organisation


def render_verified(session, user, notification, composer):  # type: ignore[no-untyped-def]
    organisation = session.get(Organisation, int(notification.ref))
    if organisation is None or organisation.status != orgs.VERIFIED \
            or orgs.membership(session, user, organisation.id) is None:
        return None
    # Translators: pushed to an organisation's members when ward staff have verified it
    text = composer._("“{name}” has been verified by the ward. What it posts is now shown "
                      "to residents.", name=organisation.name)
    return [composer.text(text, [Choice.go(composer._("My organisation"), "org_mine",
                                           i=organisation.id)], back=False)]


def render_handed_over(session, user, notification, composer):  # type: ignore[no-untyped-def]
    organisation = session.get(Organisation, int(notification.ref))
    found = None if organisation is None else orgs.membership(session, user, organisation.id)
    if found is None or found.role != orgs.OWNER:
        return None
    # Translators: pushed to the member an organisation's owner handed ownership over to
    text = composer._("You are now the owner of “{name}”. You can invite co-organisers and "
                      "hand ownership over from “My organisation”.", name=organisation.name)
    return [composer.text(text, [Choice.go(composer._("My organisation"), "org_mine",
                                           i=organisation.id)], back=False)]
