"""One LINE event, one turn: load, route, save, send.

Per turn the Redis traffic is two round trips, each one short server-side script: the first
takes the per-user lock and reads the dialog state (and the other keys the turn may need);
the last, once the replies are sent, writes what the steps asked for and the state (sliding
TTL), releases the lock, records the person's last handled event, acknowledges the stream
entry and deletes it (it holds what the person sent), and reads the worker's next entry, all
in one step. The person's user row and roles are read from SQL in every turn, so no copy of
them can be out of date. SQL rows are committed before any reply is sent, so a confirmation
is never shown for something that was not stored.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import redis
from flask import Flask
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import keys
from bot.db import session_scope
from bot.kernel.engine import Context, DialogState, Effects, Input
from bot.kernel.i18n import N_, gettext, match_locale
from bot.kernel.postback import InvalidPostback, PostbackCodec
from bot.line import LineClient, LineError, describe, get_line
from bot.redis_store import LuaScript
from bot.richmenu.deployment import IDS_KEY, menu_for
from dialogs import onboarding
from dialogs.supporters import live, proxy
from handlers.forget import forget_in_redis
from handlers.outcome import Outcome
from handlers.read_aloud import read_aloud
from handlers.router import Router
from models import turns
from models.signups import pass_on_offers_of
from models.users import get_by_line_id, read_at_turn_start, unfollow, welcome

log = logging.getLogger(__name__)

LOCK_MS = 30_000
ORDER_WAIT_SECONDS = 3.0
MEDIA_TYPES = {"image", "video", "audio", "file"}
USER_TURN_EVENTS = {"follow", "message", "postback"}
# Translators: the answer when the bot failed on its side and the person should try again
SORRY = N_("Sorry, something went wrong on our side. Please try again in a moment, "
           "or type \"menu\".")


# The start of a turn. KEYS: the person's lock, their last handled event number, the event
# stream, their dialog state, then the other keys the turn reads. ARGV: lock token, lock ms,
# this event's number, 1 to wait while an earlier event of theirs is unhandled, 1 to read
# even without the lock, the stream entry ('' for none), the heartbeat keys' prefix. Returns
# {2} when the entry is no longer in the stream (the person deleted their data: it is not
# handled), {0} to try again, else {1 if locked else 0, state, the other keys' values...}.
# A lock token is "<worker> <random>", the worker "<process>/<thread>" (bot/worker.py): a
# lock left by this same worker (it lost Redis mid-turn) or by a process without heartbeat
# (it died) is taken over at once, instead of stalling the person until it expires.
BEGIN_TURN = LuaScript("""
if ARGV[6] ~= '' and #redis.call('XRANGE', KEYS[3], ARGV[6], ARGV[6]) == 0 then
  return {2}
end
local locked = redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])
if not locked then
  local holder = redis.call('GET', KEYS[1])
  local worker = holder and string.match(holder, '^(%S+) ')
  local process = worker and string.match(worker, '^(.+)/[^/]*$')
  if worker and (worker == string.match(ARGV[1], '^(%S+) ')
      or (process and redis.call('EXISTS', ARGV[7] .. process) == 0)) then
    locked = redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  end
end
if locked and ARGV[4] == '1'
    and tonumber(ARGV[3]) > tonumber(redis.call('GET', KEYS[2]) or '0') + 1 then
  redis.call('DEL', KEYS[1])
  return {0}
