"""One LINE event, one turn: load, route, save, send.

Per turn the Redis traffic is two round trips: one pipeline takes the per-user lock and
reads the dialog state; one pipeline after sending writes the state (sliding TTL), releases
the lock and lets the worker acknowledge the stream entry. SQL rows are committed before
any reply is sent, so a confirmation is never shown for something that was not stored.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import redis
from flask import Flask

from bot import keys
from bot.db import session_scope
from bot.engine import Context, DialogState, Effects, Input
from bot.i18n import gettext, match_locale
from bot.line import LineClient, LineError, describe, get_line
from bot.postback import InvalidPostback, PostbackCodec
from bot.richmenu import IDS_KEY, menu_for
from dialogs import supporters
from handlers.router import Router
from models.users import follow, get_by_line_id, unfollow

log = logging.getLogger(__name__)

LOCK_MS = 30_000
ORDER_WAIT_SECONDS = 3.0
# record the highest handled number of a user's events
MARK_DONE_LUA = """
if tonumber(redis.call('GET', KEYS[1]) or '0') < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
end
return 0
"""
# compare-and-delete, so a turn never releases a lock another worker took after it expired
RELEASE_LUA = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
MEDIA_TYPES = {"image", "video", "audio", "file"}
USER_TURN_EVENTS = {"follow", "message", "postback"}


@dataclass
class Turn:
    """What the worker knows of a stream entry."""

    event: dict[str, Any]
    event_key: str  # webhookEventId, or a hash for events without one
    received_at_ms: int
    seq: int = 0  # this event's number among its user's events (0: not numbered)


def handle_event(app: Flask, client: redis.Redis, turn: Turn,
                 finish: Callable[[redis.client.Pipeline], None]) -> None:
    """Handle one event; `finish` adds the worker's acknowledgement to the last pipeline."""
    event = turn.event
    kind = _str_or_none(event.get("type"))  # a list or dict here would not even hash
    source = event.get("source") if isinstance(event.get("source"), dict) else {}
    user_id = source.get("userId")
    if event.get("mode") == "standby" or source.get("type") in ("group", "room"):
        if event.get("mode") != "standby" and kind == "join":
            _answer_group(app, event, turn)
        return _just_finish(client, finish)
    if not isinstance(user_id, str) or not user_id or len(user_id) > 64:
        return _just_finish(client, finish)
    if kind == "unfollow":
        with session_scope(app) as session:
            unfollow(session, user_id)
        pipe = client.pipeline(transaction=False)
        pipe.delete(keys.dialog_state(user_id))
        finish(pipe)
        pipe.execute()
        return None
    if kind == "unsend":
        _on_unsend(app, user_id, event)
        return _just_finish(client, finish)
    if kind not in USER_TURN_EVENTS:
        return _just_finish(client, finish)

    codec = app.extensions["machibot.codec"]
    inp = to_input(event, codec)
    if inp is None:
        return _just_finish(client, finish)
    _run_turn(app, client, turn, user_id, inp, finish)
    return None


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
        return Input("text", text=text if isinstance(text, str) else "")
    if mtype == "location":
        try:
            lat, lon = float(message["latitude"]), float(message["longitude"])
        except (KeyError, TypeError, ValueError):
            return None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            return None
        return Input("location", latitude=lat, longitude=lon,
                     title=_str_or_none(message.get("title")),
                     address=_str_or_none(message.get("address")))
    if mtype in MEDIA_TYPES:
        return Input("media", args={"type": mtype, "id": str(message.get("id", ""))})
    if mtype == "sticker":
        return Input("sticker")
    return None


