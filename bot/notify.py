"""Notification dispatch: due outbox rows -> rendered messages -> push / multicast, once each.

Features write rows with `models.outbox.enqueue` and register how their kind reads:

    @register_renderer("activity_reminder", group="reminders")
    def render(session, user, notification, composer):
        signup = session.get(Signup, int(notification.ref))
        if signup is None or signup.cancelled:
            return None  # no longer relevant: the row is marked skipped
        activity = signup.activity  # read now: a changed time or venue is never sent stale
        return [composer.card(activity.title, [...])]

A renderer whose output depends only on the row's `ref` and the reader's language and mode
(an announcement, a new item) says `per_user=False`: it runs once per language and mode,
not once per recipient, which is what lets one announcement reach 100,000 people quickly.

One dispatch pass (`Dispatcher.run_pass(now)`): claim due rows atomically
(models.outbox.claim_due), skip rows of unfollowed or opted-out users, render, group the rows
with identical content into multicasts of at most 500 (a single recipient goes by push),
give each batch an X-Line-Retry-Key and store it on its rows *before* sending, then send the
batches from a thread pool paced by a token bucket per endpoint. 409 counts as sent; 429 and
5xx are retried with backoff inside the pass and, failing that, in a later pass with the
same rows and the same key; after NOTIFY_MAX_ATTEMPTS a row is failed with the reason. During
quiet hours, and after LINE's monthly limit answers, only urgent rows are claimed.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import String, cast, select, update
from sqlalchemy.orm import Session

from bot import keys
from bot.db import session_scope
from bot.i18n import gettext
from bot.line import MAX_MULTICAST_RECIPIENTS, LineClient, LineError
from bot.messages import Choice, Composer
from bot.scheduler import JOBS, Job
from models.outbox import (
    FAILED,
    PENDING,
    SENDING,
    SENT,
    SKIPPED,
    Notification,
    as_utc,
    claim_due,
    enqueue,
    set_status,
)
from models.users import User, UserRole

log = logging.getLogger(__name__)

POLL_SECONDS = 5
QUOTA_KEY = keys.key("notify", "monthly_limit")
RATE_SAFETY = 0.95  # LINE counts in fixed one-second windows: stay a little below the limit
BURST_SECONDS = 0.05

Render = Callable[[Session, User, Notification, Composer], list[dict] | None]


@dataclass(frozen=True)
class Renderer:
    render: Render
    group: str  # what a person turns off to stop these (models.subscriptions.OPT_OUT_GROUPS)
    per_user: bool = True


RENDERERS: dict[str, Renderer] = {}


def register_renderer(kind: str, *, group: str = "reminders",
                      per_user: bool = True) -> Callable[[Render], Render]:
    """Register how notifications of `kind` read (see the module docstring)."""

    def decorate(fn: Render) -> Render:
        RENDERERS[kind] = Renderer(fn, group, per_user)
        return fn

    return decorate


@dataclass(frozen=True)
class ItemSummary:
    """A published item as a new-item alert or a digest shows it."""

    title: str
    lines: tuple[str, ...] = ()
    choice: Choice | None = None  # e.g. Choice.go(label, "activity", id=12)


Summarise = Callable[[Session, str, Composer], ItemSummary | None]
ITEMS: dict[str, Summarise] = {}


def register_item(kind: str) -> Callable[[Summarise], Summarise]:
    """Register the summary of a kind of item given to `notify_new_item` (None: gone)."""

    def decorate(fn: Summarise) -> Summarise:
        ITEMS[kind] = fn
        return fn

    return decorate


# -- times ---------------------------------------------------------------------------------


def _hhmm(value: str) -> clock:
    hours, minutes = value.strip().split(":")
    return clock(int(hours) % 24, int(minutes))


def reminder_times(config: dict[str, Any], starts_at: datetime) -> list[tuple[str, datetime]]:
    """When to remind people of something that starts at `starts_at`, as (name, time) pairs.

    "day_before" at REMINDER_DAY_BEFORE_AT (ward time) the day before, and "hours_before"
    REMINDER_HOURS_BEFORE hours before. An empty setting or 0 turns one off. When the
    hours-before reminder would fall in quiet hours it is dropped if the day-before one is
    sent (a 7:00 start gets its reminder at 18:00 the evening before, not at 5:00).
    """
    zone = ZoneInfo(config["BOT_TIMEZONE"])
    local = starts_at.astimezone(zone)
    found: list[tuple[str, datetime]] = []
    at = str(config.get("REMINDER_DAY_BEFORE_AT") or "").strip()
    if at:
        day_before = datetime.combine(local.date() - timedelta(days=1), _hhmm(at), zone)
        found.append(("day_before", day_before.astimezone(UTC)))
    hours = float(config.get("REMINDER_HOURS_BEFORE") or 0)
    if hours > 0:
        before = starts_at.astimezone(UTC) - timedelta(hours=hours)
        if not (found and (in_quiet_hours(config, before) or before <= found[0][1])):
            found.append(("hours_before", before))
    return found


def days_before(config: dict[str, Any], when: datetime, days: int | None = None) -> datetime:
    """REMINDER_DAY_BEFORE_AT (ward time), `days` days before `when` (an idea call deadline:
    IDEA_CALL_DEADLINE_DAYS_BEFORE)."""
    days = config["IDEA_CALL_DEADLINE_DAYS_BEFORE"] if days is None else days
    zone = ZoneInfo(config["BOT_TIMEZONE"])
    day = when.astimezone(zone).date() - timedelta(days=days)
    at = str(config.get("REMINDER_DAY_BEFORE_AT") or "18:00")
    return datetime.combine(day, _hhmm(at), zone).astimezone(UTC)


def _quiet_window(config: dict[str, Any]) -> tuple[clock, clock] | None:
    raw = str(config.get("QUIET_HOURS") or "").strip()
    if not raw:
        return None
    start, end = raw.split("-")
    return _hhmm(start), _hhmm(end)


def in_quiet_hours(config: dict[str, Any], now: datetime) -> bool:
    window = _quiet_window(config)
    if window is None:
        return False
    start, end = window
    local = now.astimezone(ZoneInfo(config["BOT_TIMEZONE"])).time()
    if start <= end:
        return start <= local < end
    return local >= start or local < end  # the window spans midnight


def quiet_hours_end(config: dict[str, Any], now: datetime) -> datetime:
    """When the current quiet hours end (`now` itself outside them)."""
    window = _quiet_window(config)
    if window is None or not in_quiet_hours(config, now):
        return now
    zone = ZoneInfo(config["BOT_TIMEZONE"])
    local = now.astimezone(zone)
    end = datetime.combine(local.date(), window[1], zone)
    if end <= local:
        end += timedelta(days=1)
    return end.astimezone(UTC)


# -- pacing --------------------------------------------------------------------------------


class TokenBucket:
    """`rate` requests a second, with a small burst, shared by the sending threads."""

    def __init__(self, rate: float, burst: float | None = None) -> None:
        self.rate = rate
        self.capacity = max(1.0, burst if burst is not None else rate * BURST_SECONDS)
        self.tokens = self.capacity
        self.updated = time.monotonic()
        self.lock = threading.Lock()

    def acquire(self) -> None:
        while True:
            with self.lock:
                now = time.monotonic()
                self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
                self.updated = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                wait_for = (1 - self.tokens) / self.rate
            time.sleep(wait_for)


# -- dispatch ------------------------------------------------------------------------------


@dataclass
class Batch:
    endpoint: str  # push | multicast
    ids: list[int]
    to: list[str]
    messages: list[dict]
    retry_key: str
    refs: set[tuple[str, str]] = field(default_factory=set)


@dataclass
class Outcome:
    batch: Batch
    ok: bool
    error: str = ""
    permanent: bool = False
    monthly_limit: bool = False


@dataclass
class PassStats:
    claimed: int = 0
    sent: int = 0  # recipients
    skipped: int = 0
    retried: int = 0
    failed: int = 0
    requests: int = 0
    monthly_limit: bool = False

    def __str__(self) -> str:
        return (f"claimed {self.claimed}, sent {self.sent}, skipped {self.skipped}, "
                f"to retry {self.retried}, failed {self.failed}, {self.requests} requests")


class Dispatcher:
    """One per process (`get_dispatcher(app)`): its LINE client and thread pool are reused."""

    def __init__(self, app: Flask, line: LineClient | None = None) -> None:
        self.app = app
        config = app.config
        self.threads = max(1, int(config["NOTIFY_SEND_THREADS"]))
        self.line = line or LineClient(
            config["LINE_CHANNEL_ACCESS_TOKEN"], config["LINE_API_BASE_URL"],
            timeout=config["LINE_TIMEOUT_SECONDS"], max_retries=0, pool_size=self.threads)
        self.tries = int(config["LINE_MAX_RETRIES"]) + 1
        self.backoff_base = 0.2
        self.buckets = {
            "push": TokenBucket(config["LINE_RATE_PUSH"] * RATE_SAFETY),
            "multicast": TokenBucket(config["LINE_RATE_MULTICAST"] * RATE_SAFETY),
        }
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    @property
    def pool(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="notify-send")
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    # -- one pass ---------------------------------------------------------------------------

    def run_pass(self, now: datetime | None = None) -> PassStats:
        """Send everything due at `now` (default: the present). One pass at a time per process."""
        with self._lock:
            return self._run_pass(as_utc(now or datetime.now(UTC)))

    def _run_pass(self, now: datetime) -> PassStats:
        from bot.redis_store import get_redis

        config = self.app.config
        stats = PassStats()
        redis = get_redis(self.app)
        limited = bool(redis.exists(QUOTA_KEY))
        urgent_only = limited or in_quiet_hours(config, now)
        inflight: set[Future[Outcome]] = set()
        touched: set[tuple[str, str]] = set()
        with session_scope(self.app) as session:
            while True:
                wall = datetime.now(UTC)
                stale = wall - timedelta(seconds=config["NOTIFY_CLAIM_TIMEOUT_SECONDS"])
                token = claim_due(session, now=now, wall_now=wall,
                                  limit=config["NOTIFY_CLAIM_BATCH"],
                                  urgent_only=urgent_only, stale_before=stale)
                if token is None:
                    break
                batches = self._prepare(session, token, now, stats)
                session.commit()
                for batch in batches:
                    touched |= batch.refs
                    inflight.add(self.pool.submit(self._send, batch))
                done = {f for f in inflight if f.done()}
                inflight -= done
                self._record(session, [f.result() for f in done], now, stats)
                session.commit()
                if stats.monthly_limit and not urgent_only:
                    urgent_only = True
            while inflight:
                done, inflight = wait(inflight, return_when=FIRST_COMPLETED)
                self._record(session, [f.result() for f in done], now, stats)
                session.commit()
            self._refresh_announcements(session, touched)
        if stats.claimed:
            log.info("notification pass: %s", stats)
        return stats

    def _prepare(self, session: Session, token: str, now: datetime,
                 stats: PassStats) -> list[Batch]:
        """Render the claimed rows and group them into batches (stored keys first)."""
        rows = session.execute(
            select(Notification.id, Notification.user_id, Notification.kind, Notification.ref,
                   Notification.retry_key, User.line_user_id, User.locale, User.mode,
                   User.active, cast(User.notification_prefs, String).label("prefs"))
            .join(User, User.id == Notification.user_id)
            .where(Notification.claim_token == token)
            .order_by(Notification.id)).all()
        stats.claimed += len(rows)
        codec = self.app.extensions["machibot.codec"]
        skipped: dict[str, list[int]] = defaultdict(list)
        failed: list[tuple[int, str]] = []
        # content key -> (messages, rows); rows that already have a retry key stay together
        fresh: dict[str, tuple[list[dict], list[Any]]] = {}
        keyed: dict[str, tuple[list[dict], list[Any]]] = {}
        shared: dict[tuple[str, str, str, str], tuple[str, list[dict]] | None] = {}
        turned_off: dict[str | None, tuple[str, ...]] = {}  # most people share a few values
        per_user = [r for r in rows if r.active and (rd := RENDERERS.get(r.kind)) and rd.per_user]
        users = {u.id: u for u in session.scalars(
            select(User).where(User.id.in_({r.user_id for r in per_user})))} if per_user else {}
        notes = {n.id: n for n in session.scalars(
            select(Notification).where(Notification.id.in_([r.id for r in per_user])))
        } if per_user else {}

        for row in rows:
            renderer = RENDERERS.get(row.kind)
            if not row.active:
                skipped["unfollowed"].append(row.id)
                continue
            if renderer is None:
                failed.append((row.id, f"no renderer for {row.kind}"))
                continue
            off = turned_off.get(row.prefs)
            if off is None:
                off = turned_off[row.prefs] = _turned_off(row.prefs)
            if renderer.group in off:
                skipped["opted out"].append(row.id)
                continue
            try:
                if renderer.per_user:
                    composer = Composer(row.locale, row.mode, codec)
                    messages = renderer.render(session, users[row.user_id], notes[row.id],
                                               composer)
                    content = _content_key(messages) if messages else None
                else:
                    cache_key = (row.kind, row.ref, row.locale, row.mode)
                    if cache_key not in shared:
                        user = session.get(User, row.user_id)
                        note = session.get(Notification, row.id)
                        composer = Composer(row.locale, row.mode, codec)
                        out = renderer.render(session, user, note, composer)  # type: ignore[arg-type]
                        shared[cache_key] = (_content_key(out), out) if out else None
                    found = shared[cache_key]
                    content, messages = (found[0], found[1]) if found else (None, None)
            except Exception as exc:  # a bug in one renderer must not stop the others
                log.exception("rendering a %s notification failed", row.kind)
                failed.append((row.id, f"render failed: {type(exc).__name__}"))
                continue
            if not messages:
                skipped["no longer relevant"].append(row.id)
                continue
            if row.retry_key:
                keyed.setdefault(row.retry_key, (messages, []))[1].append(row)
            else:
                fresh.setdefault(content, (messages, []))[1].append(row)  # type: ignore[arg-type]

        for reason, ids in skipped.items():
            set_status(session, ids, SKIPPED, error=reason)
            stats.skipped += len(ids)
        for row_id, reason in failed:
            self._fail(session, [row_id], reason, now, permanent=True, stats=stats)

        batches: list[Batch] = []
        for retry_key, (messages, members) in keyed.items():
            batches.append(_batch(members, messages, retry_key))
        position = {row.id: index for index, row in enumerate(rows)}
        for messages, members in fresh.values():
            for start in range(0, len(members), MAX_MULTICAST_RECIPIENTS):
                part = members[start:start + MAX_MULTICAST_RECIPIENTS]
                batch = _batch(part, messages, str(uuid.uuid4()))
                contiguous = position[part[-1].id] - position[part[0].id] == len(part) - 1
                if contiguous:  # one announcement: every batch is a run of the claim
                    where = [Notification.claim_token == token,
                             Notification.id.between(part[0].id, part[-1].id)]
                    session.execute(update(Notification).where(*where)
                                    .values(retry_key=batch.retry_key),
                                    execution_options={"synchronize_session": False})
                else:
                    for ids in _chunks(batch.ids):
                        session.execute(update(Notification).where(Notification.id.in_(ids))
                                        .values(retry_key=batch.retry_key),
                                        execution_options={"synchronize_session": False})
                batches.append(batch)
        return batches

    def _send(self, batch: Batch) -> Outcome:
        """Send one batch, retrying 429 and 5xx with backoff (runs in the thread pool)."""
        error = ""
        for attempt in range(self.tries):
            self.buckets[batch.endpoint].acquire()
            try:
                if batch.endpoint == "push":
                    self.line.push(batch.to[0], batch.messages, batch.retry_key)
                else:
                    self.line.multicast(batch.to, batch.messages, batch.retry_key)
                return Outcome(batch, True)
            except LineError as exc:
                if exc.monthly_limit:
                    return Outcome(batch, False, "LINE monthly limit reached", monthly_limit=True)
                error = f"LINE {exc.status}: {exc.reason}"[:200]
                retryable = exc.status is None or exc.status == 429 or exc.status >= 500
                if not retryable:
                    return Outcome(batch, False, error, permanent=True)
            except Exception as exc:  # noqa: BLE001 - report it on the rows, never lose them
                error = f"send failed: {type(exc).__name__}"
            if attempt + 1 < self.tries:
                time.sleep(self.backoff_base * (2**attempt) * (0.5 + random.random()))
        return Outcome(batch, False, error)

    def _record(self, session: Session, outcomes: list[Outcome], now: datetime,
                stats: PassStats) -> None:
        wall = datetime.now(UTC)
        for outcome in outcomes:
            stats.requests += 1
            ids = outcome.batch.ids
            if outcome.ok:
                # the batch's rows are exactly those in `sending` under its retry key
                session.execute(
                    update(Notification).where(Notification.retry_key == outcome.batch.retry_key,
                                               Notification.status == SENDING)
                    .values(status=SENT, sent_at=wall, claim_token=None),
                    execution_options={"synchronize_session": False})
                stats.sent += len(ids)
            elif outcome.monthly_limit:
                stats.monthly_limit = True
                self._release(session, ids, retry_at=now + timedelta(minutes=10))
                self._monthly_limit_reached(session, now)
            else:
                self._fail(session, ids, outcome.error, now, permanent=outcome.permanent,
                           stats=stats)

    def _release(self, session: Session, ids: list[int], retry_at: datetime) -> None:
        """Back to pending without counting an attempt (the monthly limit is not their fault)."""
        for part in _chunks(ids):
            session.execute(update(Notification).where(Notification.id.in_(part))
                            .values(status=PENDING, claim_token=None, retry_at=retry_at),
                            execution_options={"synchronize_session": False})

    def _fail(self, session: Session, ids: list[int], error: str, now: datetime, *,
              permanent: bool, stats: PassStats) -> None:
        """Count an attempt: back to pending with backoff, or failed for good at the limit."""
        limit = self.app.config["NOTIFY_MAX_ATTEMPTS"]
        by_attempts: dict[int, list[int]] = defaultdict(list)
        for part in _chunks(ids):
            for row_id, attempts in session.execute(
                    select(Notification.id, Notification.attempts)
                    .where(Notification.id.in_(part))):
                by_attempts[attempts + 1].append(row_id)
        for attempts, group in by_attempts.items():
            give_up = permanent or attempts >= limit
            backoff = timedelta(seconds=min(3600, 30 * 2 ** (attempts - 1)))
            for part in _chunks(group):
                session.execute(
                    update(Notification).where(Notification.id.in_(part)).values(
                        attempts=attempts, status=FAILED if give_up else PENDING,
                        retry_at=now + backoff, last_error=error[:200], claim_token=None),
                    execution_options={"synchronize_session": False})
            if give_up:
                stats.failed += len(group)
                log.warning("gave up on %d notification(s): %s", len(group), error)
            else:
                stats.retried += len(group)

    def _monthly_limit_reached(self, session: Session, now: datetime) -> None:
        """Pause non-urgent sending until the month ends; tell staff once."""
        from bot.redis_store import get_redis

        zone = ZoneInfo(self.app.config["BOT_TIMEZONE"])
        local = now.astimezone(zone)
        first = date(local.year + (local.month == 12), local.month % 12 + 1, 1)
        until = datetime.combine(first, clock(0), zone)
        seconds = max(60, int((until - now).total_seconds()))
        month = f"{local:%Y-%m}"
        if not get_redis(self.app).set(QUOTA_KEY, month, ex=seconds, nx=True):
            return
        log.error("LINE's monthly message limit is reached: non-urgent sending is paused")
        staff = session.scalars(select(UserRole.user_id).join(User).where(
            UserRole.role == "staff", User.active.is_(True))).all()
        for user_id in set(staff):
            enqueue(session, user_id=user_id, kind="quota_alert", ref=month, due_at=now,
                    dedupe_key=f"quota:{month}:{user_id}", urgent=True)

    def _refresh_announcements(self, session: Session, touched: set[tuple[str, str]]) -> None:
        from models.announcements import KIND, Announcement, refresh_counts

        for kind, ref in touched:
            if kind == KIND and ref.isdigit():
                announcement = session.get(Announcement, int(ref))
                if announcement is not None:
                    refresh_counts(session, announcement)


def _turned_off(raw: str | None) -> tuple[str, ...]:
    """The groups a person turned off, from the JSON text of their preferences."""
    if not raw or '"off"' not in raw:
        return ()
    try:
        off = json.loads(raw).get("off")
    except (ValueError, AttributeError):
        return ()
    return tuple(off) if isinstance(off, list) else ()


def _content_key(messages: list[dict]) -> str:
    return json.dumps(messages, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _batch(members: list[Any], messages: list[dict], retry_key: str) -> Batch:
    endpoint = "push" if len(members) == 1 else "multicast"
    return Batch(endpoint, [m.id for m in members], [m.line_user_id for m in members],
                 messages[:5], retry_key, {(m.kind, m.ref) for m in members})


def _chunks(ids: list[int], size: int = 900) -> list[list[int]]:
    return [ids[i:i + size] for i in range(0, len(ids), size)]


_dispatchers_lock = threading.Lock()


def get_dispatcher(app: Flask) -> Dispatcher:
    found = app.extensions.get("machibot.dispatcher")
    if found is None:
        with _dispatchers_lock:
            found = app.extensions.get("machibot.dispatcher")
            if found is None:
                found = Dispatcher(app)
                app.extensions["machibot.dispatcher"] = found
    return found


def dispatch(app: Flask, now: datetime | None = None) -> PassStats:
    """One dispatch pass as of `now` (the scheduler job, `machibot notify dispatch`)."""
    return get_dispatcher(app).run_pass(now)


def monthly_limit_reached(app: Flask) -> str | None:
    """The month ("2026-11") in which LINE's monthly limit stopped sending, if it did."""
    from bot.redis_store import get_redis

    return get_redis(app).get(QUOTA_KEY)


