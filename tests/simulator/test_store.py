"""The simulator's Python API and webhook event builders."""

from __future__ import annotations

import json

from linebot.v3 import SignatureValidator

from bot.keys import key
from bot.redis_store import get_redis
from simulator import events as ev


def test_reset_deletes_only_simulator_keys(app, store):
    store.add_user("Ur", "R")
    store.issue_reply_token("Ur")
    get_redis(app).set(key("state", "Ur"), "kept")
    store.reset()
    assert not get_redis(app).keys(key("sim", "*"))
    assert get_redis(app).get(key("state", "Ur")) == "kept"


def test_rich_menu_for_a_user_without_any_menu_is_none(store):
    assert store.rich_menu_for("Unobody") is None


def test_admin_settings_refuse_an_unknown_endpoint(client):
    answer = client.post("/simulator/admin/settings", json={"rate_limits": {"pusj": 1}})
    assert answer.status_code == 400


def test_delivery_count_is_per_user_and_retry_key(store):
    store.add_user("Ua", "A")
    store.add_user("Ub", "B")
    store.deliver("multicast", [{"type": "text", "text": "x"}], request_id="r1",
                  to=["Ua", "Ub"], retry_key="k1")
    store.deliver("push", [{"type": "text", "text": "y"}], request_id="r2", to=["Ua"])
    assert store.delivery_count() == 3
    assert store.delivery_count("Ua") == 2
    assert store.delivery_count("Ua", "k1") == 1
    assert store.delivery_count(retry_key="k1") == 2


def test_a_multicast_naming_a_user_twice_counts_as_two_deliveries(store):
    store.add_user("Ua", "A")
    status, _ = store.deliver("multicast", [{"type": "text", "text": "x"}], request_id="r1",
                              to=["Ua", "Ua"])
    assert status == 200
    assert store.delivery_count("Ua") == 2  # exactly-once checks see the repeat
    assert [m["message"]["text"] for m in store.messages("Ua")] == ["x", "x"]


def test_event_shapes_match_line(app):
    event = ev.text("Ux", "やあ", reply_token="t")
    assert len(event["webhookEventId"]) == 26
    assert event["mode"] == "active" and event["deliveryContext"] == {"isRedelivery": False}
    assert event["source"] == {"type": "user", "userId": "Ux"}
    assert "replyToken" not in ev.unfollow("Ux")
    assert ev.postback("Ux", "d", {"date": "2025-05-01"})["postback"]["params"] == {
        "date": "2025-05-01"}
    body = ev.body([event])
    assert json.loads(body)["destination"] == "Usimulatorbot"
    secret = app.config["LINE_CHANNEL_SECRET"]
    validator = SignatureValidator(secret)  # the webhook's check
    assert validator.validate(body.decode(), ev.sign(secret, body))
    assert not validator.validate(body.decode() + " ", ev.sign(secret, body))


def test_ulids_sort_by_time():
    assert ev.ulid(1_000) < ev.ulid(2_000)
