"""Each test checks one LINE rule the simulator enforces on the bot's API calls."""

from __future__ import annotations

import io
import json
import random
import time
import urllib.error
import urllib.request
import uuid

import pytest
from PIL import Image

API = "/simulator/v2/bot"
DATA_API = "/simulator/data/v2/bot"  # api-data.line.me
USER = "U" + "1" * 32


@pytest.fixture
def friend(store):
    store.add_user(USER, "テスト", "ja")
    return USER


def text(value: str = "hi") -> dict:
    return {"type": "text", "text": value}


def push(client, auth, messages, *, to=USER, retry_key=None):
    headers = dict(auth)
    if retry_key:
        headers["X-Line-Retry-Key"] = retry_key
    body = {"to": to, "messages": messages}
    return client.post(f"{API}/message/push", json=body, headers=headers)


def flex(contents, alt="card") -> dict:
    return {"type": "flex", "altText": alt, "contents": contents}


def bubble(*texts: str) -> dict:
    return {"type": "bubble", "body": {"type": "box", "layout": "vertical",
                                       "contents": [{"type": "text", "text": t} for t in texts]}}


def quick(*actions) -> dict:
    return {"items": [{"type": "action", "action": a} for a in actions]}


def png(width: int, height: int, fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "green").save(out, fmt)
    return out.getvalue()


MENU = {"size": {"width": 2500, "height": 843}, "selected": True, "name": "main",
        "chatBarText": "メニュー", "areas": [
            {"bounds": {"x": 0, "y": 0, "width": 1250, "height": 843},
             "action": {"type": "postback", "data": "menu=help"}}]}


# -- authorization, envelope ---------------------------------------------------------------


def test_missing_or_wrong_token_is_401(client, friend):
    answer = client.post(f"{API}/message/push", json={"to": USER, "messages": [text()]},
                         headers={"Authorization": "Bearer wrong"})
    assert answer.status_code == 401
    assert "Authentication failed" in answer.json["message"]


def test_success_carries_a_request_id(client, auth, friend):
    answer = push(client, auth, [text()])
    assert answer.status_code == 200
    assert uuid.UUID(answer.headers["x-line-request-id"])


def test_a_body_that_is_not_json_is_refused(client, auth, store, friend):
    answer = client.post(f"{API}/message/push", data=b'{"to": "U1", "messages": [',
                         headers={**auth, "Content-Type": "application/json"})
    assert answer.status_code == 400
    assert answer.json == {"message": "The request body could not be parsed as JSON"}
    assert store.requests()[-1]["status"] == 400


def test_six_messages_are_refused(client, auth, store, friend):
    answer = push(client, auth, [text()] * 6)
    assert answer.status_code == 400
    assert answer.json["details"][0]["property"] == "messages"
    assert store.messages(USER) == []


# -- text ----------------------------------------------------------------------------------


def test_text_limit_counts_utf16_units(client, auth, friend):
    assert push(client, auth, [text("😀" * 2500)]).status_code == 200  # 5,000 units
    answer = push(client, auth, [text("😀" * 2500 + "a")])
    assert answer.status_code == 400
    assert answer.json["details"][0]["property"] == "messages[0].text"


def test_empty_text_is_refused(client, auth, friend):
    assert push(client, auth, [text("")]).status_code == 400


# -- quick reply and actions ---------------------------------------------------------------


def test_fourteen_quick_reply_items_are_refused(client, auth, friend):
    item = {"type": "message", "label": "はい", "text": "はい"}
    assert push(client, auth, [dict(text(), quickReply=quick(*[item] * 13))]).status_code == 200
    answer = push(client, auth, [dict(text(), quickReply=quick(*[item] * 14))])
    assert answer.status_code == 400
    assert answer.json["details"][0]["property"] == "messages[0].quickReply.items"


def test_quick_reply_label_over_20_chars_is_refused(client, auth, friend):
    answer = push(client, auth, [dict(text(), quickReply=quick(
        {"type": "message", "label": "あ" * 21, "text": "x"}))])
    assert answer.status_code == 400
    assert answer.json["details"][0]["property"] == "messages[0].quickReply.items[0].action.label"


