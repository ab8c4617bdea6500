"""The simulator's state in Redis, shared by every process, and its Python API for tests.

All keys live under `key("sim", ...)`. A message-sending request costs one Redis round
trip, the `send` Lua script (failure injection, rate limit, retry key, reply token, quota,
delivery and request log); other API calls pass the `gate` script first.

What a request delivers is stored once per request, not per recipient: a reply or push as
one entry in the user's inbox list, a multicast, narrowcast or broadcast as one entry plus
the list of its recipients. Readers (`messages`, `delivery_count`) put a user's deliveries
together in the order they were accepted and number the messages (`seq`) from 1.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
import uuid
from collections import Counter
from typing import Any

import redis
from flask import Flask, current_app

from bot.keys import key
from bot.redis_store import get_redis

REQUEST_LOG_CAP = 10_000
CONTENT_TTL_SECONDS = 7 * 86_400  # LINE, too, deletes what people sent after a while
RETRY_KEY_TTL_SECONDS = 86_400
DEFAULT_REPLY_TOKEN_TTL = 60.0
# an accepted request answered late waits this long by default: past the bot's default
# LINE_TIMEOUT_SECONDS (10), so that its client gives up on a request that was delivered
DEFAULT_ACCEPTED_DELAY_MS = 15_000

# endpoint name -> (requests, per seconds); "default" covers every other endpoint
DEFAULT_RATE_LIMITS: dict[str, tuple[int, int]] = {
    "default": (2_000, 1),
    "reply": (2_000, 1),
    "push": (2_000, 1),
    "multicast": (200, 1),
    "broadcast": (60, 3_600),
    "narrowcast": (60, 3_600),
    "loading": (100, 1),
    "richmenu_create": (100, 3_600),
    "richmenu_delete": (100, 3_600),
}
# every endpoint name the API uses for rate limits and the request log
ENDPOINTS = frozenset(DEFAULT_RATE_LIMITS) | {
    "validate", "profile", "richmenu_validate", "richmenu_list", "richmenu_get",
    "richmenu_upload", "richmenu_download", "richmenu_default", "richmenu_link",
    "richmenu_bulk", "richmenu_alias", "content",
}

# Both scripts below start with this: whether one more call of an endpoint is over its rate
# limit this window. `s` is the settings' HMGET (rate_limiting, the endpoint's own limit at
# s[3], s[4]); ARGV[5], ARGV[6] the default limit and window.
OVER_RATE_LUA = """
local function over_rate(p, endpoint, s, now)
  if s[3] == '0' then return false end
  local limit, window = tonumber(ARGV[5]), tonumber(ARGV[6])
  if s[4] then
    local l, w = string.match(s[4], '^(%d+)/(%d+)$')
    limit, window = tonumber(l), tonumber(w)
  end
  local bucket = math.floor(tonumber(now) / (window * 1000))
  local k = p .. ':rate:' .. endpoint .. ':' .. window .. ':' .. bucket
  local count = redis.call('INCR', k)
  if count == 1 then redis.call('EXPIRE', k, window + 1) end
  return count > limit
end
"""

# ARGV: prefix, endpoint, random 0..1, now ms, default limit, default window s
GATE_LUA = OVER_RATE_LUA + """
local p = ARGV[1]
local s = redis.call('HMGET', p .. ':settings', 'latency_ms', 'failure_rate', 'rate_limiting',
                     'limit:' .. ARGV[2])
local latency = tonumber(s[1]) or 0
local rate = tonumber(s[2]) or 0
local r = tonumber(ARGV[3])
if rate > 0 and r < rate then
  if r < rate / 2 then return {500, latency} end
  return {429, latency}
