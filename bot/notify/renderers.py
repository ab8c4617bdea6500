"""How each kind of notification reads, and the notifications the bot itself sends.

A renderer is `(session, user, notification, composer) -> messages | None`; None means the
notification is no longer relevant (the row is marked skipped). It reads the current rows,
so a changed time or venue is never sent stale. A renderer whose output depends only on the
row's `ref` and the reader's language and mode (an announcement, a new item) is
`per_user=False`: it runs once per language and mode, not once per recipient, which is what
lets one announcement reach 100,000 people quickly.

Which renderer reads which kind is one table, bot/registries.py, filled at app creation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.kernel.composer import Choice, Composer
from bot.kernel.i18n import N_, format_span, format_when, shown_text
from models.activities import SLOT_CANCELLED, Activity, Slot, as_utc
from models.announcements import CANCELLED_ANN, Announcement, message_for
from models.outbox import Notification
from models.slot_changes import SlotChange
from models.subscriptions import DigestItem, items_for_digest
from models.texts import preload
from models.timing import config_of
from models.translating import translated_models
from models.users import User

Render = Callable[[Session, User, Notification, Composer], list[dict] | None]


@dataclass(frozen=True)
class Renderer:
    render: Render
    group: str  # what a person turns off to stop these (models.subscriptions.OPT_OUT_GROUPS)
    per_user: bool = True




@dataclass(frozen=True)
class ItemSummary:
    """A published item as a new-item alert or a digest shows it."""

    title: str
    lines: tuple[str, ...] = ()
    choice: Choice | None = None  # e.g. Choice.go(label, "activity", id=12)


Summarise = Callable[[Session, str, Composer], ItemSummary | None]


def render_announcement(session: Session, user: User, notification: Notification,
                        composer: Composer) -> list[dict] | None:
    announcement = session.get(Announcement, int(notification.ref))
    if announcement is None or announcement.status == CANCELLED_ANN:
        return None
    return announcement_messages(announcement, composer)


def announcement_messages(announcement: Any, composer: Composer) -> list[dict] | None:
    """An announcement as this reader sees it (also the staff member's preview)."""
    text = message_for(announcement.texts or {}, composer.locale, composer._,
                       getattr(announcement, "machine_texts", None))
    return [composer.text(text)] if text is not None else None


def render_new_item(items: Mapping[str, Summarise], session: Session, user: User,
                    notification: Notification, composer: Composer) -> list[dict] | None:
    kind, _, ref = notification.ref.partition(":")
    summarise = items.get(kind)
    summary = summarise(session, ref, composer) if summarise else None
    if summary is None:
        return None
    # Translators: label above a new idea call or activity in a topic the person follows
    badge = composer._("New")
    buttons = [summary.choice] if summary.choice else []
    return [composer.card(summary.title, list(summary.lines), buttons, badges=[badge])]


# what a digest's first line says: its items came from followed topics (True), followed
# organisations only (False), or both
_DIGEST_LEADS = {
    frozenset({True}): N_("New in the topics you follow: {count}"),
    # Translators: the first line of a daily digest whose items all come from organisations
    # the person follows
    frozenset({False}): N_("New from organisations you follow: {count}"),
    # Translators: the first line of a daily digest with items from followed topics and
    # from followed organisations
    frozenset({True, False}): N_("New in the topics and organisations you follow: {count}"),
}


def render_digest(items: Mapping[str, Summarise], session: Session, user: User,
                  notification: Notification, composer: Composer) -> list[dict] | None:
    bubbles, by_topic = [], set()
    found = items_for_digest(session, user, notification.due_at)
    load_items(session, found)
    for item in found:
        summarise = items.get(item.kind)
        summary = summarise(session, item.ref, composer) if summarise else None
        if summary is not None:
            buttons = [summary.choice] if summary.choice else []
            bubbles.append(composer.bubble(summary.title, list(summary.lines), buttons))
            by_topic.add(item.by_topic)
    if not bubbles:
        return None
    lead = composer._(_DIGEST_LEADS[frozenset(by_topic)], count=len(bubbles))
    return [composer.text(lead, back=False), composer.carousel(bubbles, lead)]


def load_items(session: Session, found: Sequence[DigestItem]) -> None:
    """Read a digest's items a kind at a time (an activity with its slots), then every
    version of their texts, their slots' and their organisations' in one statement, so
    that each summary finds them loaded (session.get reads the identity map)."""
    ids: dict[str, set[int]] = defaultdict(set)
    for item in found:
        if item.ref.isdigit():
            ids[item.kind].add(int(item.ref))
    models = translated_models()
    owners: list[Any] = []
    for kind, wanted in ids.items():
        model = models.get(kind)
        if model is None:
            continue
        query = select(model).where(model.id.in_(sorted(wanted)))
        if model is Activity:
            query = query.options(selectinload(Activity.slots))
        for row in session.scalars(query).unique():
            owners.append(row)
            owners += getattr(row, "slots", [])[:1]  # the one a summary shows
            if getattr(row, "organisation", None) is not None:
                owners.append(row.organisation)
    preload(session, owners)


def render_quota_alert(session: Session, user: User, notification: Notification,
                       composer: Composer) -> list[dict] | None:
    if not user.has_role("staff"):
        return None
    return [composer.text(composer._(
        "LINE's monthly message limit has been reached ({month}). Reminders and "
        "announcements are paused until next month; urgent messages are still tried.",
        month=notification.ref))]


def render_slot_cancelled(session: Session, user: User, notification: Notification,
                          composer: Composer) -> list[dict] | None:
    """An organiser called off a slot the person had signed up for (or waited for). The
    same for every reader of a language: `per_user=False`."""
    slot = session.get(Slot, int(notification.ref))
    if slot is None or slot.status != SLOT_CANCELLED:
        return None
    tz = config_of(session)["BOT_TIMEZONE"]
    when = format_when(as_utc(slot.starts_at), composer.locale, tz)
    # Translators: pushed to the people signed up for an activity's date that its organiser
    # called off
    text = composer._("“{title}” on {when} is cancelled by its organiser. Your sign-up is "
                      "cancelled too. We are sorry.",
                      title=shown_text(slot.activity, "title", composer.locale), when=when)
    return [composer.text(text, back=False)]


def render_slot_changed(session: Session, user: User, notification: Notification,
                        composer: Composer) -> list[dict] | None:
    """An organiser (or the ward's data) changed the time or place of a slot the person is
    on: what it was and what it is now, from the change itself (a later change is its own
    message). The same for every reader of a language: `per_user=False`."""
    change = session.get(SlotChange, int(notification.ref))
    if change is None or change.slot.status == SLOT_CANCELLED:
        return None
    tz = config_of(session)["BOT_TIMEZONE"]
    # Translators: pushed to the people on an activity's date whose time or place changed
    lines = [composer._("“{title}” has changed. Please check the new details.",
                        title=shown_text(change.slot.activity, "title", composer.locale))]
    if change.moved:
        lines.append(composer._("Time: {old} → {new}",
                                old=_span(change.old_starts_at, change.old_ends_at, composer, tz),
                                new=_span(change.new_starts_at, change.new_ends_at, composer, tz)))
    if change.relocated:
        lines.append(composer._("Place: {old} → {new}",
                                old=_where(change.old_place, change.old_address, composer),
                                new=_where(change.new_place, change.new_address, composer)))
    return [composer.text("\n".join(lines), back=False)]


def _span(starts: datetime, ends: datetime, composer: Composer, tz: str) -> str:
    return format_span(as_utc(starts), as_utc(ends), composer.locale, tz)


def _where(place: str | None, address: str | None, composer: Composer) -> str:
    shown = " ".join(part for part in (place, f"({address})" if address else None) if part)
    # Translators: a slot's place when none was given
    return shown or composer._("(not given)")