end
if not locked and ARGV[5] ~= '1' then return {0} end
local out = {locked and 1 or 0}
for i = 4, #KEYS do out[#out + 1] = redis.call('GET', KEYS[i]) end
return out
""")
# The end of an event. KEYS: dialog state, lock, last handled event number, event stream,
# then the keys steps delete, then the keys steps set. ARGV: the state's JSON ('' deletes
# it, '-' leaves it), its seconds, the lock token ('' when none was taken), this event's
# number (0: not numbered), seconds to keep that number, the consumer group, the stream
# entry ('' for none: it is acknowledged and deleted, since it holds what the person sent),
# how many keys to delete, the consumer that reads its next entry now ('' for none), then
# value and seconds of each key to set.
# The lock is released only if still ours (compare-and-delete: it may have expired and
# been taken by another worker), and the number only ever grows. Returns the consumer's
# next entry as XREADGROUP answers (nil when there is none or none was asked for): a busy
# worker thread reads its next event in the round trip that ends the last one.
END_EVENT = LuaScript("""
local deletes = tonumber(ARGV[8])
for i = 5, 4 + deletes do redis.call('DEL', KEYS[i]) end
for i = 5 + deletes, #KEYS do
  local at = 10 + 2 * (i - 5 - deletes)
  redis.call('SET', KEYS[i], ARGV[at], 'EX', ARGV[at + 1])
end
if ARGV[1] == '' then
  redis.call('DEL', KEYS[1])
elseif ARGV[1] ~= '-' then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
end
if ARGV[3] ~= '' and redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end
if tonumber(ARGV[4]) > tonumber(redis.call('GET', KEYS[3]) or '0') then
  redis.call('SET', KEYS[3], ARGV[4], 'EX', ARGV[5])
end
if ARGV[7] ~= '' then
  redis.call('XACK', KEYS[4], ARGV[6], ARGV[7])
  redis.call('XDEL', KEYS[4], ARGV[7])
end
if ARGV[9] == '' then return false end
-- the event is done whatever the read answers (no group: the worker makes it and reads)
local read = redis.pcall('XREADGROUP', 'GROUP', ARGV[6], ARGV[9], 'COUNT', 1,
                         'STREAMS', KEYS[4], '>')
