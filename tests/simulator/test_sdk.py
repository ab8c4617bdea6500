"""line-bot-sdk v3 against the simulator over HTTP: proves the paths and shapes match LINE's."""

from __future__ import annotations

import io
import uuid

import pytest
from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    BroadcastRequest,
    Configuration,
    CreateRichMenuAliasRequest,
    MessagingApi,
    MessagingApiBlob,
    MulticastRequest,
    NarrowcastRequest,
    PushMessageRequest,
    ReplyMessageRequest,
    RichMenuBulkLinkRequest,
    RichMenuRequest,
    ShowLoadingAnimationRequest,
    TextMessage,
)
from PIL import Image

USER = "U" + "a" * 32


@pytest.fixture
def sdk(app, live_url, store):
    store.add_user(USER, "SDK利用者", "en")
    token = app.config["LINE_CHANNEL_ACCESS_TOKEN"]
    api_host = Configuration(access_token=token, host=f"{live_url}/simulator")
    data_host = Configuration(access_token=token, host=f"{live_url}/simulator/data")
    with ApiClient(api_host) as client, ApiClient(data_host) as data_client:
        yield MessagingApi(client), MessagingApiBlob(data_client)


def test_message_endpoints_match_the_sdk(sdk, store):
    api, _ = sdk
    token = store.issue_reply_token(USER)
    api.reply_message(ReplyMessageRequest(reply_token=token, messages=[TextMessage(text="r")]))
    key = str(uuid.uuid4())
    pushed = api.push_message_with_http_info(
        PushMessageRequest(to=USER, messages=[TextMessage(text="p")]), x_line_retry_key=key)
    assert pushed.status_code == 200 and pushed.headers["x-line-request-id"]
    api.multicast(MulticastRequest(to=[USER], messages=[TextMessage(text="m")]))
    api.broadcast(BroadcastRequest(messages=[TextMessage(text="b")]))
    api.narrowcast(NarrowcastRequest(messages=[TextMessage(text="n")]))
    seen = store.messages(USER)
    assert [(m["via"], m["message"]["text"]) for m in seen] == [
        ("reply", "r"), ("push", "p"), ("multicast", "m"), ("broadcast", "b"), ("narrowcast", "n")]


def test_repeated_retry_key_reaches_the_sdk_as_409(sdk, store):
    api, _ = sdk
    key = str(uuid.uuid4())
    request = PushMessageRequest(to=USER, messages=[TextMessage(text="once")])
    first = api.push_message_with_http_info(request, x_line_retry_key=key)
    with pytest.raises(ApiException) as refused:
        api.push_message(request, x_line_retry_key=key)
    assert refused.value.status == 409
    assert refused.value.headers["x-line-accepted-request-id"] == first.headers["x-line-request-id"]
    assert store.delivery_count(USER, key) == 1


def test_profile_and_loading_match_the_sdk(sdk, store):
    api, _ = sdk
    profile = api.get_profile(USER)
    assert (profile.display_name, profile.language) == ("SDK利用者", "en")
    api.show_loading_animation(ShowLoadingAnimationRequest(chat_id=USER, loading_seconds=10))
    assert store.loading_shown(USER)


def test_rich_menu_endpoints_match_the_sdk(sdk, store):
    api, blob = sdk
    menu = RichMenuRequest.from_dict({
        "size": {"width": 2500, "height": 843}, "selected": False, "name": "tab-a",
        "chatBarText": "メニュー", "areas": [
            {"bounds": {"x": 0, "y": 0, "width": 2500, "height": 843},
             "action": {"type": "richmenuswitch", "richMenuAliasId": "tab-b", "data": "tab=b"}}]})
    api.validate_rich_menu_object(menu)
    menu_id = api.create_rich_menu(menu).rich_menu_id
    image = io.BytesIO()
    Image.new("RGB", (2500, 843), "white").save(image, "JPEG")
    blob.set_rich_menu_image(menu_id, body=bytearray(image.getvalue()),
                             _headers={"Content-Type": "image/jpeg"})
    assert bytes(blob.get_rich_menu_image(menu_id))[:2] == b"\xff\xd8"
    api.set_default_rich_menu(menu_id)
    assert api.get_default_rich_menu_id().rich_menu_id == menu_id
    api.create_rich_menu_alias(CreateRichMenuAliasRequest(rich_menu_alias_id="tab-b",
                                                          rich_menu_id=menu_id))
    assert [a.rich_menu_alias_id for a in api.get_rich_menu_alias_list().aliases] == ["tab-b"]
    api.link_rich_menu_id_to_users(RichMenuBulkLinkRequest(rich_menu_id=menu_id, user_ids=[USER]))
    assert api.get_rich_menu_id_of_user(USER).rich_menu_id == menu_id
    assert [m.rich_menu_id for m in api.get_rich_menu_list().richmenus] == [menu_id]
    assert store.rich_menu_for(USER)["hasImage"]
    api.delete_rich_menu_alias("tab-b")
    api.delete_rich_menu(menu_id)
    assert api.get_rich_menu_list().richmenus == []
