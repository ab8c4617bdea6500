"""The app's tables, filled in one place when the app is made: which renderer reads each
kind of notification, how each kind of new item is summarised, which jobs the scheduler
runs, and what runs when a person unsends a message.

A new notification kind gets its row in RENDERERS (a test checks that every kind the code
enqueues has one); a new periodic job gets its row in JOBS.
"""

from __future__ import annotations

from functools import partial

from flask import Flask

from bot import departures, kpi_figures, photos, speech, translation, waitlist
from bot.notify import dispatch, renderers
from bot.notify.renderers import Renderer, Summarise
from bot.scheduler import Job
from dialogs import gatherings, volunteering
from dialogs.idea_calls import notices as idea_call_notices
from dialogs.initiatives import notices as initiative_notices
from dialogs.organisations import notices as organisation_notices
from dialogs.supporters import asking as support_asking
from models import ideas
from models import initiatives as initiative_rows
from models import photos as photo_rows

ITEMS: dict[str, Summarise] = {
    "activity": volunteering.summarise_activity,
    "idea_call": idea_call_notices.summarise,
    "initiative": initiative_notices.summarise,
}

# kind -> how it reads; the group is what a person turns off to stop it
# (models.subscriptions.OPT_OUT_GROUPS; "personal" and "urgent" cannot be turned off)
RENDERERS: dict[str, Renderer] = {
    "announcement": Renderer(renderers.render_announcement, "announcements", per_user=False),
    "new_item": Renderer(partial(renderers.render_new_item, ITEMS), "new_items",
                         per_user=False),
    "digest": Renderer(partial(renderers.render_digest, ITEMS), "new_items"),
    "quota_alert": Renderer(renderers.render_quota_alert, "staff"),
    "activity.reminder": Renderer(volunteering.render_reminder, "reminders"),
    "activity.feedback": Renderer(volunteering.render_feedback, "reminders"),
    "waitlist.offer": Renderer(volunteering.render_offer, "reminders"),
    "waitlist.offer_expiry": Renderer(volunteering.render_offer_expiry, "urgent"),
    "gathering.invite": Renderer(gatherings.render_invite, "personal"),
    "gathering.reminder": Renderer(gatherings.render_reminder, "reminders"),
    "gathering.changed": Renderer(gatherings.render_changed, "personal"),
    "gathering.cancelled": Renderer(gatherings.render_cancelled, "personal"),
    "initiative.interest": Renderer(initiative_notices.render_interest, "personal"),
    "initiative.message": Renderer(initiative_notices.render_message, "personal"),
    "initiative.contact_request": Renderer(initiative_notices.render_contact_request, "personal"),
    "initiative.contacts": Renderer(initiative_notices.render_contacts, "personal"),
    "initiative.reviewed": Renderer(initiative_notices.render_reviewed, "personal"),
    "idea.status": Renderer(idea_call_notices.render_status, "personal"),
    "idea.adopted": Renderer(idea_call_notices.render_adopted, "new_items", per_user=False),
    "idea_call.deadline": Renderer(idea_call_notices.render_deadline, "reminders"),
    "support.unanswered": Renderer(support_asking.render_unanswered, "personal"),
    "slot.cancelled": Renderer(renderers.render_slot_cancelled, "personal", per_user=False),
    "slot.changed": Renderer(renderers.render_slot_changed, "personal", per_user=False),
    "organisation.verified": Renderer(organisation_notices.render_verified, "personal"),
    "organisation.handed_over": Renderer(organisation_notices.render_handed_over, "personal"),
    # an answer read aloud: the same audio for everyone who got the same words
    "speech": Renderer(speech.render, "personal", per_user=False),
}

JOBS: tuple[Job, ...] = (
    Job("notify.dispatch", dispatch.POLL_SECONDS, dispatch.dispatch),
    Job("photos.sweep", 3600, photos.sweep),
    Job("speech.sweep", 3600, speech.sweep),
    Job("waitlist.expire", 60, waitlist.expire),
    Job("departures.sweep", 3600, departures.sweep),
    Job("translations.run", 60, translation.run),
    Job("kpi.figures", kpi_figures.SECONDS, kpi_figures.refresh),
)

# the photo rows go last: the other hooks find the photo's owners through them
UNSEND_HOOKS = (initiative_rows.forget_photo, ideas.forget_photo, photo_rows.forget)


def install(app: Flask) -> None:
    app.extensions["machibot.renderers"] = dict(RENDERERS)
    app.extensions["machibot.jobs"] = JOBS
    app.extensions["machibot.unsend_hooks"] = list(UNSEND_HOOKS)