end
if over_rate(p, ARGV[2], s, ARGV[4]) then return {429, latency, 1} end
return {0, latency}
"""

# One call per message-sending request: the gate (failure injection, rate limit), then a
# refusal found in Python (bad body or header: answered only once the gate let it through,
# as LINE checks the rate first), the retry key, the recipients, the monthly quota, the
# delivery, the faults that come after acceptance and the request log. Returns {status,
# latency ms, detail}: the request id (200), the accepted request id (409) or LINE's message.
# ARGV: prefix, endpoint, random 0..1 (or '' to skip the gate), now ms, default limit,
#       default window s, request id, retry key or '', reply token or '', refusal status or 0,
#       month ("2026-11"), log cap, retry ttl, number of messages, the messages as one JSON
#       array, random 0..1 for the faults after acceptance (or '' to skip them), then
#       recipient ids (push, multicast); broadcast and narrowcast reach every friend.
# Faults after acceptance (settings accepted_failure_rate, accepted_timeout_rate, drawn from
# one number, the first range first): the request is delivered in full (reply token used,
# retry key recorded, quota counted), then answered 500 as if it had failed (LINE's answer
# lost on its way), or answered only after accepted_delay_ms, past the client's timeout.
# A delivery is one JSON entry per request (its "ord" orders it among every delivery): in
# the user's inbox list for a reply or push; stored once with the list of its recipients
# (friends, in the order given, repeats kept) for a multicast, narrowcast or broadcast, so
# that a 500-recipient multicast writes three keys, not 500. The monthly quota (settings
# field monthly_quota; unset or 0: none) counts one message per recipient of a push,
# multicast, narrowcast or broadcast, as LINE does; replies are free.
SEND_LUA = OVER_RATE_LUA + """
local p, via, now, rid, rkey = ARGV[1], ARGV[2], ARGV[4], ARGV[7], ARGV[8]
local n = tonumber(ARGV[14])
local s = redis.call('HMGET', p .. ':settings', 'latency_ms', 'failure_rate', 'rate_limiting',
                     'limit:' .. via, 'monthly_quota', 'accepted_failure_rate',
                     'accepted_timeout_rate', 'accepted_delay_ms')
local latency = s[1] or '0'
local FAILED = 'An internal error occurred (simulated)'
local function answer(status, recipients, delivered, messages, detail, fault)
  local entry = {at = tonumber(now), endpoint = via, status = status, requestId = rid,
                 recipients = recipients, delivered = delivered, messages = messages,
                 fault = fault}
  if rkey ~= '' then entry.retryKey = rkey end
  if status == 409 then entry.acceptedRequestId = detail end
  redis.call('RPUSH', p .. ':requests', cjson.encode(entry))
  redis.call('LTRIM', p .. ':requests', -tonumber(ARGV[12]), -1)
  return {status, latency, detail or ''}
end
if ARGV[3] ~= '' then
  local rate, r = tonumber(s[2]) or 0, tonumber(ARGV[3])
  if rate > 0 and r < rate then
    if r < rate / 2 then return answer(500, 0, 0, 0, FAILED) end
    return answer(429, 0, 0, 0, 'Too Many Requests')
  end
  if over_rate(p, via, s, now) then return answer(429, 0, 0, 0, 'Too Many Requests') end
end
if ARGV[10] ~= '0' then return answer(tonumber(ARGV[10]), 0, 0, 0) end
if rkey ~= '' then
  local accepted = redis.call('GET', p .. ':retry:' .. rkey)
  if accepted then return answer(409, 0, 0, n, accepted) end
end
local recipients, first = ARGV, 17
if via == 'reply' then
  local user = redis.call('GETDEL', p .. ':token:' .. ARGV[9])
  if not user then return answer(400, 0, 0, n, 'Invalid reply token') end
  recipients, first = {user}, 1
elseif via == 'broadcast' or via == 'narrowcast' then
  recipients, first = redis.call('SMEMBERS', p .. ':friends'), 1
