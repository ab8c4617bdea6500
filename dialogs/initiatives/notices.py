"""How the initiative notifications read (rendered at send time, bot/registries.py): someone
is interested, a message from the other side, a request to share contacts, the contacts,
staff's decision on an initiative awaiting review (INITIATIVE_MODERATION); and
a new initiative in the new-items notice and digest of its organisation's followers
(`summarise`, bot/registries.py ITEMS).

The notices between the two sides are in the group "personal": they are not news or
reminders, so no opt-out switch (models.subscriptions.OPT_OUT_GROUPS) silences them.
"""

from __future__ import annotations

from bot.kernel.composer import Choice
from bot.kernel.i18n import shown_text
from bot.notify.renderers import ItemSummary
from dialogs.initiatives.cards import initiative_lines
from dialogs.initiatives.kinds import help_labels
from models import initiatives as ini
from models.initiatives import Initiative, Interest
from models.organisations import is_public


def render_interest(session, user, notification, composer):  # type: ignore[no-untyped-def]
    interest = session.get(Interest, int(notification.ref))
    if interest is None or interest.initiative.presenter_id != user.id:
        return None
    lines = [composer._("Can bring: {kinds}", kinds=help_labels(composer, interest.offered))]
    if interest.message:
        lines.append(interest.message)
    buttons = [Choice.go(composer._("Reply"), "ini_reply", n=interest.id),
               Choice.go(composer._("Share contact"), "ini_contact", n=interest.id),
               Choice.go(composer._("Schedule gathering"), "gathering_new",
                         i=interest.initiative_id)]
    title = composer._("Someone is interested in “{title}”",
                       title=shown_text(interest.initiative, "title", composer.locale))
    return [composer.card(title, lines, buttons)]


def render_message(session, user, notification, composer):  # type: ignore[no-untyped-def]
    message = session.get(ini.RelayMessage, int(notification.ref))
    if message is None:
        return None
    interest = message.interest
    if message.from_presenter:
        lead = composer._("The presenter of “{title}” writes:",
                          title=shown_text(interest.initiative, "title", composer.locale))
    else:
        lead = composer._("A person interested in “{title}” writes:",
                          title=shown_text(interest.initiative, "title", composer.locale))
    choices = [Choice.go(composer._("Reply"), "ini_reply", n=interest.id)]
    if not interest.contacts_shared:
        choices.append(Choice.go(composer._("Share contact"), "ini_contact", n=interest.id))
    return [composer.text(f"{lead}\n\n{message.body}", choices, back=False)]


def render_reviewed(session, user, notification, composer):  # type: ignore[no-untyped-def]
    initiative = session.get(Initiative, int(notification.ref))
    if initiative is None or initiative.presenter_id != user.id:
        return None
    if initiative.status == ini.REJECTED:
        return [composer.text(composer._(
            "The ward office decided not to publish “{title}”. For questions, please "
            "contact the ward office.", title=initiative.title), back=False)]
    if initiative.status == ini.REVIEW:
        return None
    return [composer.text(composer._("“{title}” is published: residents can now see it.",
                                     title=initiative.title),
                          [Choice.go(composer._("Open"), "ini", i=initiative.id)],
                          back=False)]


def render_contact_request(session, user, notification, composer):  # type: ignore[no-untyped-def]
    interest = session.get(Interest, int(notification.ref))
    if interest is None or interest.contacts_shared:
        return None
    text = composer._("The other side of “{title}” would like to exchange contact "
                      "details. Would you like to share yours?",
                      title=shown_text(interest.initiative, "title", composer.locale))
    return [composer.text(text, [Choice.go(composer._("Share contact"), "ini_contact",
                                           n=interest.id)], back=False)]


def render_contacts(session, user, notification, composer):  # type: ignore[no-untyped-def]
    interest = session.get(Interest, int(notification.ref))
    if interest is None or not interest.contacts_shared:
        return None
    other = (interest.member_contact if user.id == interest.initiative.presenter_id
             else interest.presenter_contact)
    return [composer.text(composer._("Contact details for “{title}”: {contact}",
                                     title=shown_text(interest.initiative, "title",
                                                      composer.locale), contact=other),
                          back=False)]


def summarise(session, ref, composer):  # type: ignore[no-untyped-def]
    try:
        initiative = session.get(Initiative, int(ref))
    except ValueError:
        return None
    if initiative is None or initiative.status not in ini.ACTIVE \
            or not is_public(initiative.organisation):
        return None
    return ItemSummary(shown_text(initiative, "title", composer.locale),
                       tuple(initiative_lines(composer, initiative)),
                       Choice.go(composer._("Details"), "ini", i=initiative.id))