JOBS.append(Job("notify.dispatch", POLL_SECONDS, dispatch))


# -- the bot's own kinds -------------------------------------------------------------------


@register_renderer("announcement", group="announcements", per_user=False)
def render_announcement(session: Session, user: User, notification: Notification,
                        composer: Composer) -> list[dict] | None:
    from models.announcements import CANCELLED_ANN, Announcement

    announcement = session.get(Announcement, int(notification.ref))
    if announcement is None or announcement.status == CANCELLED_ANN:
        return None
    return announcement_messages(announcement, composer)


def announcement_messages(announcement: Any, composer: Composer) -> list[dict] | None:
    """An announcement as this reader sees it (also the staff member's preview)."""
    texts = announcement.texts or {}
    # Translators: the first line of an announcement from the ward office
    header = composer._("Notice from the ward office")
    text = texts.get(composer.locale)
    if not text and composer.locale == "ja_easy":
        text = texts.get("ja")
    if not text:
        original = texts.get("ja") or next(iter(texts.values()), "")
        if not original:
            return None
        # Translators: shown under an announcement that has no translation in the reader's
        # language
        note = composer._("(This notice is in Japanese only.)")
        text = f"{original}\n\n{note}"
    return [composer.text(f"{header}\n\n{text}")]


@register_renderer("new_item", group="new_items", per_user=False)
def render_new_item(session: Session, user: User, notification: Notification,
                    composer: Composer) -> list[dict] | None:
    kind, _, ref = notification.ref.partition(":")
    summarise = ITEMS.get(kind)
    summary = summarise(session, ref, composer) if summarise else None
    if summary is None:
        return None
    # Translators: label above a new idea call or activity in a topic the person follows
    badge = composer._("New")
    buttons = [summary.choice] if summary.choice else []
    return [composer.card(summary.title, list(summary.lines), buttons, badges=[badge])]


