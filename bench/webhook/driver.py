"""The simulated users of the end-to-end phases: each follows the bot, agrees to the privacy
notice, chooses a mode, then taps menu buttons, and waits for the bot's reply in its
simulator inbox before its next input.

All of them are driven from one thread, so that the driver takes little CPU from the bot
under test: a selector over keep-alive webhook connections (at most one request in flight
on each) and over a Redis keyspace subscription that says whose inbox just got an entry."""

from __future__ import annotations

import os
import secrets
import selectors
import socket
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

import hiredis
import redis

from bot.kernel.composer import Choice
from bot.kernel.postback import PostbackCodec
from dialogs.onboarding import ASK_CONSENT, ASK_MODE
from simulator import events as ev
from simulator.store import SimulatorStore

from .measure import accepting_worker, pct
from .stack import HOST
from .wire import SECRET, parse_answer, webhook_request

TOKEN_TTL_MS = 600_000
TOKENS_AHEAD = 16  # reply tokens issued per user in one round trip
# The dialog every simulated user walks through; then TAPS (rich menu actions) round and round.
ONBOARDING = ("follow", "consent", "mode")
TAPS = ("menu", "help", "settings", "menu", "language", "help")


def step_event(codec: PostbackCodec, user: str, index: int, step_no: int, token: str) -> tuple[
        str, dict]:
    """(kind, event) for a user's step_no-th input: the postbacks of the buttons a person
    would tap (the onboarding answers, then the rich menu)."""
    if step_no == 0:
        return "follow", ev.follow(user, reply_token=token)
    if step_no == 1:
        choice, kind = Choice.answer(ASK_CONSENT, "", "agree"), "consent"
    elif step_no == 2:
        choice, kind = Choice.answer(ASK_MODE, "", "simple" if index % 2 else "standard"), "mode"
    else:
        tap = TAPS[(step_no - 3 + index) % len(TAPS)]
        choice, kind = Choice.go("", tap), f"tap:{tap}"
    return kind, ev.postback(user, codec.encode(choice.action, **choice.args), reply_token=token)


def add_users(r: redis.Redis, users: list[str]) -> None:
    store = SimulatorStore(r)
    for i, user in enumerate(users):
        store.add_user(user, display_name=f"ベンチ{i}", language="ja" if i % 3 else "en")


@dataclass
class Population:
    """Simulated users and how far each is in its dialog, kept from one run to the next:
    the step each sends next, and how long its inbox is known to be (see DialogDriver)."""

    users: list[str]
    step_no: dict[str, int] = field(default_factory=dict)
    pushed: dict[str, int] = field(default_factory=dict)
    swept: dict[str, int] = field(default_factory=dict)

    @classmethod
    def add(cls, r: redis.Redis, prefix: str, count: int) -> Population:
        users = [f"{prefix}{secrets.token_hex(14)}" for _ in range(count)]
        add_users(r, users)
        zero = dict.fromkeys(users, 0)
        return cls(users, dict(zero), dict(zero), dict(zero))

    def onboarded(self) -> bool:
        return all(n >= len(ONBOARDING) for n in self.step_no.values())


class ReplyTokens:
    """Reply tokens for each user's next events, issued TOKENS_AHEAD at a time in one
    pipelined round trip instead of one SET per event."""

    def __init__(self, r: redis.Redis) -> None:
        self.r = r
        self.store = SimulatorStore(r)
        self.stock: dict[str, list[str]] = defaultdict(list)

    def take(self, user: str) -> str:
        stock = self.stock[user]
        if not stock:
            stock.extend(secrets.token_hex(16) for _ in range(TOKENS_AHEAD))
            pipe = self.r.pipeline(transaction=False)
            for token in stock:
                pipe.set(self.store.k("token", token), user, px=TOKEN_TTL_MS)
            pipe.execute()
        return stock.pop()