def _run_turn(app: Flask, client: redis.Redis, turn: Turn, user_id: str, inp: Input,
              finish: Callable[[redis.client.Pipeline], None]) -> None:
    lock_key, state_key = keys.user_lock(user_id), keys.dialog_state(user_id)
    token = uuid.uuid4().hex
    # what a turn may need besides its state (the rich menu map, a pairing, a typed code)
    # rides in the same first pipeline: still two Redis round trips a turn
    extra = [IDS_KEY, *supporters.prefetch_keys(user_id, inp)]
    state, fetched = _lock_and_load(client, lock_key, state_key, token, extra,
                                    done_key=keys.user_done(user_id), seq=turn.seq)
    line = get_line(app)
    reply_token = turn.event.get("replyToken")
    reply_token = reply_token if isinstance(reply_token, str) else None
    age_ms = time.time() * 1000 - turn.received_at_ms
    fresh = age_ms < app.config["REPLY_TOKEN_FRESH_SECONDS"] * 1000
    router: Router = app.extensions["machibot.router"]
    now = datetime.now(UTC)
    messages: list[dict] = []
    locale = app.config["BOT_DEFAULT_LOCALE"]
    effects = Effects()
    relink: tuple[str, str | None] | None = None
    try:
        with session_scope(app) as session:
            user = get_by_line_id(session, user_id)
            is_new = user is None
            if inp.kind == "follow" or user is None:
                user, is_new = _follow(app, session, user_id)
            elif not user.active:
                user.active = True  # a message from someone marked inactive: they are back
            locale = user.locale
            step_before = state.step
            # a paired digital supporter's turn runs as the resident they help
            resident = supporters.acting_target(session, user, inp, state.step, fetched)
            changed = supporters.track_changes(session) if resident is not None else set()
            ctx = Context(app, session, resident or user, state, now,
                          codec=app.extensions["machibot.codec"],
                          on_loading=lambda: line.show_loading(user_id),
                          fetch_content=lambda mid, limit: line.content(mid, max_bytes=limit),
                          acting_for=resident, supporter=user if resident is not None else None)
            ctx.effects.fetched = fetched
            look = (ctx.user.locale, ctx.user.mode)
            if inp.kind == "follow" or is_new:
                from dialogs.onboarding import greet

                state.step, state.data = None, {}
                reply = greet(ctx, is_new=is_new)
            else:
                reply = router.dispatch(ctx, inp)
            state.apply(reply)
            messages = reply.messages
            if resident is not None:
                session.flush()
                messages = supporters.after_proxy_turn(ctx, inp, step_before, messages, changed)
            if is_new or inp.kind == "follow" or (ctx.user.locale, ctx.user.mode) != look:
                relink = (ctx.user.line_user_id,
                          menu_for(fetched.get(IDS_KEY), ctx.user.mode, ctx.user.locale))
            effects = ctx.effects
    except Exception:
        log.exception("turn failed for a %s event", inp.kind)
        state, effects, relink = DialogState(), Effects(), None
        messages = [{"type": "text", "text": gettext(
            locale, "Sorry, something went wrong on our side. Please try again in a moment, "
            "or type \"menu\".")}]
    try:
        if messages:
            line.send(user_id, messages, reply_token=reply_token if fresh else None,
                      retry_key_base=turn.event_key)
    except LineError as exc:
        log.error("could not deliver %s to a user: %s", describe(messages), exc.status)
    finally:
        _carry_out(line, turn, effects, relink)
        pipe = client.pipeline(transaction=False)
        for key in effects.redis_delete:
            pipe.delete(key)
        for key, value, seconds in effects.redis_set:
            pipe.set(key, value, ex=seconds)
        doc = state.dump()
        if doc is None:
            pipe.delete(state_key)
        else:
            pipe.set(state_key, doc, ex=app.config["DIALOG_TTL_SECONDS"])
        # plain EVAL: a Script object in a pipeline costs an extra SCRIPT EXISTS round trip
        pipe.eval(RELEASE_LUA, 1, lock_key, token)
        finish(pipe)
        pipe.execute()


def _lock_and_load(client: redis.Redis, lock_key: str, state_key: str, token: str,
                   extra: list[str], *, done_key: str, seq: int = 0,
                   ) -> tuple[DialogState, dict[str, str | None]]:
    """Take the per-user lock, read the state and the `extra` keys in one round trip.

    Retries while the lock is held, and also while an earlier event of the same person
    (by the webhook's numbering) is still unhandled, so that two workers never answer one
    person's messages out of order. An earlier event that never comes (trimmed away) holds
    the turn up for at most ORDER_WAIT_SECONDS.
    """
    now = time.monotonic()
    deadline, order_deadline = now + LOCK_MS / 1000 + 5, now + ORDER_WAIT_SECONDS
    while True:
        pipe = client.pipeline(transaction=False)
        pipe.set(lock_key, token, nx=True, px=LOCK_MS)
        pipe.get(done_key)
        pipe.get(state_key)
        if extra:
            pipe.mget(extra)
        locked, done, raw, *values = pipe.execute()
        waiting_for_earlier = seq > int(done or 0) + 1 and time.monotonic() < order_deadline
        if locked and waiting_for_earlier:
            client.eval(RELEASE_LUA, 1, lock_key, token)
        elif locked or time.monotonic() > deadline:
            fetched = dict(zip(extra, values[0], strict=True)) if extra else {}
            return DialogState.load(raw), fetched
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


def _follow(app: Flask, session, user_id: str):  # type: ignore[no-untyped-def]
    """Create or reactivate the user, greeting them in their LINE language when supported."""
    profile = None
    try:
        profile = get_line(app).profile(user_id)
    except LineError as exc:
        log.warning("profile lookup failed: %s", exc.status)
    default = app.config["BOT_DEFAULT_LOCALE"]
    locale = match_locale(profile.language if profile else None, default)
    return follow(session, user_id, locale=locale,
                  display_name=profile.display_name if profile else None)


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


def _just_finish(client: redis.Redis, finish: Callable[[redis.client.Pipeline], None]) -> None:
    pipe = client.pipeline(transaction=False)
    finish(pipe)
    pipe.execute()


def _str_or_none(value: object) -> str | None:
    return value[:200] if isinstance(value, str) else None

