"""How a slot reads: one card (title, date and time, place, organiser, seats left, style
badges, "Sign up" and "Details"), shared by finding, recommendations, my schedule and the
organiser's list. Titles and descriptions in the reader's version (models/texts.py), marked
when not in their language; places as written. A list loads its cards' versions first
(`load_texts`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton, format_time
from sqlalchemy.orm import Session

from bot.kernel.composer import Choice, Composer
from bot.kernel.i18n import babel_locale, gettext, shown_text
from dialogs.common.activity_search import format_distance
from models.activities import STYLES, Slot, as_utc
from models.categories import CATEGORIES
from models.locales import area_label
from models.texts import preload


def load_texts(session: Session, slots: Iterable[Slot]) -> None:
    """The versions of what a list of cards shows (the activities' titles and descriptions,
    the slots' places, the organisations' names): one statement a kind, not one a card."""
    slots = list(slots)
    activities = [slot.activity for slot in slots]
    preload(session, [*activities, *slots, *{a.organisation for a in activities
                                             if a.organisation is not None}])


def when_text(slot: Slot, locale: str, tz: str) -> str:
    """'11月28日(土) 10:00–12:00' in the reader's language, in the ward's time zone; an
    all-day slot: '6月1日(土)–6月7日(金) 終日'."""
    zone = ZoneInfo(tz)
    start, end = as_utc(slot.starts_at).astimezone(zone), as_utc(slot.ends_at).astimezone(zone)
    where = babel_locale(locale)
    day = format_skeleton("MMMEd", start, locale=where)
    if slot.all_day:
        last = end - timedelta(days=1)  # it ends at 24:00 of its last day
        if last.date() != start.date():
            day += "–" + format_skeleton("MMMEd", last, locale=where)
        # Translators: when an activity has no times, only days ("6月1日(土) 終日")
        all_day = gettext(locale, "All day")
        return f"{day} {all_day}"
    clock = f"{format_time(start, 'short', locale=where)}–{format_time(end, 'short', locale=where)}"
    if end.date() != start.date():
        clock += " " + format_skeleton("MMMEd", end, locale=where)
    return f"{day} {clock}"


def clock_text(value: datetime, locale: str, tz: str) -> str:
    return format_time(as_utc(value).astimezone(ZoneInfo(tz)), "short",
                       locale=babel_locale(locale))


def seats_text(slot: Slot, locale: str) -> str:
    if slot.capacity is None:
        if slot.capacity_note:
            # Translators: the capacity as the organiser wrote it ("先着順", "定員なし")
            return gettext(locale, "Capacity: {note}", note=slot.capacity_note)
        # Translators: on a card, for an activity anyone may join, however many come
        return gettext(locale, "No limit on numbers")
    if slot.full:
        # Translators: on a card, when every seat is taken
        return gettext(locale, "Full (waitlist open)")
    return gettext(locale, "Seats left: {n}", n=slot.seats_left)


def badges(slot: Slot, locale: str) -> list[str]:
    activity = slot.activity
    names = [gettext(locale, CATEGORIES.get(activity.category, CATEGORIES["other"]))]
    names += [gettext(locale, STYLES[s]) for s in activity.styles or [] if s in STYLES]
    return names[:4]


def slot_lines(slot: Slot, out: Composer, tz: str, *, distance: float | None = None,
               reason: str | None = None) -> list[str]:
    locale = out.locale
    activity = slot.activity
    place = (shown_text(slot, "place", locale) if slot.place
             else area_label(out._, activity.area or ""))
    if distance is not None:
        place = f"{place} ({format_distance(distance, locale)})"
    lines = [f"📅 {when_text(slot, locale, tz)}", f"📍 {place}"]
    if activity.organisation is not None:
        lines.append(f"👥 {shown_text(activity.organisation, 'name', locale)}")
    lines.append(seats_text(slot, locale))
    # Translators: the slot's short code that people type to sign up ("参加 1234")
    lines.append(gettext(locale, "Code: {code}", code=slot.code))
    if reason:
        lines.append(f"💡 {reason}")
    return lines


def slot_bubble(slot: Slot, out: Composer, tz: str, *, distance: float | None = None,
                reason: str | None = None, buttons: Sequence[Choice] | None = None) -> dict:
    if buttons is None:
        buttons = [
            Choice(out._("Sign up"), "signup", {"c": slot.code}, style="primary"),
            # Translators: button on an activity card that shows everything about it
            Choice.go(out._("Details"), "slot", s=slot.id),
        ]
        if out.simple:  # one card, one button: sign up (with "more" and "back" beside it)
            buttons = buttons[:1]
    lines = slot_lines(slot, out, tz, distance=distance, reason=reason)
    return out.bubble(shown_text(slot.activity, "title", out.locale), lines, buttons,
                      badges=badges(slot, out.locale))


def detail_lines(slot: Slot, out: Composer, tz: str) -> list[str]:
    activity = slot.activity
    lines = slot_lines(slot, out, tz)
    venue = [" ".join(filter(None, [slot.address, slot.address_detail]))]
    if slot.access:
        # Translators: how to get to an activity's place (trains, buses), as the data says
        venue.append(out._("Access: {access}",
                           access=shown_text(slot, "access", out.locale)))
    if slot.parking:
        # Translators: parking and bicycle spaces at an activity's place, as the data says
        venue.append(out._("Parking: {parking}", parking=slot.parking))
    lines[2:2] = [line for line in venue if line]  # under the place
    if slot.capacity is not None and slot.capacity_note:
        lines.append(out._("Capacity: {note}", note=slot.capacity_note))
    if activity.description:
        lines.append(shown_text(activity, "description", out.locale))
    if activity.when_note:
        lines.append(activity.when_note)
    if activity.fee:
        lines.append(out._("Fee: {fee}", fee=activity.fee))
    if activity.contact_name or activity.contact_phone:
        contact = " ".join(filter(None, [activity.contact_name, activity.contact_phone]))
        lines.append(out._("Contact: {contact}", contact=contact))
    if activity.url:
        lines.append(activity.url)
    return lines