class WebhookConn:
    """A keep-alive connection to the bot's /callback with at most one request in flight,
    read when the driver's selector finds it readable. The socket blocks: a request goes
    into an empty send buffer (the last answer is in), and recv is called only when
    something is there."""

    def __init__(self, port: int, selector: selectors.BaseSelector,
                 sock: socket.socket | None = None) -> None:
        self.addr = (HOST, port)
        self.selector = selector
        self.sock: socket.socket | None = None
        self.buf = b""
        self.raw = b""  # the request in flight, b"" when idle
        self.user = ""
        self.resent = False
        if sock is not None:
            self._attach(sock)

    def _attach(self, sock: socket.socket) -> None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.selector.register(sock, selectors.EVENT_READ, self)
        self.sock = sock

    def send(self, raw: bytes, user: str) -> None:
        self.raw, self.user, self.resent = raw, user, False
        self._send()

    def _send(self) -> None:
        if self.sock is None:
            self._attach(socket.create_connection(self.addr))
        self.buf = b""
        self.sock.sendall(self.raw)

    def read(self) -> int | None:
        """The status of the answer once it is whole (0: none came), else None."""
        assert self.sock is not None
        try:
            chunk = self.sock.recv(65536)
        except ConnectionError:
            chunk = b""
        if not chunk:
            self.close()
            if not self.raw:
                return None  # an idle keep-alive connection the server closed
            if self.buf or self.resent:
                return self._done(0)
            self.resent = True  # the server closed it as the request went out: once more
            try:
                self._send()
            except OSError:
                return self._done(0)
            return None
        self.buf += chunk
        answer = parse_answer(self.buf)
        if answer is None:
            return None
        if answer[3]:
            self.close()
        return self._done(answer[0])

    def _done(self, status: int) -> int:
        self.raw = b""
        return status

    def close(self) -> None:
        if self.sock is not None:
            self.selector.unregister(self.sock)
            self.sock.close()
        self.sock, self.buf = None, b""


class InboxPushes:
    """Users whose simulator inbox just got an entry, from Redis keyspace notifications: one
    PSUBSCRIBE on a raw socket that the driver's selector watches, parsed by hiredis. Seeing
    a reply costs no request to Redis."""

    def __init__(self, r: redis.Redis, db: int) -> None:
        kwargs = r.connection_pool.connection_kwargs
        if "path" in kwargs:
            self.sock = socket.socket(socket.AF_UNIX)
            self.sock.connect(kwargs["path"])
        else:
            self.sock = socket.create_connection((kwargs.get("host", HOST),
                                                  kwargs.get("port", 6379)))
        self.reader = hiredis.Reader(encoding="utf-8")
        self.channel_prefix = f"__keyspace@{db}__:{SimulatorStore(r).k('inbox', '')}"
        if kwargs.get("password"):
            self._call("AUTH", *filter(None, (kwargs.get("username"), kwargs["password"])))
        self._call("PSUBSCRIBE", self.channel_prefix + "*")

    def _call(self, *args: str) -> None:
        self.sock.sendall(hiredis.pack_command(args))
        while (reply := self.reader.gets()) is False:
            self._feed()
        if isinstance(reply, hiredis.ReplyError):
            raise reply

    def _feed(self) -> None:
        data = self.sock.recv(1 << 16)
        if not data:
            raise redis.ConnectionError("Redis closed the keyspace subscription")
        self.reader.feed(data)

    def users(self) -> list[str]:
        """Once the socket is readable: whose inbox got an entry (one name per entry)."""
        self._feed()
        found = []
        while (message := self.reader.gets()) is not False:
            if message[0] == "pmessage" and message[3] == "rpush":
                found.append(message[2][len(self.channel_prefix):])
        return found

    def close(self) -> None:
        self.sock.close()