end
local asked = #recipients - first + 1
-- calls with many arguments go in slices: Lua's unpack has a limit
local friends = {}
for at = first, #recipients, 1000 do
  local last = math.min(at + 999, #recipients)
  if via == 'broadcast' or via == 'narrowcast' then
    for i = at, last do friends[#friends + 1] = recipients[i] end
  else
    local found = redis.call('SMISMEMBER', p .. ':friends', unpack(recipients, at, last))
    for i = 1, #found do
      if found[i] == 1 then friends[#friends + 1] = recipients[at + i - 1] end
    end
  end
end
local used_key = p .. ':monthly:' .. ARGV[11]
if via ~= 'reply' then
  local quota = tonumber(s[5] or '0') or 0
  if quota > 0 and tonumber(redis.call('GET', used_key) or '0') + #friends > quota then
    return answer(429, asked, 0, n, 'You have reached your monthly limit.')
  end
end
if #friends > 0 then
  local ord = redis.call('INCR', p .. ':ord')
  local entry = '{"ord":' .. ord .. ',"via":"' .. via .. '","requestId":' .. cjson.encode(rid)
  if rkey ~= '' then entry = entry .. ',"retryKey":' .. cjson.encode(rkey) end
  entry = entry .. ',"at":' .. now .. ',"messages":' .. ARGV[15] .. '}'
  if via == 'reply' or via == 'push' then
    redis.call('RPUSH', p .. ':inbox:' .. friends[1], entry)
  else
    redis.call('SET', p .. ':fanout:' .. rid, entry)
    redis.call('ZADD', p .. ':fanouts', ord, rid)
    for at = 1, #friends, 1000 do
      redis.call('RPUSH', p .. ':fanout:' .. rid .. ':to',
                 unpack(friends, at, math.min(at + 999, #friends)))
    end
  end
  if via ~= 'reply' then
    redis.call('INCRBY', used_key, #friends)
    redis.call('EXPIRE', used_key, 3024000)
  end
end
if rkey ~= '' then redis.call('SET', p .. ':retry:' .. rkey, rid, 'EX', ARGV[13]) end
if ARGV[16] ~= '' then
  local r, failing = tonumber(ARGV[16]), tonumber(s[6] or '0') or 0
  if r < failing then return answer(500, asked, #friends, n, FAILED, 'accepted_failure') end
  if r < failing + (tonumber(s[7] or '0') or 0) then
    latency = tostring(tonumber(latency) + (tonumber(s[8] or '') or DEFAULT_ACCEPTED_DELAY_MS))
    return answer(200, asked, #friends, n, rid, 'accepted_timeout')
  end
end
return answer(200, asked, #friends, n, rid)
""".replace("DEFAULT_ACCEPTED_DELAY_MS", str(DEFAULT_ACCEPTED_DELAY_MS))

# A user's deliveries: {their inbox entries, {copies, entry} of each fan-out reaching them}.
# Every fan-out is looked at: fine for a development stand-in, whose readers are the chat
# page and tests.
STREAM_LUA = """
local p, user = ARGV[1], ARGV[2]
local shared = {}
for _, rid in ipairs(redis.call('ZRANGE', p .. ':fanouts', 0, -1)) do
  local found = redis.call('LPOS', p .. ':fanout:' .. rid .. ':to', user, 'COUNT', 0)
  if #found > 0 then
    shared[#shared + 1] = #found
    shared[#shared + 1] = redis.call('GET', p .. ':fanout:' .. rid)
  end
end
return {redis.call('LRANGE', p .. ':inbox:' .. user, 0, -1), shared}
"""

# LINE ends the loading animation when a message reaches the chat: it shows while no
# delivery to the user is newer than the one current when it started.
START_LOADING_LUA = """
local p, user = ARGV[1], ARGV[2]
redis.call('INCR', p .. ':loading:' .. user)
redis.call('SET', p .. ':loading_until:' .. user, redis.call('GET', p .. ':ord') or '0',
           'EX', ARGV[3])
"""

LOADING_ACTIVE_LUA = """
local p, user = ARGV[1], ARGV[2]
local since = redis.call('GET', p .. ':loading_until:' .. user)
if not since then return 0 end
local last = redis.call('LINDEX', p .. ':inbox:' .. user, -1)
if last and tonumber(string.match(last, '^{"ord":(%d+)')) > tonumber(since) then return 0 end
for _, rid in ipairs(redis.call('ZRANGEBYSCORE', p .. ':fanouts', '(' .. since, '+inf')) do
  if redis.call('LPOS', p .. ':fanout:' .. rid .. ':to', user) then return 0 end
end
return 1
"""


def new_request_id() -> str:
    return str(uuid.uuid4())


def encode_messages(messages: list[dict]) -> str:
    """Messages as stored: one compact JSON array."""
    return json.dumps(messages, ensure_ascii=False, separators=(",", ":"))


class SimulatorStore:
    """Everything the simulator keeps, for the API, the page and tests."""

    def __init__(self, client: redis.Redis) -> None:
        self.redis = client
        self.prefix = key("sim")
        self._gate = client.register_script(GATE_LUA)
        self._send = client.register_script(SEND_LUA)
        self._stream = client.register_script(STREAM_LUA)
        self._start_loading = client.register_script(START_LOADING_LUA)
        self._loading_active = client.register_script(LOADING_ACTIVE_LUA)

    def k(self, *parts: object) -> str:
        return key("sim", *parts)

    # -- users ------------------------------------------------------------------------------

    def add_user(self, user_id: str, display_name: str = "シミュレーター利用者",
                 language: str | None = "ja", *, is_friend: bool = True) -> dict:
        profile = {"userId": user_id, "displayName": display_name}
        if language:
            profile["language"] = language
        with self.redis.pipeline() as pipe:
            pipe.delete(self.k("profile", user_id))
            pipe.hset(self.k("profile", user_id), mapping=profile)
            pipe.sadd(self.k("users"), user_id)
            if is_friend:
                pipe.sadd(self.k("friends"), user_id)
            pipe.execute()
        return profile

    def set_friend(self, user_id: str, is_friend: bool) -> None:
        if is_friend:
            self.redis.sadd(self.k("friends"), user_id)
        else:
            self.redis.srem(self.k("friends"), user_id)

    def has_user(self, user_id: str) -> bool:
        return bool(self.redis.sismember(self.k("users"), user_id))

    def is_friend(self, user_id: str) -> bool:
        return bool(self.redis.sismember(self.k("friends"), user_id))

    def profile(self, user_id: str) -> dict | None:
        """The profile LINE gives the bot, or None for an unknown or blocking user."""
        with self.redis.pipeline() as pipe:
            pipe.hgetall(self.k("profile", user_id))
            pipe.sismember(self.k("friends"), user_id)
            profile, friend = pipe.execute()
        return profile if profile and friend else None

    def users(self) -> list[dict]:
        ids = sorted(self.redis.smembers(self.k("users")))
        with self.redis.pipeline() as pipe:
            for user_id in ids:
                pipe.hgetall(self.k("profile", user_id))
            pipe.smembers(self.k("friends"))
            *profiles, friends = pipe.execute()
        return [dict(p, isFriend=p.get("userId") in friends) for p in profiles if p]

    # -- reply tokens -----------------------------------------------------------------------

    def issue_reply_token(self, user_id: str) -> str:
        token = secrets.token_hex(16)
        ttl = self.redis.hget(self.k("settings"), "reply_token_ttl")
        ttl = float(ttl or DEFAULT_REPLY_TOKEN_TTL)
        self.redis.set(self.k("token", token), user_id, px=max(1, int(ttl * 1000)))
        return token

    # -- settings ---------------------------------------------------------------------------

    def configure(
        self,
        latency_ms: float | None = None,
        failure_rate: float | None = None,
        rate_limits: dict[str, int | tuple[int, int]] | bool | None = None,
        reply_token_ttl: float | None = None,
        rate_limiting: bool | None = None,
        monthly_quota: int | None = None,
        accepted_failure_rate: float | None = None,
        accepted_timeout_rate: float | None = None,
        accepted_delay_ms: float | None = None,
    ) -> dict:
        """Change behaviour knobs for every process. `rate_limits=False` switches limits off;
        a dict maps an endpoint to a limit (keeping its window) or `(limit, window_seconds)`.
        `monthly_quota`: messages a month (one per recipient; replies are free) before LINE
        answers 429 "You have reached your monthly limit."; 0 for none.

        Faults after acceptance, on the message-sending endpoints: the share of requests
        delivered in full (reply token used, retry key recorded) and then answered 500
        (`accepted_failure_rate`), or answered only after `accepted_delay_ms`, default 15 s,
        past the bot's client timeout (`accepted_timeout_rate`). One draw decides both, the
        failure first: their sum is the share of requests that meet either."""
        mapping: dict[str, Any] = {}
        if monthly_quota is not None:
            if monthly_quota < 0:
                raise ValueError("monthly_quota must be >= 0")
            mapping["monthly_quota"] = int(monthly_quota)
        if latency_ms is not None:
            if latency_ms < 0:
                raise ValueError("latency_ms must be >= 0")
            mapping["latency_ms"] = latency_ms
        if failure_rate is not None:
            if not 0 <= failure_rate <= 1:
                raise ValueError("failure_rate must be between 0 and 1")
            mapping["failure_rate"] = failure_rate
        for name, rate in (("accepted_failure_rate", accepted_failure_rate),
                           ("accepted_timeout_rate", accepted_timeout_rate)):
            if rate is not None:
                if not 0 <= rate <= 1:
                    raise ValueError(f"{name} must be between 0 and 1")
                mapping[name] = rate
        if accepted_delay_ms is not None:
            if accepted_delay_ms < 0:
                raise ValueError("accepted_delay_ms must be >= 0")
            mapping["accepted_delay_ms"] = accepted_delay_ms
        if reply_token_ttl is not None:
            if reply_token_ttl <= 0:
                raise ValueError("reply_token_ttl must be > 0")
            mapping["reply_token_ttl"] = reply_token_ttl
        if rate_limits is False:
            rate_limiting = False
        elif rate_limits is True:
            rate_limiting = True
        elif rate_limits:
            for endpoint, value in rate_limits.items():
                if isinstance(value, int | float):
                    window = DEFAULT_RATE_LIMITS.get(endpoint, DEFAULT_RATE_LIMITS["default"])[1]
                    limit = int(value)
                else:
                    limit, window = (int(v) for v in value)
                if limit < 0 or window < 1:
                    raise ValueError(f"bad rate limit for {endpoint}")
                mapping[f"limit:{endpoint}"] = f"{limit}/{window}"
        if rate_limiting is not None:
            mapping["rate_limiting"] = "1" if rate_limiting else "0"
        if mapping:
            self.redis.hset(self.k("settings"), mapping=mapping)
        return self.settings()

    def settings(self) -> dict:
        raw = self.redis.hgetall(self.k("settings"))
        limits = {name: list(v) for name, v in DEFAULT_RATE_LIMITS.items()}
        for field, value in raw.items():
            if field.startswith("limit:"):
                limit, window = value.split("/")
                limits[field[6:]] = [int(limit), int(window)]
        return {
            "latency_ms": float(raw.get("latency_ms", 0)),
            "failure_rate": float(raw.get("failure_rate", 0)),
            "reply_token_ttl": float(raw.get("reply_token_ttl", DEFAULT_REPLY_TOKEN_TTL)),
            "rate_limiting": raw.get("rate_limiting", "1") != "0",
            "rate_limits": limits,
            "monthly_quota": int(raw.get("monthly_quota", 0)),
            "accepted_failure_rate": float(raw.get("accepted_failure_rate", 0)),
            "accepted_timeout_rate": float(raw.get("accepted_timeout_rate", 0)),
            "accepted_delay_ms": float(raw.get("accepted_delay_ms", DEFAULT_ACCEPTED_DELAY_MS)),
            "monthly_usage": self.monthly_usage(),
        }

    def monthly_usage(self) -> int:
        """Messages counted against the monthly quota this month."""
        return int(self.redis.get(self.k("monthly", time.strftime("%Y-%m"))) or 0)

    # -- the API's hot path -----------------------------------------------------------------

    def gate(self, endpoint: str, rand: float) -> tuple[int, float]:
        """(status to answer now or 0 to go on, latency in ms) for one API call."""
        limit, window = DEFAULT_RATE_LIMITS.get(endpoint, DEFAULT_RATE_LIMITS["default"])
        result = self._gate(args=[self.prefix, endpoint, repr(rand), int(time.time() * 1000),
                                  limit, window], client=self.redis)
        return int(result[0]), float(result[1])

    def send(self, endpoint: str, messages_json: str, count: int, *, request_id: str,
             to: list[str] = (), retry_key: str | None = None, reply_token: str | None = None,
             refusal: int = 0, rand: float | None = None,
             accepted_rand: float | None = None) -> tuple[int, float, str]:
        """One message-sending request in one round trip: (status, latency ms, detail).

        `messages_json` is the request's messages as one JSON array (`count` of them).
        `rand` (0..1) draws failure injection and counts the rate limit; None skips both.
        `accepted_rand` (0..1) draws the faults after acceptance; None skips them.
        `refusal`: the status of a refusal found in the request itself, answered (and
        logged) only if the gate lets the request through. Detail: the request id (200),
        the accepted request id (409) or LINE's message (400, 429, 500)."""
        limit, window = DEFAULT_RATE_LIMITS.get(endpoint, DEFAULT_RATE_LIMITS["default"])
        now = time.time()
        status, latency, detail = self._send(args=[
            self.prefix, endpoint, "" if rand is None else repr(rand), int(now * 1000), limit,
            window, request_id, retry_key or "", reply_token or "", refusal,
            time.strftime("%Y-%m", time.localtime(now)), REQUEST_LOG_CAP, RETRY_KEY_TTL_SECONDS,
            count, messages_json, "" if accepted_rand is None else repr(accepted_rand), *to],
            client=self.redis)
        return int(status), float(latency), detail

    def deliver(self, via: str, messages: list[dict], *, request_id: str, to: list[str] = (),
                retry_key: str | None = None, reply_token: str | None = None) -> tuple[int, str]:
        """`send` without the gate: (200, request id) | (409, accepted request id) |
        (400 or 429, reason)."""
        status, _, detail = self.send(via, encode_messages(messages), len(messages),
                                      request_id=request_id, to=to, retry_key=retry_key,
                                      reply_token=reply_token)
        return status, detail

    def log_request(self, endpoint: str, status: int, *, request_id: str | None = None,
                    retry_key: str | None = None) -> None:
        """Log a call that sends no messages (`send` logs its own)."""
        entry: dict[str, Any] = {"at": int(time.time() * 1000), "endpoint": endpoint,
                                 "status": status, "recipients": 0, "delivered": 0,
                                 "messages": 0}
        if request_id:
            entry["requestId"] = request_id
        if retry_key:
            entry["retryKey"] = retry_key
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.rpush(self.k("requests"), json.dumps(entry))
            pipe.ltrim(self.k("requests"), -REQUEST_LOG_CAP, -1)
            pipe.execute()

    # -- what tests read --------------------------------------------------------------------

    def _deliveries_to(self, user_id: str) -> list[tuple[int, dict]]:
        """(copies, request entry) of each delivery to a user, oldest first; a multicast
        naming the user twice reached them twice."""
        own, shared = self._stream(args=[self.prefix, user_id], client=self.redis)
        found = [(1, json.loads(entry)) for entry in own]
        found += [(int(shared[i]), json.loads(shared[i + 1])) for i in range(0, len(shared), 2)]
        found.sort(key=lambda delivery: delivery[1]["ord"])
        return found

    def messages(self, user_id: str, after_seq: int = 0) -> list[dict]:
        """Messages delivered to a user, oldest first: `{"seq", "via", "requestId",
        "retryKey" (when sent with one), "at", "message"}`; `seq` numbers them from 1."""
        out: list[dict] = []
        for copies, entry in self._deliveries_to(user_id):
            head = {k: v for k, v in entry.items() if k not in ("ord", "messages")}
            for _ in range(copies):
                out += [{"seq": len(out) + i + 1, **head, "message": message}
                        for i, message in enumerate(entry["messages"])]
        return out[max(0, int(after_seq)):]

    def requests(self) -> list[dict]:
        """The capped log of API requests, oldest first (never tokens or message bodies)."""
        return [json.loads(item) for item in self.redis.lrange(self.k("requests"), 0, -1)]

    def deliveries(self) -> Counter[tuple[str, str]]:
        """Accepted requests that reached each user, by (user id, retry key or "")."""
        counts: Counter[tuple[str, str]] = Counter()
        inbox = self.k("inbox", "")
        names = list(self.redis.scan_iter(match=inbox + "*", count=1000))
        rids = self.redis.zrange(self.k("fanouts"), 0, -1)
        with self.redis.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.lrange(name, 0, -1)
            for rid in rids:
                pipe.get(self.k("fanout", rid))
                pipe.lrange(self.k("fanout", rid, "to"), 0, -1)
            found = pipe.execute()
        own, shared = found[:len(names)], found[len(names):]
        for name, entries in zip(names, own, strict=True):
            for entry in entries:
                counts[name[len(inbox):], json.loads(entry).get("retryKey", "")] += 1
        for i in range(0, len(shared), 2):
            retry_key = json.loads(shared[i]).get("retryKey", "")
            counts.update((user, retry_key) for user in shared[i + 1])
        return counts

    def delivery_count(self, user_id: str | None = None, retry_key: str | None = None) -> int:
        """How many accepted requests reached `user_id` (and carried `retry_key`)."""
        if user_id is None:
            return sum(count for (_, key_), count in self.deliveries().items()
                       if retry_key is None or key_ == retry_key)
        return sum(copies for copies, entry in self._deliveries_to(user_id)
                   if retry_key is None or entry.get("retryKey", "") == retry_key)

    def loading_shown(self, user_id: str) -> bool:
        """Whether the bot started the loading animation for this user since the last reset."""
        return bool(self.redis.exists(self.k("loading", user_id)))

    def loading_active(self, user_id: str) -> bool:
        """Whether the loading animation shows: started, not timed out, and no message has
        reached the user since."""
        return bool(self._loading_active(args=[self.prefix, user_id], client=self.redis))

    def start_loading(self, user_id: str, seconds: int) -> None:
        self._start_loading(args=[self.prefix, user_id, seconds], client=self.redis)

    def reset(self) -> None:
        """Forget everything the simulator holds (every `key("sim", ...)` key)."""
        batch: list[str] = []
        for name in self.redis.scan_iter(match=self.k("*"), count=1000):
            batch.append(name)
            if len(batch) >= 500:
                self.redis.delete(*batch)
                batch = []
        if batch:
            self.redis.delete(*batch)

    # -- content people send (images) -------------------------------------------------------

    def set_content(self, message_id: str, data: bytes, content_type: str) -> None:
        """What a simulated user sent in message `message_id`, for the content endpoint."""
        name = self.k("content", message_id)
        with self.redis.pipeline() as pipe:
            # the client decodes responses, so the bytes are kept as Base64 text
            pipe.hset(name, mapping={"type": content_type,
                                     "data": base64.b64encode(data).decode()})
            pipe.expire(name, CONTENT_TTL_SECONDS)
            pipe.execute()

    def content(self, message_id: str) -> tuple[bytes, str] | None:
        raw = self.redis.hgetall(self.k("content", message_id))
        if not raw:
            return None
        return base64.b64decode(raw["data"]), raw["type"]

    # -- rich menus -------------------------------------------------------------------------

    def rich_menu(self, menu_id: str) -> dict | None:
        raw = self.redis.get(self.k("richmenu", menu_id))
        return json.loads(raw) if raw else None

    def rich_menus(self) -> list[dict]:
        ids = sorted(self.redis.smembers(self.k("richmenus")))
        if not ids:
            return []
        raw = self.redis.mget([self.k("richmenu", i) for i in ids])
        return [json.loads(r) for r in raw if r]

    def rich_menu_count(self) -> int:
        return int(self.redis.scard(self.k("richmenus")))

    def create_rich_menu(self, menu: dict) -> str:
        menu_id = "richmenu-" + secrets.token_hex(16)
        stored = dict(menu, richMenuId=menu_id)
        with self.redis.pipeline() as pipe:
            pipe.set(self.k("richmenu", menu_id), json.dumps(stored, ensure_ascii=False))
            pipe.sadd(self.k("richmenus"), menu_id)
            pipe.execute()
        return menu_id

    def delete_rich_menu(self, menu_id: str) -> bool:
        with self.redis.pipeline() as pipe:
            pipe.delete(self.k("richmenu", menu_id), self.k("richmenu_image", menu_id))
            pipe.srem(self.k("richmenus"), menu_id)
            pipe.get(self.k("default_richmenu"))
            deleted, _, default = pipe.execute()
        if default == menu_id:
            self.redis.delete(self.k("default_richmenu"))
        return bool(deleted)

    def has_image(self, menu_id: str) -> bool:
        return bool(self.redis.exists(self.k("richmenu_image", menu_id)))

    def set_image(self, menu_id: str, data: bytes, content_type: str) -> None:
        # The client decodes responses, so the bytes are kept as Base64 text.
        self.redis.hset(self.k("richmenu_image", menu_id), mapping={
            "type": content_type, "data": base64.b64encode(data).decode()})

    def image(self, menu_id: str) -> tuple[bytes, str] | None:
        raw = self.redis.hgetall(self.k("richmenu_image", menu_id))
        if not raw:
            return None
        return base64.b64decode(raw["data"]), raw["type"]

    def default_rich_menu(self) -> str | None:
        return self.redis.get(self.k("default_richmenu"))

    def set_default_rich_menu(self, menu_id: str | None) -> None:
        if menu_id:
            self.redis.set(self.k("default_richmenu"), menu_id)
        else:
            self.redis.delete(self.k("default_richmenu"))

    def linked_rich_menu(self, user_id: str) -> str | None:
        return self.redis.get(self.k("user_richmenu", user_id))

    def link_rich_menu(self, user_ids: list[str], menu_id: str | None) -> None:
        with self.redis.pipeline(transaction=False) as pipe:
            for user_id in user_ids:
                if menu_id:
                    pipe.set(self.k("user_richmenu", user_id), menu_id)
                else:
                    pipe.delete(self.k("user_richmenu", user_id))
            pipe.execute()

    def rich_menu_for(self, user_id: str) -> dict | None:
        """The menu a user sees (linked, else default): `{"richMenuId", "richMenu",
        "hasImage", "linked"}`, or None."""
        for menu_id, linked in ((self.linked_rich_menu(user_id), True),
                                (self.default_rich_menu(), False)):
            menu = self.rich_menu(menu_id) if menu_id else None
            if menu:
                return {"richMenuId": menu_id, "richMenu": menu,
                        "hasImage": self.has_image(menu_id), "linked": linked}
        return None

    def alias(self, alias_id: str) -> dict | None:
        menu_id = self.redis.hget(self.k("aliases"), alias_id)
        return {"richMenuAliasId": alias_id, "richMenuId": menu_id} if menu_id else None

    def aliases(self) -> list[dict]:
        return [{"richMenuAliasId": a, "richMenuId": m}
                for a, m in sorted(self.redis.hgetall(self.k("aliases")).items())]

    def set_alias(self, alias_id: str, menu_id: str | None) -> None:
        if menu_id:
            self.redis.hset(self.k("aliases"), alias_id, menu_id)
        else:
            self.redis.hdel(self.k("aliases"), alias_id)


def get_store(app: Flask | None = None) -> SimulatorStore:
    """The simulator store of this app (default: the current one), on the app's Redis client."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    client = get_redis(app)
    store = app.extensions.get("machibot.simulator")
    if store is None or store.redis is not client:
        store = SimulatorStore(client)
        app.extensions["machibot.simulator"] = store
    return store