if type(read) == 'table' and read.err then return false end
return read
""")


@dataclass
class Turn:
    """What the worker knows of a stream entry."""

    event: dict[str, Any]
    event_key: str  # webhookEventId, or a hash for events without one
    received_at_ms: int
    seq: int = 0  # this event's number among its user's events (0: not numbered)
    entry_id: str | None = None  # the stream entry acknowledged at the end (None: none)
    redelivered: bool = False  # handed out before: its turn may have run (models/turns.py)
    consumer: str = ""  # the worker handling it (its locks name it)
    # the worker's next entry is read with this one's acknowledgement (END_EVENT) into
    # `following`, which the worker handles next
    read_next: bool = False
    following: list[tuple[str, dict[str, str]]] = field(default_factory=list)


def handle_event(app: Flask, client: redis.Redis, turn: Turn) -> None:
    """Handle one event, then acknowledge its stream entry (`turn.entry_id`)."""
    event = turn.event
    kind = _str_or_none(event.get("type"))  # a list or dict here would not even hash
    user_id = _user_of(event)
    if event.get("mode") == "standby" or user_id is None:
        source = event.get("source") if isinstance(event.get("source"), dict) else {}
        if (event.get("mode") != "standby" and kind == "join"
                and source.get("type") in ("group", "room")):
            _answer_group(app, event, turn)
        return acknowledge(app, client, turn)
    if kind == "unfollow":
        with session_scope(app) as session:
            unfollow(session, user_id)
            blocked = get_by_line_id(session, user_id)
            if blocked is not None:  # a seat held for them would wait for nobody
                pass_on_offers_of(session, blocked, now=datetime.now(UTC),
                                  offer_minutes=int(app.config["WAITLIST_OFFER_MINUTES"]))
        return acknowledge(app, client, turn, state="")
    if kind == "unsend":
        _on_unsend(app, user_id, event)
        return acknowledge(app, client, turn)
    if kind not in USER_TURN_EVENTS:
        return acknowledge(app, client, turn)

    codec = app.extensions["machibot.codec"]
    inp = to_input(event, codec)
    if inp is None:
        return acknowledge(app, client, turn)
    _run_turn(app, client, turn, user_id, inp)
    return None


def acknowledge(app: Flask, client: redis.Redis, turn: Turn, *, state: str = "-",
                lock_token: str = "", effects: Effects | None = None) -> None:
    """The last round trip of an event: the steps' Redis writes, the dialog state (see
    END_EVENT), the lock, the person's last handled event number and the stream entry.

    The webhook numbers every event that names a user, in a group too, so the number is
    recorded for those as well: the person's next event must not wait for this one.
    """
    source = turn.event.get("source") if isinstance(turn.event.get("source"), dict) else {}
    user_id = _line_id(source.get("userId"))
    if user_id is None:
        if turn.entry_id:
            forget_entries(client, [turn.entry_id])
        return
    deletes = effects.redis_delete if effects else []
    sets = effects.redis_set if effects else []
    args: list[Any] = [state, app.config["DIALOG_TTL_SECONDS"], lock_token, turn.seq,
                       app.config["DEDUPE_TTL_SECONDS"], keys.WORKER_GROUP,
                       turn.entry_id or "", len(deletes),
                       turn.consumer if turn.read_next and turn.consumer else ""]
    for _key, value, seconds in sets:
        args += [value, seconds]
    read = END_EVENT(client, [keys.dialog_state(user_id), keys.user_lock(user_id),
                              keys.user_done(user_id), keys.EVENT_STREAM, *deletes,
                              *(key for key, _value, _seconds in sets)], args)
    for _stream, entries in read or []:
        turn.following += [(entry_id, dict(zip(fields[::2], fields[1::2], strict=True)))
                           for entry_id, fields in entries]


def forget_entries(client: redis.Redis, entry_ids: list[str]) -> None:
    """Acknowledge stream entries and delete them, in one round trip: a handled entry is
    of no more use, and it holds what a person sent."""
    pipe = client.pipeline(transaction=False)
    pipe.xack(keys.EVENT_STREAM, keys.WORKER_GROUP, *entry_ids)
    pipe.xdel(keys.EVENT_STREAM, *entry_ids)
    pipe.execute()


def apologise(app: Flask, turn: Turn) -> None:
    """Tell the person their message was not handled, when it was one the bot answers.

    For an event given up on (the worker's dead letters): a push with a retry key of its
    own, so that it reaches the person once however often this runs.
    """
    event = turn.event
    user_id = _user_of(event)
    if user_id is None or event.get("mode") == "standby" \
            or _str_or_none(event.get("type")) not in USER_TURN_EVENTS:
        return
    locale = app.config["BOT_DEFAULT_LOCALE"]
    try:
        with session_scope(app) as session:
            user = get_by_line_id(session, user_id)
            locale = user.locale if user is not None else locale
    except Exception:  # the database may be what failed: apologise in the default language
        log.warning("no language for an apology; using the default")
    try:
        get_line(app).send(user_id, [{"type": "text", "text": gettext(locale, SORRY)}],
                           reply_token=None, retry_key_base=f"{turn.event_key}:apology")
    except LineError as exc:
        log.warning("apology not delivered: %s", exc.status)


def to_input(event: dict[str, Any], codec: PostbackCodec) -> Input | None:
    """The person's input, or None for what the bot does not answer (new message types)."""
    kind = event.get("type")
    if kind == "follow":
        return Input("follow")
    if kind == "postback":
        postback = event.get("postback") if isinstance(event.get("postback"), dict) else {}
        params = postback.get("params") if isinstance(postback.get("params"), dict) else {}
        params = {k: str(v) for k, v in params.items() if k in ("date", "time", "datetime")}
        try:
            decoded = codec.decode(postback.get("data", ""))
        except InvalidPostback:
            return Input("postback", invalid=True)
        return Input("postback", action=decoded.action, args=decoded.args, params=params)
    message = event.get("message") if isinstance(event.get("message"), dict) else {}
    mtype = _str_or_none(message.get("type"))
    if mtype == "text":
        text = message.get("text")
        return Input("text", text=clean_text(text) if isinstance(text, str) else "")
    if mtype == "location":
        try:
            lat, lon = float(message["latitude"]), float(message["longitude"])
        except (KeyError, TypeError, ValueError):
            return None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            return None
        return Input("location", latitude=lat, longitude=lon,
                     title=_clean_or_none(message.get("title")),
                     address=_clean_or_none(message.get("address")))
    if mtype in MEDIA_TYPES:
        return Input("media", args={"type": mtype, "id": str(message.get("id", ""))})
    if mtype == "sticker":
        return Input("sticker")
    return None


def clean_text(text: str) -> str:
    """What a person typed, without the characters no store takes: NUL (PostgreSQL refuses
    it in text) and lone surrogates (JSON can carry an escaped half of a pair; UTF-8, and
    so Redis and the database, cannot)."""
    if text.isascii():
        return text.replace("\x00", "")
    return text.replace("\x00", "").encode("utf-8", "ignore").decode("utf-8")


def _clean_or_none(value: object) -> str | None:
    found = _str_or_none(value)
    return clean_text(found) if found is not None else None


def _run_turn(app: Flask, client: redis.Redis, turn: Turn, user_id: str, inp: Input) -> None:
    token = f"{turn.consumer} {uuid.uuid4().hex}" if turn.consumer else uuid.uuid4().hex
    # what a turn may need besides its state (the rich menu map, a pairing, a typed code)
    # is read in the same first round trip: still two Redis round trips a turn
    extra = [IDS_KEY, *live.prefetch_keys(user_id, inp)]
    loaded = _lock_and_load(client, user_id, token, extra, seq=turn.seq,
                            entry_id=turn.entry_id)
    if loaded is None:  # dropped while it waited: its sender deleted their data
        return
    state, fetched = loaded
    line = get_line(app)
    locale = app.config["BOT_DEFAULT_LOCALE"]
    try:
        outcome = _outcome(app, turn, user_id, inp, state, fetched, line)
    except Exception:
        log.exception("turn failed for a %s event", inp.kind)
        outcome = Outcome([{"type": "text", "text": gettext(locale, SORRY)}])
    try:
        if outcome.messages:
            line.send(user_id, outcome.messages, reply_token=_reply_token(turn.event),
                      retry_key_base=turn.event_key, token_fresh_until=_fresh_until(app, turn))
    except LineError as exc:
        log.error("could not deliver %s to a user: %s", describe(outcome.messages), exc.status)
    finally:
        _carry_out(line, turn, outcome.effects, outcome.relink)
        acknowledge(app, client, turn, state=outcome.state, lock_token=token,
                    effects=outcome.effects)
        for person in outcome.effects.forget:
            forget_in_redis(client, person)


def _reply_token(event: dict[str, Any]) -> str | None:
    """LINE's reply tokens are short ASCII; anything else cannot be sent back (the person is
    answered by push instead)."""
    token = event.get("replyToken")
    return token if isinstance(token, str) and token.isascii() and 0 < len(token) <= 256 \
        else None


def _fresh_until(app: Flask, turn: Turn) -> float | None:
    """Until when the event's reply token is known to be fresh (time.time()); None when
    that is not known: LINE redelivers an event with the reply token it had when it was
    first sent, perhaps long ago."""
    context = turn.event.get("deliveryContext")
    if isinstance(context, dict) and context.get("isRedelivery") is not False:
        return None
    return turn.received_at_ms / 1000 + app.config["REPLY_TOKEN_FRESH_SECONDS"]


def _outcome(app: Flask, turn: Turn, user_id: str, inp: Input, state: DialogState,
             fetched: dict[str, str | None], line: LineClient) -> Outcome:
    """The turn's outcome: decided now, or, for an event handled before whose turn changed
    something, the one recorded then (models/turns.py). Recording it in the turn's own
    transaction makes a second handling that runs at the same time fail on its key; it then
    takes the first one's outcome."""
    try:
        with session_scope(app) as session:
            if turn.redelivered:
                done = turns.outcome_of(session, turn.event_key)
                if done is not None:
                    log.info("event handled before: its outcome is delivered again")
                    return Outcome.from_dict(done)
            outcome = _decide(app, session, user_id, inp, state, fetched, line,
                              event_key=turn.event_key)
            if turns.wrote(session):
                # a person who deleted their data this turn is not named in the record
                owner = "" if user_id in outcome.effects.forget else user_id
                turns.record(session, turn.event_key, owner, outcome.to_dict())
            return outcome
    except IntegrityError:
        with session_scope(app) as session:
            done = turns.outcome_of(session, turn.event_key)
        if done is None:
            raise
        log.info("event handled at the same time elsewhere: its outcome is delivered")
        return Outcome.from_dict(done)


def _decide(app: Flask, session: Session, user_id: str, inp: Input, state: DialogState,
            fetched: dict[str, str | None], line: LineClient, *, event_key: str) -> Outcome:
    """Run the turn: the person's step (or a supporter's for the resident they help), with
    the onboarding's welcome for a new friend."""
    router: Router = app.extensions["machibot.router"]
    user = read_at_turn_start(session, user_id)
    is_new = user is None
    name = None  # their LINE name, for this turn's greeting
    if inp.kind == "follow" or user is None:
        user, is_new, name = _follow(app, session, user_id, user)
    elif not user.active:
        user.active, user.left_at = True, None  # they wrote again: they are back
    step_before, agreed_before = state.step, user.consented_at is not None
    # a paired digital supporter's turn runs as the resident they help
    resident = proxy.acting_target(session, user, inp, state.step, fetched)
    changed = proxy.track_changes(session) if resident is not None else set()
    ctx = Context(app, session, resident or user, state, datetime.now(UTC),
                  codec=app.extensions["machibot.codec"],
                  on_loading=lambda: line.show_loading(user_id),
                  fetch_content=lambda mid, limit: line.content(mid, max_bytes=limit),
                  acting_for=resident, supporter=user if resident is not None else None)
    ctx.effects.fetched = fetched
    look = (ctx.user.locale, ctx.user.mode)
    if inp.kind == "follow" or is_new:
        state.step, state.data = None, {}
        reply = onboarding.greet(ctx, is_new=is_new, inp=inp, name=name)
    else:
        reply = router.dispatch(ctx, inp)
    if not agreed_before and user.consented_at is not None and not user.display_name:
        user.display_name = getattr(_profile(app, user_id), "display_name", None)  # from now on
    # applied to the state, then what a new friend sent or tapped before agreeing, answered
    reply = onboarding.carry_on(ctx, inp, reply, router.dispatch, router.starts_something)
    messages = reply.messages
    if resident is not None:
        session.flush()
        messages = proxy.after_proxy_turn(ctx, inp, step_before, messages, changed)
    relink = None
    if is_new or inp.kind == "follow" or (ctx.user.locale, ctx.user.mode) != look:
        relink = (ctx.user.line_user_id,
                  menu_for(fetched.get(IDS_KEY), ctx.user.mode, ctx.user.locale))
    ctx.effects.fetched = {}  # read this turn: not part of what is carried out
    if user_id not in ctx.effects.forget and user.consented_at is not None:
        read_aloud(app.config, session, user, messages, event_key)
    return Outcome(messages, state.dump() or "", ctx.effects, relink)


def _lock_and_load(client: redis.Redis, user_id: str, token: str, extra: list[str], *,
                   seq: int = 0, entry_id: str | None = None,
                   ) -> tuple[DialogState, dict[str, str | None]] | None:
    """Take the per-user lock, read the state and the `extra` keys in one round trip; None
    when the stream entry `entry_id` is gone (see handlers.forget).

    Retries while the lock is held, and also while an earlier event of the same person
    (by the webhook's numbering) is still unhandled, so that two workers never answer one
    person's messages out of order. An earlier event that never comes (trimmed away) holds
    the turn up for at most ORDER_WAIT_SECONDS.
    """
    names = [keys.user_lock(user_id), keys.user_done(user_id), keys.EVENT_STREAM,
             keys.dialog_state(user_id), *extra]
    now = time.monotonic()
    deadline, order_deadline = now + LOCK_MS / 1000 + 5, now + ORDER_WAIT_SECONDS
    while True:
        now = time.monotonic()
        in_order = 1 if seq and now < order_deadline else 0
        answer = BEGIN_TURN(client, names, [token, LOCK_MS, seq, in_order,
                                            1 if now > deadline else 0, entry_id or "",
                                            keys.worker_alive("")])
        if answer == [2]:
            return None
        if len(answer) > 1:  # {0} alone: try again
            raw, *fetched = answer[1:]
            return DialogState.load(raw), dict(zip(extra, fetched, strict=True))
        time.sleep(0.01)


def _carry_out(line: LineClient, turn: Turn, effects: Effects,
               relink: tuple[str, str | None] | None) -> None:
    """After the replies: the pushes steps asked for (announcements to a resident, help
    requests to supporters) and a rich menu link after a change of mode or language."""
    for index, (to, messages) in enumerate(effects.pushes):
        try:
            line.send(to, messages, reply_token=None,
                      retry_key_base=f"{turn.event_key}:effect:{index}")
        except LineError as exc:
            log.error("could not push %s: %s", describe(messages), exc.status)
    if relink is not None and relink[1]:
        try:
            line.link_rich_menu(relink[0], relink[1])
        except LineError as exc:
            log.warning("rich menu not linked: %s", exc.status)


def _follow(app: Flask, session, user_id: str, user):  # type: ignore[no-untyped-def]
    """Create or reactivate the user (`user`: as read this turn, None when new), greeting
    them in their LINE language when supported. Returns (user, is_new, LINE name): the name
    is stored only for people who agreed to the privacy notice (read again when they do)."""
    profile = _profile(app, user_id)
    locale = match_locale(getattr(profile, "language", None), app.config["BOT_DEFAULT_LOCALE"])
    name = getattr(profile, "display_name", None)
    agreed = user is not None and user.consented_at is not None
    return (*welcome(session, user, user_id, locale=locale,
                     display_name=name if agreed else None), name)


def _profile(app: Flask, user_id: str):  # type: ignore[no-untyped-def]
    try:
        return get_line(app).profile(user_id)
    except LineError as exc:
        log.warning("profile lookup failed: %s", exc.status)
        return None


def _answer_group(app: Flask, event: dict[str, Any], turn: Turn) -> None:
    token = event.get("replyToken")
    if not isinstance(token, str):
        return
    locale = app.config["BOT_DEFAULT_LOCALE"]
    text = gettext(locale, "Thank you for inviting me. I can only talk one to one: please "
                           "add me as a friend and message me directly.")
    try:
        get_line(app).reply(token, [{"type": "text", "text": text}])
    except LineError as exc:
        log.info("group greeting not delivered: %s", exc.status)


def _on_unsend(app: Flask, user_id: str, event: dict[str, Any]) -> None:
    """Remove what the person unsent, where a feature stored it."""
    unsend = event.get("unsend") if isinstance(event.get("unsend"), dict) else {}
    message_id = unsend.get("messageId")
    if not isinstance(message_id, str):
        return
    for hook in app.extensions.get("machibot.unsend_hooks", []):
        with session_scope(app) as session:
            hook(session, user_id, message_id)


def _user_of(event: dict[str, Any]) -> str | None:
    """The LINE user id of a one-to-one event (None for groups, rooms and odd sources)."""
    source = event.get("source") if isinstance(event.get("source"), dict) else {}
    return None if source.get("type") in ("group", "room") else _line_id(source.get("userId"))


def _line_id(value: object) -> str | None:
    """A user id as LINE writes them ("U" and 32 hex digits), or as the webhook numbers
    them: anything else names no one the bot can answer."""
    return value if isinstance(value, str) and 0 < len(value) <= 64 and value.isascii() \
        else None


def _str_or_none(value: object) -> str | None:
    return value[:200] if isinstance(value, str) else None

