"""The simulator's chat page in headless Chromium: what the simulator itself does.

Chromium comes from the shared `chromium` fixture (tests/browser.py).
"""

from __future__ import annotations

import io
import json
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PIL import Image

from bot.keys import EVENT_STREAM
from bot.redis_store import get_redis
from tests.browser import answered

pytestmark = pytest.mark.browser

API = "/simulator/v2/bot"
DATA_API = "/simulator/data/v2/bot"  # api-data.line.me


@pytest.fixture
def page(chromium, live_url) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 400, "height": 800})
    tab = context.new_page()
    tab.goto(f"{live_url}/simulator/")
    yield tab
    context.close()


def wait_for(find: Callable[[], Any], timeout: float = 5.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = find()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("timed out waiting")


def stream_events(app) -> list[dict]:
    return [json.loads(f["event"]) for _, f in get_redis(app).xrange(EVENT_STREAM)]


def create_user(page, name: str = "ブラウザ太郎", language: str = "en") -> str:
    page.get_by_test_id("new-user-panel").wait_for(state="visible")
    page.get_by_test_id("new-user-name").fill(name)
    page.get_by_test_id("new-user-language").select_option(language)
    page.get_by_test_id("create-user").click()
    page.wait_for_function("document.body.dataset.user")
    return page.evaluate("document.body.dataset.user")


def test_new_user_is_added_as_a_friend_and_follows(page, app, store):
    user_id = create_user(page)
    assert store.profile(user_id) == {"userId": user_id, "displayName": "ブラウザ太郎",
                                      "language": "en"}
    follow = wait_for(lambda: [e for e in stream_events(app) if e["type"] == "follow"])
    assert follow[0]["source"]["userId"] == user_id and follow[0]["replyToken"]


def test_sent_text_reaches_the_webhook_signed(page, app):
    user_id = create_user(page)
    page.get_by_test_id("text-input").fill("こんにちは 😀")
    page.get_by_test_id("send-button").click()
    texts = wait_for(lambda: [e for e in stream_events(app) if e["type"] == "message"])
    event = texts[0]
    assert event["message"] == {**event["message"], "type": "text", "text": "こんにちは 😀"}
    assert event["source"] == {"type": "user", "userId": user_id}
    assert len(event["webhookEventId"]) == 26 and event["replyToken"]
    assert page.evaluate("document.body.dataset.lastCallbackStatus") == "200"
    assert page.get_by_test_id("user-bubble").last.inner_text() == "こんにちは 😀"


def test_pushed_message_shows_chips_and_a_tap_posts_a_postback(page, app, client, auth):
    user_id = create_user(page)
    client.post(f"{API}/message/push", headers=auth, json={"to": user_id, "messages": [{
        "type": "text", "text": "参加しますか？", "quickReply": {"items": [
            {"type": "action", "action": {"type": "postback", "label": "はい",
                                          "data": "join=yes", "displayText": "はい、参加します"}},
            {"type": "action", "action": {"type": "message", "label": "いいえ", "text": "いいえ"}},
        ]}}]})
    page.get_by_test_id("bot-bubble").filter(has_text="参加しますか？").wait_for()
    chips = page.get_by_test_id("quick-reply")
    assert chips.all_inner_texts() == ["はい", "いいえ"]
    chips.first.click()
    postbacks = wait_for(lambda: [e for e in stream_events(app) if e["type"] == "postback"])
    assert postbacks[0]["postback"] == {"data": "join=yes"}
    assert page.get_by_test_id("user-bubble").last.inner_text() == "はい、参加します"
    assert page.get_by_test_id("quick-reply").count() == 0


def test_a_message_shows_once_when_a_poll_answers_while_the_chat_is_read_again(page, client,
                                                                             auth):
    """Switching to a person reads their whole chat while the page keeps polling: both
    answers hold the same message, which must be shown once, whichever comes first."""
    user_id = create_user(page)
    client.post(f"{API}/message/push", headers=auth, json={"to": user_id, "messages": [
        {"type": "text", "text": "一度だけ表示"}]})
    page.get_by_test_id("bot-bubble").filter(has_text="一度だけ表示").wait_for()
    page.evaluate("id => Promise.all([switchUser(id), (state.lastSeq = 0, poll())])", user_id)
    page.wait_for_timeout(300)
    assert page.get_by_test_id("bot-bubble").filter(has_text="一度だけ表示").count() == 1


def test_an_audio_message_plays_in_the_chat(page, client, auth):
    user_id = create_user(page)
    url = "https://machi.example.jp/speech/abc.mp3"
    client.post(f"{API}/message/push", headers=auth, json={"to": user_id, "messages": [
        {"type": "audio", "originalContentUrl": url, "duration": 3200}]})
    player = page.get_by_test_id("bot-audio")
    player.wait_for(state="attached")
    assert player.get_attribute("src") == url
    assert player.evaluate("n => n.tagName === 'AUDIO' && n.controls")


def test_flex_text_sizes_are_honoured(page, client, auth):
    user_id = create_user(page)
    card = {"type": "bubble", "body": {"type": "box", "layout": "vertical", "contents": [
        {"type": "text", "text": "大きい", "size": "xl", "weight": "bold"},
        {"type": "text", "text": "ふつう"}]}}
    client.post(f"{API}/message/push", headers=auth, json={"to": user_id, "messages": [
        {"type": "flex", "altText": "card", "contents": card}]})
    page.get_by_test_id("flex-text").first.wait_for()
    big, normal = (page.get_by_test_id("flex-text").nth(i).evaluate(
        "n => parseFloat(getComputedStyle(n).fontSize)") for i in range(2))
    assert big > normal


def test_rich_menu_area_tap_posts_its_postback(page, app, client, auth):
    menu = {"size": {"width": 2500, "height": 843}, "selected": True, "name": "main",
            "chatBarText": "メニュー", "areas": [
                {"bounds": {"x": 0, "y": 0, "width": 1250, "height": 843},
                 "action": {"type": "postback", "label": "ヘルプ", "data": "menu=help"}},
                {"bounds": {"x": 1250, "y": 0, "width": 1250, "height": 843},
                 "action": {"type": "message", "label": "使い方", "text": "使い方"}}]}
    menu_id = client.post(f"{API}/richmenu", json=menu, headers=auth).json["richMenuId"]
    image = io.BytesIO()
    Image.new("RGB", (2500, 843), "white").save(image, "PNG")
    client.post(f"{DATA_API}/richmenu/{menu_id}/content", data=image.getvalue(),
                headers={**auth, "Content-Type": "image/png"})
    assert client.post(f"{API}/user/all/richmenu/{menu_id}", headers=auth).status_code == 200
    create_user(page)
    areas = page.get_by_test_id("richmenu-area")
    areas.first.wait_for()
    assert areas.count() == 2
    assert page.get_by_test_id("chatbar-toggle").inner_text().startswith("メニュー")
    areas.first.click()
    postbacks = wait_for(lambda: [e for e in stream_events(app) if e["type"] == "postback"])
    assert postbacks[0]["postback"]["data"] == "menu=help"


def test_datetimepicker_chip_posts_the_chosen_date(page, app, client, auth):
    user_id = create_user(page)
    client.post(f"{API}/message/push", headers=auth, json={"to": user_id, "messages": [{
        "type": "text", "text": "いつ？", "quickReply": {"items": [{"type": "action", "action": {
            "type": "datetimepicker", "label": "日付", "data": "pick=day", "mode": "date"}}]}}]})
    page.get_by_test_id("quick-reply").first.click()
    picker = page.get_by_test_id("picker-input")
    assert picker.get_attribute("type") == "date"
    picker.fill("2025-05-01")
    page.get_by_test_id("picker-ok").click()
    postbacks = wait_for(lambda: [e for e in stream_events(app) if e["type"] == "postback"])
    assert postbacks[0]["postback"] == {"data": "pick=day", "params": {"date": "2025-05-01"}}


def test_richmenuswitch_switches_the_menu_and_posts_the_postback(page, app, client, auth):
    def menu(name: str, target: str) -> str:
        body = {"size": {"width": 2500, "height": 843}, "selected": True, "name": name,
                "chatBarText": name, "areas": [{"bounds": {"x": 0, "y": 0, "width": 2500,
                                                           "height": 843},
                    "action": {"type": "richmenuswitch", "richMenuAliasId": target,
                               "data": f"tab={target}"}}]}
        menu_id = client.post(f"{API}/richmenu", json=body, headers=auth).json["richMenuId"]
        image = io.BytesIO()
        Image.new("RGB", (2500, 843), "white").save(image, "PNG")
        client.post(f"{DATA_API}/richmenu/{menu_id}/content", data=image.getvalue(),
                    headers={**auth, "Content-Type": "image/png"})
        client.post(f"{API}/richmenu/alias", headers=auth,
                    json={"richMenuAliasId": f"tab-{name}", "richMenuId": menu_id})
        return menu_id

    first, second = menu("a", "tab-b"), menu("b", "tab-a")
    client.post(f"{API}/user/all/richmenu/{first}", headers=auth)
    create_user(page)
    page.get_by_test_id("richmenu-area").first.wait_for()
    page.get_by_test_id("richmenu-area").first.click()
    postbacks = wait_for(lambda: [e for e in stream_events(app) if e["type"] == "postback"])
    assert postbacks[0]["postback"] == {
        "data": "tab=tab-b", "params": {"newRichMenuAliasId": "tab-b", "status": "SUCCESS"}}
    assert page.get_by_test_id("richmenu").get_attribute("data-rich-menu-id") == second


# -- the bot itself, driven through the page as a person would ---------------------------------


def _tap_chip(page, label: str) -> None:
    page.get_by_test_id("quick-reply").filter(has_text=label).first.click()


def _skip_age_band(page, worker, locale: str) -> None:
    """Skip onboarding's age question, asked with big buttons in simple mode."""
    from bot.kernel.i18n import gettext

    question = gettext(locale, "One last question, if you like: your age group?")
    answered(page, worker, question)
    page.locator("[data-testid=bot-message]", has_text=question).last \
        .get_by_test_id("flex-button").filter(has_text=gettext(locale, "Skip")).click()


def test_a_new_friend_walks_language_consent_mode_and_menu_in_the_page(page, worker):
    from bot.kernel.i18n import gettext

    create_user(page, "Emma", "en")
    answered(page, worker, "Hello, Emma!")
    _tap_chip(page, gettext("en", "Language"))
    answered(page, worker, gettext("en", "Which language?"))
    _tap_chip(page, "日本語")
    answered(page, worker, gettext("ja", "The language is now {language}.", language="日本語"))
    _tap_chip(page, gettext("ja", "I agree"))
    answered(page, worker, gettext("ja", "How would you like the bot to look?"))
    _tap_chip(page, gettext("ja", "Simple"))
    _skip_age_band(page, worker, "ja")
    menu_question = gettext("ja", "What would you like to do?")
    answered(page, worker, menu_question)
    # simple mode: large letters and big buttons in the bubble, no more than four
    buttons = page.locator("[data-testid=bot-message]", has_text=menu_question).last \
        .get_by_test_id("flex-button")
    assert 1 <= buttons.count() <= 4
    # typed words work too: "ヘルプ" shows help
    page.get_by_test_id("text-input").fill("ヘルプ")
    page.get_by_test_id("send-button").click()
    answered(page, worker, gettext("ja", "You can use this bot by tapping the buttons."))


def test_the_deployed_rich_menu_shows_in_the_page_and_its_help_area_answers(page, app, worker):
    from bot.fonts import FontMissing
    from bot.kernel.i18n import gettext
    from bot.richmenu.deployment import deploy

    try:
        deploy(app)
    except FontMissing as exc:
        if os.environ.get("MACHIBOT_REQUIRE_FONTS"):
            raise
        pytest.skip(f"no font to draw the rich menus: {exc}")
    create_user(page, "花子", "ja")
    answered(page, worker, "花子")
    area = "[data-testid=richmenu-area][title='{}']"
    more_tab = page.locator(area.format(gettext("ja", "Help & settings")))
    more_tab.first.wait_for()
    assert page.locator("#richmenu img").count() == 1  # the image the bot drew and uploaded
    more_tab.first.click()  # the tab switches through the alias the bot deployed
    help_area = page.locator(area.format(gettext("ja", "Help")))
    help_area.first.wait_for(timeout=5000)
    help_area.first.click()
    answered(page, worker, gettext("ja", "You can use this bot by tapping the buttons."))


# -- LINE's Flex layout, what people send, stickers and times -----------------------------------


def test_flex_0_text_in_a_horizontal_box_takes_its_content_size(page, app, client, auth):
    """LINE: `flex: 0` in a horizontal box gives a component its content's width (the badges
    of every card), not none; the others share what is left."""
    from bot.kernel.composer import Composer

    user_id = create_user(page)
    out = Composer("en", "standard", app.extensions["machibot.codec"])
    card = out.card("Park clean-up", ["Sat 10:00"], badges=["Open", "Outdoors"])
    row = {"type": "box", "layout": "horizontal", "contents": [
        {"type": "text", "text": "Time", "flex": 0},
        {"type": "text", "text": "10:00-12:00"}]}
    card["contents"]["body"]["contents"].append(row)
    client.post(f"{API}/message/push", headers=auth, json={"to": user_id, "messages": [card]})
    texts = page.get_by_test_id("flex-text")
    texts.filter(has_text="Outdoors").wait_for()
    for label in ("Open", "Outdoors", "Time"):
        text = texts.filter(has_text=label).first
        box = text.bounding_box()
        assert box["width"] > 0 and box["height"] > 0, label
        # the whole word shows: nothing clipped to an ellipsis
        assert text.evaluate("n => n.scrollWidth <= Math.ceil(n.getBoundingClientRect().width)")
    time_box = texts.filter(has_text="Time").first.bounding_box()
    value_box = texts.filter(has_text="10:00-12:00").first.bounding_box()
    assert value_box["x"] >= time_box["x"] + time_box["width"] - 1  # beside it, not over it
    assert value_box["width"] > time_box["width"]  # flex 1 takes the rest of the row


def test_a_sent_photo_shows_as_an_image_in_the_chat(page, app):
    create_user(page)
    png = io.BytesIO()
    Image.new("RGB", (64, 48), "orange").save(png, "PNG")
    with page.expect_file_chooser() as chooser:
        page.get_by_test_id("photo-button").click()
    chooser.value.set_files({"name": "park.png", "mimeType": "image/png",
                             "buffer": png.getvalue()})
    wait_for(lambda: [e for e in stream_events(app) if e.get("message", {}).get("type") == "image"])
    image = page.locator("[data-testid=user-message] img")
    image.wait_for()
    assert image.evaluate("n => n.complete && n.naturalWidth") == 64
    # and still after a reload (the page's history keeps where the picture is)
    page.reload()
    image = page.locator("[data-testid=user-message] img")
    image.wait_for()
    wait_for(lambda: image.evaluate("n => n.complete && n.naturalWidth") == 64)


def test_the_sticker_button_sends_a_sticker_the_bot_answers(page, app, worker):
    from bot.kernel.i18n import gettext

    create_user(page, "Emma", "en")
    answered(page, worker, "Hello, Emma!")
    _tap_chip(page, gettext("en", "I agree"))
    answered(page, worker, gettext("en", "How would you like the bot to look?"))
    _tap_chip(page, gettext("en", "Simple"))
    _skip_age_band(page, worker, "en")
    answered(page, worker, gettext("en", "What would you like to do?"))
    page.get_by_test_id("sticker-button").click()
    page.get_by_test_id("sticker").first.click()
    stickers = wait_for(lambda: [e for e in stream_events(app)
                                 if e.get("message", {}).get("type") == "sticker"])
    message = stickers[0]["message"]
    assert message["packageId"] and message["stickerId"] and message["id"]
    assert stickers[0]["replyToken"]
    assert page.locator("[data-testid=user-message] [data-testid=user-sticker]").count() == 1
    answered(page, worker, gettext("en", "Thank you! I can only read text and buttons here."))


def test_every_message_shows_the_time_it_was_sent(chromium, live_url, client, auth):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    context = chromium.new_context(viewport={"width": 400, "height": 800},
                                  timezone_id="Asia/Tokyo")
    try:
        page = context.new_page()
        page.goto(f"{live_url}/simulator/")
        user_id = create_user(page)
        page.get_by_test_id("text-input").fill("hello")
        page.get_by_test_id("send-button").click()
        client.post(f"{API}/message/push", headers=auth, json={"to": user_id, "messages": [
            {"type": "text", "text": "a push"}]})
        page.get_by_test_id("bot-bubble").filter(has_text="a push").wait_for()
        now = datetime.now(ZoneInfo("Asia/Tokyo"))
        for who in ("user-message", "bot-message"):
            time = page.locator(f"[data-testid={who}]").last.get_by_test_id("message-time")
            sent = datetime.fromisoformat(time.get_attribute("datetime").replace("Z", "+00:00"))
            assert abs((now - sent).total_seconds()) < 30, who
            assert time.inner_text() == sent.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%H:%M")
    finally:
        context.close()


def test_a_message_sent_while_the_chat_is_being_read_stays_in_the_chat(page):
    """Opening a person's chat reads it from the server; what they send meanwhile is drawn
    at once and must still be there when that read is drawn (it vanished under load)."""
    held = []
    page.route("**/messages?*", lambda route: held.append(route))  # the chat's read waits
    create_user(page)
    wait_for(lambda: held)
    page.get_by_test_id("text-input").fill("hello")
    page.get_by_test_id("send-button").click()
    page.get_by_test_id("user-bubble").filter(has_text="hello").wait_for()
    with page.expect_request(lambda request: "/richmenu?" in request.url):  # drawn again
        page.unroute("**/messages?*")  # the held read goes on
    assert page.get_by_test_id("user-bubble").filter(has_text="hello").count() == 1
