"""How the organisation notices read (rendered at send time, bot/registries.py): the
organisation was verified (to each member).

It is in the group "personal": it concerns the person's own organisation, so no opt-out
switch (models.subscriptions.OPT_OUT_GROUPS) silences it. It is read again when it is sent,
so a member who has left is not told stale news.
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