@register_renderer("digest", group="new_items")
def render_digest(session: Session, user: User, notification: Notification,
                  composer: Composer) -> list[dict] | None:
    from models.subscriptions import items_for_digest

    bubbles = []
    for item in items_for_digest(session, user, notification.due_at):
        summarise = ITEMS.get(item.kind)
        summary = summarise(session, item.ref, composer) if summarise else None
        if summary is not None:
            buttons = [summary.choice] if summary.choice else []
            bubbles.append(composer.bubble(summary.title, list(summary.lines), buttons))
    if not bubbles:
        return None
    lead = composer._("New in the topics you follow: {count}", count=len(bubbles))
    return [composer.text(lead, back=False), composer.carousel(bubbles, lead)]


@register_renderer("quota_alert", group="staff")
def render_quota_alert(session: Session, user: User, notification: Notification,
                       composer: Composer) -> list[dict] | None:
    if not user.has_role("staff"):
        return None
    return [composer.text(composer._(
        "LINE's monthly message limit has been reached ({month}). Reminders and "
        "announcements are paused until next month; urgent messages are still tried.",
        month=notification.ref))]


__all__ = ["ItemSummary", "RENDERERS", "Dispatcher", "dispatch", "register_item",
           "register_renderer", "reminder_times", "days_before", "in_quiet_hours",
           "quiet_hours_end", "gettext"]