def test_postback_data_over_300_chars_is_refused(client, auth, friend):
    action = {"type": "postback", "label": "ok", "data": "d" * 301}
    answer = push(client, auth, [dict(text(), quickReply=quick(action))])
    assert answer.status_code == 400
    assert answer.json["details"][0]["property"].endswith("action.data")


def test_datetimepicker_data_over_300_chars_is_refused(client, auth, friend):
    action = {"type": "datetimepicker", "label": "日付", "data": "d" * 301, "mode": "date"}
    assert push(client, auth, [dict(text(), quickReply=quick(action))]).status_code == 400


def test_uri_action_needs_a_line_scheme(client, auth, friend):
    action = {"type": "uri", "label": "open", "uri": "javascript:alert(1)"}
    assert push(client, auth, [dict(text(), quickReply=quick(action))]).status_code == 400


# -- flex ----------------------------------------------------------------------------------


def test_flex_needs_alt_text(client, auth, friend):
    answer = push(client, auth, [flex(bubble("a"), alt="")])
    assert answer.status_code == 400
    assert answer.json["details"][0]["property"] == "messages[0].altText"


def test_audio_needs_an_https_address_and_a_duration(client, auth, friend):
    good = {"type": "audio", "originalContentUrl": "https://example.jp/a.mp3", "duration": 2500}
    assert push(client, auth, [good]).status_code == 200
    for bad, field in (({**good, "originalContentUrl": "http://example.jp/a.mp3"},
                        "originalContentUrl"),
                       ({k: v for k, v in good.items() if k != "duration"}, "duration"),
                       ({**good, "duration": 0}, "duration")):
        answer = push(client, auth, [bad])
        assert answer.status_code == 400
        assert answer.json["details"][0]["property"] == f"messages[0].{field}"


def test_flex_bubble_over_30_kb_is_refused(client, auth, friend):
    assert push(client, auth, [flex(bubble("x" * 29_000))]).status_code == 200
    assert push(client, auth, [flex(bubble("x" * 31_000))]).status_code == 400


def test_the_bubble_limit_is_per_bubble_not_per_request(client, auth, friend):
    assert push(client, auth, [flex(bubble("x" * 20_000))] * 2).status_code == 200


def test_carousel_over_12_bubbles_is_refused(client, auth, friend):
    twelve = flex({"type": "carousel", "contents": [bubble("a")] * 12})
    assert push(client, auth, [twelve]).status_code == 200
    answer = push(client, auth, [flex({"type": "carousel", "contents": [bubble("a")] * 13})])
    assert answer.status_code == 400
    assert answer.json["details"][0]["property"] == "messages[0].contents.contents"


def test_carousel_over_50_kb_is_refused(client, auth, friend):
    large = flex({"type": "carousel", "contents": [bubble("x" * 20_000)] * 3})
    answer = push(client, auth, [large])
    assert answer.status_code == 400


def test_flex_button_without_action_is_refused(client, auth, friend):
    card = {"type": "bubble", "footer": {"type": "box", "layout": "vertical",
                                          "contents": [{"type": "button"}]}}
    answer = push(client, auth, [flex(card)])
    assert answer.status_code == 400
    assert answer.json["details"][0]["property"] == "messages[0].contents.footer.contents[0].action"


def test_unknown_flex_component_is_refused(client, auth, friend):
    card = {"type": "bubble", "body": {"type": "box", "layout": "vertical",
                                        "contents": [{"type": "paragraph", "text": "x"}]}}
    assert push(client, auth, [flex(card)]).status_code == 400


# -- reply tokens --------------------------------------------------------------------------


def test_reply_token_is_single_use(client, auth, store, friend):
    token = store.issue_reply_token(USER)
    body = {"replyToken": token, "messages": [text()]}
    assert client.post(f"{API}/message/reply", json=body, headers=auth).status_code == 200
    again = client.post(f"{API}/message/reply", json=body, headers=auth)
    assert again.status_code == 400
    assert again.json == {"message": "Invalid reply token"}
    assert len(store.messages(USER)) == 1


def test_reply_token_expires(client, auth, store, friend):
    store.configure(reply_token_ttl=0.2)
    token = store.issue_reply_token(USER)
    time.sleep(0.35)
    answer = client.post(f"{API}/message/reply", json={"replyToken": token, "messages": [text()]},
                         headers=auth)
    assert answer.status_code == 400
    assert answer.json["message"] == "Invalid reply token"


