"""The audit log in the console (staff only): newest first, a page at a time, filtered by
who did it (a part of their name), the action, for whom and a date range in the ward's time
zone; each entry says when, who, what (in words for the common actions, else its code),
for whom, and its details as recorded (ids and counts, never message bodies)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, render_template, request

from console import people
from console.blueprint import bp
from console.db import db
from console.organisations import page_numbers
from models.audit_log import actions, entries
from models.locales import N_

PAGE_SIZE = 50
# what the common actions are in words; the others show their code
ACTION_LABELS = {
    "role.grant": N_("Granted a role"),
    "role.revoke": N_("Took a role away"),
    "organisation.add_member": N_("Made a member of an organisation"),
    "organisation.remove_member": N_("Took someone out of an organisation"),
    "organisation.register": N_("Registered an organisation as its owner"),
    "organisation.verify": N_("Verified that an organisation is genuine"),
    "announce.send": N_("Sent an announcement"),
    "announce.cancel": N_("Cancelled an announcement not yet sent"),
    "open_data.import": N_("Imported an event list (CSV)"),
    "console.sign_in": N_("Signed in to the console"),
    "console.sign_out": N_("Signed out of the console"),
}


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _filters(values: Mapping[str, str], known: list[str]) -> dict[str, str]:
    """The filters as given, only those set and well formed (links stay short)."""
    subject = values.get("subject", "")
    found = {"who": values.get("who", "")[:100].strip(),
             "action": values.get("action", "") if values.get("action") in known else "",
             "subject": subject if subject.isdigit() else "",
             "since": values.get("since", "") if _day(values.get("since", "")) else "",
             "until": values.get("until", "") if _day(values.get("until", "")) else ""}
    return {k: v for k, v in found.items() if v}


def _start(day: str, zone: ZoneInfo) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(0), zone)


@bp.get("/audit")
@people.staff_only
def audit_log() -> str:
    known = actions(db())
    filters = _filters(request.args, known)
    page = request.args.get("page", "")
    page = max(int(page) if page.isdigit() else 1, 1)
    zone = ZoneInfo(current_app.config["BOT_TIMEZONE"])
    since = _start(filters["since"], zone) if "since" in filters else None
    until = _start(filters["until"], zone) + timedelta(days=1) if "until" in filters else None
    found, total = entries(db(), who=filters.get("who", ""), action=filters.get("action", ""),
                           subject_id=int(filters["subject"]) if "subject" in filters else None,
                           since=since, until=until, offset=(page - 1) * PAGE_SIZE,
                           limit=PAGE_SIZE)
    last = max(1, math.ceil(total / PAGE_SIZE))
    return render_template("console/audit.html", entries=found, total=total, page=page,
                           pages=page_numbers(min(page, last), last), filters=filters,
                           actions=known, labels=ACTION_LABELS)