def open_spread(port: int, n: int, workers: list[int]) -> tuple[list[socket.socket], list[int]]:
    """n connections to a pre-forked server, as evenly spread over its worker processes as a
    bounded number of tries allows; and how many each worker holds.

    Which worker accepts a connection is up to the kernel, and gunicorn's two workers often
    end up with 28 and 4, or 32 and 0. For a bot that answers inside the webhook (echo, 8
    threads a worker) that halves the concurrency it is offered, so its events/s would
    depend on luck. Connections that land on a worker already holding its share are closed."""
    share = -(-n // max(len(workers), 1))
    held: Counter = Counter()
    kept: list[socket.socket] = []
    for _ in range(20 * n):
        if len(kept) == n:
            break
        sock = socket.create_connection((HOST, port))
        owner = accepting_worker(sock, workers)
        if owner is not None and held[owner] >= share:
            sock.close()
            continue
        held[owner] += 1
        kept.append(sock)
    kept += [socket.create_connection((HOST, port)) for _ in range(n - len(kept))]
    return kept, sorted(held.values(), reverse=True)


class DialogDriver:
    """The simulated users, in one thread: a selector over `senders` keep-alive connections
    to the bot (each with at most one webhook request in flight, so the bot is offered the
    same concurrency as by as many blocking sender threads) and the inbox notifications.

    A user waits for its reply before its next event: a turn ends when the user's inbox in
    the simulator grew beyond its length when the event was sent."""

    def __init__(self, port: int, r: redis.Redis, population: Population, senders: int,
                 notify_db: int | None, web_workers: list[int]) -> None:
        self.port, self.r = port, r
        self.store = SimulatorStore(r)
        self.codec = PostbackCodec(SECRET)
        users = population.users
        self.index = {u: i for i, u in enumerate(users)}
        self.step_no = population.step_no
        # An inbox's length is known to be at least the entries counted from notifications
        # and the LLEN of the last sweep. Two counts, not one: an entry that a sweep saw may
        # have its notification still on the way, and must not count twice.
        self.pushed = population.pushed
        self.swept = population.swept
        self.awaiting: dict[str, tuple[int, float, str]] = {}  # inbox length, sent at, kind
        self.ready = deque(users)
        self.done: list[tuple[float, float, str]] = []  # (when, latency s, kind)
        self.counters: Counter = Counter()
        self.tokens = ReplyTokens(r)
        self.selector = selectors.DefaultSelector()
        socks, self.spread = open_spread(port, senders, web_workers)
        self.conns = [WebhookConn(port, self.selector, sock) for sock in socks]
        self.idle = deque(self.conns)
        self.in_flight = 0
        self.retry: deque[tuple[float, str, WebhookConn]] = deque()  # after a failed request
        self.pushes = None if notify_db is None else InboxPushes(r, notify_db)
        if self.pushes is not None:
            self.selector.register(self.pushes.sock, selectors.EVENT_READ, self.pushes)
        # The sweep catches replies whose notification was missed (none on a healthy
        # connection: a sweep of 300 inboxes would cost more than all the notifications), or
        # every reply without notifications; it also gives up on lost turns.
        self.sweep_every = 2.0 if self.pushes is not None else 0.01
        self.next_sweep = 0.0

    def run(self, duration: float,
            until: Callable[[], bool] = lambda: False) -> tuple[float, float, float]:
        """(start, end, the driver's CPU seconds while it sent, answers in flight included);
        sending stops after `duration` or once `until()` is true."""
        cpu0 = sum(os.times()[:2])
        start = time.time()
        end = start + duration
        self.next_sweep = start + self.sweep_every
        self._run_until(end, sending=True, finished=until)
        end = min(end, time.time())
        self._run_until(end + 30, sending=False, finished=lambda: self.in_flight == 0)
        cpu = sum(os.times()[:2]) - cpu0
        # let the turns in flight finish, so the next phase starts clean
        self._run_until(time.time() + 20, sending=False, finished=lambda: not self.awaiting)
        return start, end, cpu

    def close(self) -> None:
        for conn in self.conns:
            conn.close()
        if self.pushes is not None:
            self.selector.unregister(self.pushes.sock)
            self.pushes.close()
        self.selector.close()

    def _run_until(self, deadline: float, sending: bool, finished: Callable[[], bool]) -> None:
        while not finished() and (now := time.time()) < deadline:
            if sending:
                while self.retry and self.retry[0][0] <= now:
                    _, user, conn = self.retry.popleft()
                    self.ready.append(user)
                    self.idle.append(conn)
                self._send_ready()
            wake = min(deadline, self.next_sweep, self.retry[0][0] if self.retry else deadline)
            for key, _ in self.selector.select(max(wake - time.time(), 0)):
                if key.data is self.pushes:
                    self._pushed(self.pushes.users())
                else:
                    self._answered(key.data)
            if time.time() >= self.next_sweep:
                self._sweep()
                self.next_sweep = time.time() + self.sweep_every

    def _send_ready(self) -> None:
        while self.ready and self.idle:
            user, conn = self.ready.popleft(), self.idle.popleft()
            token = self.tokens.take(user)
            kind, event = step_event(self.codec, user, self.index[user], self.step_no[user],
                                     token)
            raw = webhook_request(ev.body([event]), self.port)
            self.awaiting[user] = (self.inbox_len(user), time.time(), kind)
            self.in_flight += 1
            try:
                conn.send(raw, user)
            except OSError:
                conn.close()
                self._failed(conn)

    def _answered(self, conn: WebhookConn) -> None:
        status = conn.read()
        if status == 200:
            self.in_flight -= 1
            self.idle.append(conn)
        elif status is not None:
            self._failed(conn)

    def _failed(self, conn: WebhookConn) -> None:
        """A webhook request that failed: its user sends the same step again after 50 ms, and
        the connection waits as long (as a blocking sender would)."""
        self.in_flight -= 1
        self.counters["webhook_errors"] += 1
        self.awaiting.pop(conn.user, None)
        self.retry.append((time.time() + 0.05, conn.user, conn))

    def _pushed(self, users: list[str]) -> None:
        now = time.time()
        for user in users:
            if user in self.pushed:
                self.pushed[user] += 1
                waiting = self.awaiting.get(user)
                if waiting is not None and self.inbox_len(user) > waiting[0]:
                    self._complete(user, now)

    def _sweep(self) -> None:
        """LLEN of every awaited inbox in one pipeline; a turn is given up after 20 s."""
        if not self.awaiting:
            return
        users = list(self.awaiting)
        pipe = self.r.pipeline(transaction=False)
        for user in users:
            pipe.llen(self.store.k("inbox", user))
        now = time.time()
        for user, length in zip(users, pipe.execute(), strict=True):
            self.swept[user] = length
            if self.inbox_len(user) > self.awaiting[user][0]:
                self._complete(user, now)
            elif now - self.awaiting[user][1] > 20:
                del self.awaiting[user]
                self.counters["lost_turns"] += 1
                self.step_no[user] += 1
                self.ready.append(user)

    def inbox_len(self, user: str) -> int:
        return max(self.pushed[user], self.swept[user])

    def _complete(self, user: str, now: float) -> None:
        _, sent_at, kind = self.awaiting.pop(user)
        self.step_no[user] += 1
        self.done.append((now, now - sent_at, kind))
        self.ready.append(user)


def onboard(port: int, r: redis.Redis, population: Population, senders: int,
            notify_db: int | None, web_workers: list[int], timeout: float = 60.0) -> None:
    """Drive the users until every one has followed, agreed and chosen a mode (not
    measured): the rounds that follow measure people using the bot, the same in each."""
    driver = DialogDriver(port, r, population, senders, notify_db, web_workers)
    try:
        driver.run(timeout, until=population.onboarded)
    finally:
        driver.close()


def run_dialogs(port: int, r: redis.Redis, population: Population, duration: float,
                warmup: float, senders: int, notify_db: int | None, label: str,
                web_workers: list[int]) -> dict:
    """Closed loop: each user sends its next input once the previous reply reached its inbox.
    web_workers: the bot's gunicorn worker processes, over which the connections are spread."""
    driver = DialogDriver(port, r, population, senders, notify_db, web_workers)
    try:
        start, end, gen_cpu = driver.run(duration)
    finally:
        driver.close()
    users = population.users
    window = [d for d in driver.done if start + warmup <= d[0] <= end]
    kinds = Counter(d[2].split(":")[0] for d in window)
    lat = [d[1] * 1000 for d in window]
    menu_lat = [d[1] * 1000 for d in window if d[2].startswith("tap:")]
    return {
        "label": label, "users": len(users), "senders": senders, "duration_s": duration,
        "connections_per_web_worker": driver.spread, "warmup_s": warmup,
        "turns_in_window": len(window),
        "events_per_s": len(window) / (duration - warmup),
        "turns_by_kind": dict(kinds), "turns_total": len(driver.done),
        "e2e_p50_ms": pct(lat, 0.5), "e2e_p99_ms": pct(lat, 0.99),
        "menu_tap_p50_ms": pct(menu_lat, 0.5), "menu_tap_p99_ms": pct(menu_lat, 0.99),
        "unfinished_after_drain": len(driver.awaiting),
        "lost_turns": driver.counters["lost_turns"],
        "webhook_errors": driver.counters["webhook_errors"],
        "driver_cpu_pct_of_core": 100 * gen_cpu / duration,
    }