def test_invalid_reply_does_not_use_up_the_token(client, auth, store, friend):
    token = store.issue_reply_token(USER)
    bad = client.post(f"{API}/message/reply", json={"replyToken": token, "messages": [text("")]},
                      headers=auth)
    assert bad.status_code == 400
    good = client.post(f"{API}/message/reply", json={"replyToken": token, "messages": [text()]},
                       headers=auth)
    assert good.status_code == 200


# -- retry keys ----------------------------------------------------------------------------


def test_retry_key_on_reply_is_refused(client, auth, store, friend):
    token = store.issue_reply_token(USER)
    answer = client.post(f"{API}/message/reply", json={"replyToken": token, "messages": [text()]},
                         headers={**auth, "X-Line-Retry-Key": str(uuid.uuid4())})
    assert answer.status_code == 400
    assert store.messages(USER) == []


def test_retry_key_must_be_a_uuid(client, auth, friend):
    assert push(client, auth, [text()], retry_key="not-a-uuid").status_code == 400


def test_repeated_retry_key_answers_409_with_accepted_request_id(client, auth, store, friend):
    key = str(uuid.uuid4())
    first = push(client, auth, [text()], retry_key=key)
    second = push(client, auth, [text()], retry_key=key)
    assert first.status_code == 200
    assert second.status_code == 409
    assert second.headers["x-line-accepted-request-id"] == first.headers["x-line-request-id"]
    assert store.delivery_count(USER, key) == 1
    assert len(store.messages(USER)) == 1


def test_failed_request_does_not_consume_the_retry_key(client, auth, store, friend):
    key = str(uuid.uuid4())
    assert push(client, auth, [text("")], retry_key=key).status_code == 400
    assert push(client, auth, [text()], retry_key=key).status_code == 200


# -- recipients ----------------------------------------------------------------------------


def test_push_to_a_blocking_user_is_accepted_but_not_delivered(client, auth, store, friend):
    store.set_friend(USER, False)
    assert push(client, auth, [text()]).status_code == 200
    assert store.messages(USER) == []
    assert client.get(f"{API}/profile/{USER}", headers=auth).status_code == 404


def test_profile_language_is_absent_when_not_shared(client, auth, store):
    store.add_user(USER, "名無し", language=None)
    profile = client.get(f"{API}/profile/{USER}", headers=auth).json
    assert profile["displayName"] == "名無し"
    assert "language" not in profile


def test_multicast_over_500_recipients_is_refused(client, auth, friend):
    body = {"to": [USER] * 501, "messages": [text()]}
    assert client.post(f"{API}/message/multicast", json=body, headers=auth).status_code == 400


def test_broadcast_reaches_every_friend_only(client, auth, store):
    store.add_user("Ua", "A")
    store.add_user("Ub", "B")
    store.set_friend("Ub", False)
    assert client.post(f"{API}/message/broadcast", json={"messages": [text()]},
                       headers=auth).status_code == 200
    assert [m["via"] for m in store.messages("Ua")] == ["broadcast"]
    assert store.messages("Ub") == []


def test_multicast_reaches_the_friends_it_names(client, auth, store, friend):
    store.add_user("Ublocking", "B")
    store.set_friend("Ublocking", False)
    body = {"to": [USER, "Ublocking", "Unobody"], "messages": [text("a"), text("b")]}
    assert client.post(f"{API}/message/multicast", json=body, headers=auth).status_code == 200
    assert [m["message"]["text"] for m in store.messages(USER)] == ["a", "b"]
    assert store.messages("Ublocking") == [] and store.messages("Unobody") == []
    logged = store.requests()[-1]
    assert (logged["recipients"], logged["delivered"]) == (3, 1)


def test_loading_ends_when_a_message_reaches_the_user(client, auth, store, friend):
    store.add_user("Uother", "O")
    client.post(f"{API}/chat/loading/start", json={"chatId": USER, "loadingSeconds": 20},
                headers=auth)
    assert store.loading_active(USER)
    multicast = {"to": ["Uother"], "messages": [text()]}
    client.post(f"{API}/message/multicast", json=multicast, headers=auth)
    assert store.loading_active(USER)  # someone else's message
    client.post(f"{API}/message/multicast", json=dict(multicast, to=["Uother", USER]),
                headers=auth)
    assert not store.loading_active(USER)
    client.post(f"{API}/chat/loading/start", json={"chatId": USER, "loadingSeconds": 20},
                headers=auth)
    assert store.loading_active(USER)
    push(client, auth, [text()])
    assert not store.loading_active(USER)


def test_loading_seconds_must_be_a_multiple_of_five(client, auth, store, friend):
    bad = client.post(f"{API}/chat/loading/start", json={"chatId": USER, "loadingSeconds": 7},
                      headers=auth)
    good = client.post(f"{API}/chat/loading/start", json={"chatId": USER, "loadingSeconds": 5},
                       headers=auth)
    assert (bad.status_code, good.status_code) == (400, 202)
    assert store.loading_shown(USER)


# -- behaviour knobs -----------------------------------------------------------------------


def test_failure_rate_is_roughly_honoured(client, auth, store, friend):
    store.configure(failure_rate=0.5, rate_limiting=False)
    statuses = [push(client, auth, [text()]).status_code for _ in range(400)]
    failed = sum(s in (500, 429) for s in statuses)
    assert 140 <= failed <= 260
    assert statuses.count(500) > 40 and statuses.count(429) > 40
    assert len(store.messages(USER)) == statuses.count(200)


def test_rate_limit_answers_429_above_the_limit(client, auth, store, friend):
    store.configure(rate_limits={"push": (3, 60)})
    statuses = [push(client, auth, [text()]).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    assert push(client, auth, [text()]).json == {"message": "Too Many Requests"}


def test_the_rate_limit_is_checked_before_the_body(client, auth, store, friend):
    store.configure(rate_limits={"push": (2, 60)})
    statuses = [push(client, auth, [text("")]).status_code for _ in range(3)]
    assert statuses == [400, 400, 429]


def test_monthly_quota_counts_recipients_and_leaves_replies_free(client, auth, store, friend):
    store.add_user("Ub", "B")
    store.configure(monthly_quota=3)
    body = {"to": [USER, "Ub"], "messages": [text("1")]}
    assert client.post(f"{API}/message/multicast", json=body, headers=auth).status_code == 200
    refused = client.post(f"{API}/message/multicast", json=body, headers=auth)
    assert refused.status_code == 429
    assert refused.json == {"message": "You have reached your monthly limit."}
    assert push(client, auth, [text("2")]).status_code == 200
    token = store.issue_reply_token(USER)
    reply = client.post(f"{API}/message/reply", json={"replyToken": token, "messages": [text()]},
                        headers=auth)
    assert reply.status_code == 200
    assert len(store.messages(USER)) == 3 and store.monthly_usage() == 3


def test_broadcast_is_limited_per_hour_by_default(client, auth, store, friend):
    statuses = [client.post(f"{API}/message/broadcast", json={"messages": [text()]},
                            headers=auth).status_code for _ in range(61)]
    assert statuses[:60] == [200] * 60
    assert statuses[60] == 429


def test_rate_limiting_can_be_switched_off(client, auth, store, friend):
    client.post("/simulator/admin/settings",
                json={"rate_limits": {"push": 1}, "rate_limiting": False})
    assert [push(client, auth, [text()]).status_code for _ in range(3)] == [200] * 3


def test_latency_is_added(client, auth, store, friend):
    store.configure(latency_ms=150)
    started = time.perf_counter()
    push(client, auth, [text()])
    assert time.perf_counter() - started >= 0.15


# -- faults after acceptance: delivered, yet the answer says otherwise or comes too late -----


def reply(client, auth, token, messages):
    return client.post(f"{API}/message/reply", json={"replyToken": token, "messages": messages},
                       headers=auth)


def test_a_reply_accepted_then_failed_is_delivered_and_its_token_used(client, auth, store,
                                                                      friend):
    store.configure(accepted_failure_rate=1.0)
    token = store.issue_reply_token(USER)
    failed = reply(client, auth, token, [text("once")])
    assert failed.status_code == 500
    assert failed.json == {"message": "An internal error occurred (simulated)"}
    assert failed.headers["x-line-request-id"]
    retried = reply(client, auth, token, [text("once")])
    assert retried.status_code == 400
    assert retried.json == {"message": "Invalid reply token"}
    assert [m["message"]["text"] for m in store.messages(USER)] == ["once"]


def test_a_push_accepted_then_failed_keeps_its_retry_key(client, auth, store, friend):
    store.configure(accepted_failure_rate=1.0)
    key = str(uuid.uuid4())
    failed = push(client, auth, [text("once")], retry_key=key)
    assert failed.status_code == 500
    retried = push(client, auth, [text("once")], retry_key=key)
    assert retried.status_code == 409
    assert retried.headers["x-line-accepted-request-id"] == failed.headers["x-line-request-id"]
    assert store.delivery_count(USER, retry_key=key) == 1
    assert [(r["status"], r["delivered"], r.get("fault")) for r in store.requests()] == [
        (500, 1, "accepted_failure"), (409, 0, None)]


def test_the_accepted_failure_rate_is_roughly_honoured(client, auth, store, friend):
    store.configure(accepted_failure_rate=0.5, rate_limiting=False)
    statuses = [push(client, auth, [text()]).status_code for _ in range(200)]
    assert 60 <= statuses.count(500) <= 140 and set(statuses) == {200, 500}
    assert len(store.messages(USER)) == 200  # every one of them delivered


def test_a_reply_accepted_late_is_delivered_though_the_client_gave_up(live_url, auth, store,
                                                                      friend):
    store.configure(accepted_timeout_rate=1.0, accepted_delay_ms=400)
    token = store.issue_reply_token(USER)

    def send() -> urllib.request.Request:
        body = json.dumps({"replyToken": token, "messages": [text("late")]}).encode()
        return urllib.request.Request(f"{live_url}{API}/message/reply", data=body, headers={
            **auth, "Content-Type": "application/json"})

    with pytest.raises(TimeoutError):
        urllib.request.urlopen(send(), timeout=0.1)
    assert [m["message"]["text"] for m in store.messages(USER)] == ["late"]
    with pytest.raises(urllib.error.HTTPError) as retried:
        urllib.request.urlopen(send(), timeout=5)
    assert retried.value.code == 400
    assert json.loads(retried.value.read()) == {"message": "Invalid reply token"}


def test_an_accepted_request_answered_late_is_answered_in_full(client, auth, store, friend):
    store.configure(accepted_timeout_rate=1.0, accepted_delay_ms=200)
    started = time.perf_counter()
    answer = push(client, auth, [text()])
    assert time.perf_counter() - started >= 0.2
    assert answer.status_code == 200 and len(answer.json["sentMessages"]) == 1
    assert store.requests()[-1]["fault"] == "accepted_timeout"


def test_the_faults_after_acceptance_are_set_over_http(client, auth, store, friend):
    changed = client.post("/simulator/admin/settings", json={
        "accepted_failure_rate": 0.25, "accepted_timeout_rate": 0.5, "accepted_delay_ms": 12000})
    assert changed.status_code == 200
    assert {k: changed.json[k] for k in ("accepted_failure_rate", "accepted_timeout_rate",
                                         "accepted_delay_ms")} == {
        "accepted_failure_rate": 0.25, "accepted_timeout_rate": 0.5, "accepted_delay_ms": 12000}
    refused = client.post("/simulator/admin/settings", json={"accepted_failure_rate": 1.5})
    assert refused.status_code == 400
    assert "accepted_failure_rate" in refused.json["message"]


# -- recording -----------------------------------------------------------------------------


def test_request_log_never_holds_tokens(client, auth, store, friend):
    token = store.issue_reply_token(USER)
    client.post(f"{API}/message/reply", json={"replyToken": token, "messages": [text()]},
                headers=auth)
    log = store.requests()
    assert log[-1]["endpoint"] == "reply" and log[-1]["status"] == 200
    assert token not in str(log) and auth["Authorization"].split()[1] not in str(log)


def test_messages_carry_increasing_seq(client, auth, store, friend):
    push(client, auth, [text("a"), text("b")])
    push(client, auth, [text("c")])
    seen = store.messages(USER)
    assert [m["seq"] for m in seen] == [1, 2, 3]
    assert [m["message"]["text"] for m in store.messages(USER, after_seq=2)] == ["c"]


def test_every_way_of_sending_adds_to_one_numbered_chat(client, auth, store, friend):
    push(client, auth, [text("push")])
    client.post(f"{API}/message/multicast", json={"to": [USER], "messages": [text("multi")]},
                headers=auth)
    token = store.issue_reply_token(USER)
    client.post(f"{API}/message/reply", json={"replyToken": token, "messages": [text("reply")]},
                headers=auth)
    client.post(f"{API}/message/broadcast", json={"messages": [text("all")]}, headers=auth)
    seen = store.messages(USER)
    assert [(m["seq"], m["via"], m["message"]["text"]) for m in seen] == [
        (1, "push", "push"), (2, "multicast", "multi"), (3, "reply", "reply"),
        (4, "broadcast", "all")]
    assert [m["message"]["text"] for m in store.messages(USER, after_seq=2)] == ["reply", "all"]


# -- rich menus ----------------------------------------------------------------------------


def create_menu(client, auth, menu=MENU):
    return client.post(f"{API}/richmenu", json=menu, headers=auth)


def upload(client, auth, menu_id, data, content_type="image/png"):
    return client.post(f"{DATA_API}/richmenu/{menu_id}/content", data=data,
                       headers={**auth, "Content-Type": content_type})


def test_rich_menu_chat_bar_text_over_14_chars_is_refused(client, auth):
    assert create_menu(client, auth, dict(MENU, chatBarText="あ" * 15)).status_code == 400


def test_rich_menu_over_20_areas_is_refused(client, auth):
    assert create_menu(client, auth, dict(MENU, areas=MENU["areas"] * 21)).status_code == 400


def test_rich_menu_image_must_match_its_size(client, auth):
    menu_id = create_menu(client, auth).json["richMenuId"]
    assert upload(client, auth, menu_id, png(2500, 1686)).status_code == 400
    assert upload(client, auth, menu_id, png(2500, 843)).status_code == 200


def test_rich_menu_image_must_be_jpeg_or_png(client, auth):
    menu_id = create_menu(client, auth).json["richMenuId"]
    assert upload(client, auth, menu_id, png(2500, 843, "GIF"), "image/gif").status_code == 400


def test_rich_menu_image_over_1_mb_is_refused(client, auth):
    menu_id = create_menu(client, auth).json["richMenuId"]
    noise = Image.frombytes("RGB", (2500, 843), random.Random(1).randbytes(2500 * 843 * 3))
    out = io.BytesIO()
    noise.save(out, "PNG")
    assert len(out.getvalue()) > 1024 * 1024
    assert upload(client, auth, menu_id, out.getvalue()).status_code == 400


def test_rich_menu_too_tall_for_its_width_is_refused(client, auth):
    tall = dict(MENU, size={"width": 800, "height": 600})
    assert create_menu(client, auth, tall).status_code == 400


def test_default_rich_menu_needs_an_image(client, auth, store):
    menu_id = create_menu(client, auth).json["richMenuId"]
    assert client.post(f"{API}/user/all/richmenu/{menu_id}", headers=auth).status_code == 400
    upload(client, auth, menu_id, png(2500, 843))
    assert client.post(f"{API}/user/all/richmenu/{menu_id}", headers=auth).status_code == 200
    assert store.rich_menu_for(USER)["richMenuId"] == menu_id


def test_linked_rich_menu_overrides_the_default(client, auth, store):
    default_id, linked_id = (create_menu(client, auth).json["richMenuId"] for _ in range(2))
    for menu_id in (default_id, linked_id):
        upload(client, auth, menu_id, png(2500, 843))
    client.post(f"{API}/user/all/richmenu/{default_id}", headers=auth)
    client.post(f"{API}/user/{USER}/richmenu/{linked_id}", headers=auth)
    assert store.rich_menu_for(USER)["richMenuId"] == linked_id
    client.delete(f"{API}/user/{USER}/richmenu", headers=auth)
    assert store.rich_menu_for(USER)["richMenuId"] == default_id


def test_alias_id_over_32_chars_is_refused(client, auth):
    menu_id = create_menu(client, auth).json["richMenuId"]
    upload(client, auth, menu_id, png(2500, 843))
    body = {"richMenuAliasId": "a" * 33, "richMenuId": menu_id}
    assert client.post(f"{API}/richmenu/alias", json=body, headers=auth).status_code == 400
    body["richMenuAliasId"] = "a" * 32
    assert client.post(f"{API}/richmenu/alias", json=body, headers=auth).status_code == 200
