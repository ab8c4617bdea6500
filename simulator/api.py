"""LINE's Messaging API paths, as line-bot-sdk v3 calls them, answered the way LINE does.

Every call goes through `line_api`: bearer token (401), then the shared behaviour knobs
(failure injection, per-endpoint rate limits), then the X-Line-Retry-Key rules, then the
endpoint itself. Every answer carries `x-line-request-id`; latency is added before answering.
The message-sending endpoints (reply, push, multicast, narrowcast, broadcast) follow the
same rules in `sends`, ahead of Flask.
"""

from __future__ import annotations

import functools
import hmac
import random
import time
from collections.abc import Callable
from typing import Any

from flask import Response, current_app, jsonify, make_response, request

from simulator import validation as v
from simulator.blueprint import bp
from simulator.store import get_store, new_request_id

API = "/v2/bot"
DATA_API = "/data/v2/bot"  # api-data.line.me: content people sent, rich menu images

Answer = Response | tuple[Any, int] | tuple[Any, int, dict]


def _error(message: str, status: int, details: v.Details | None = None) -> tuple[Response, int]:
    body: dict[str, Any] = {"message": message}
    if details:
        body = v.error_body(details, message)
    return jsonify(body), status


def _bad_request(details: v.Details) -> tuple[Response, int]:
    return jsonify(v.error_body(details)), 400


def line_api(endpoint: str) -> Callable[[Callable[..., Answer]], Callable[..., Response]]:
    def decorate(view: Callable[..., Answer]) -> Callable[..., Response]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Response:
            request_id = new_request_id()
            retry_key = request.headers.get("X-Line-Retry-Key")
            latency = 0.0
            expected = f"Bearer {current_app.config['LINE_CHANNEL_ACCESS_TOKEN']}"
            if not hmac.compare_digest(request.headers.get("Authorization", "").encode(),
                                       expected.encode()):
                answer: Answer = _error("Authentication failed. Confirm that the access token "
                                        "in the authorization header is valid.", 401)
            else:
                store = get_store()
                status, latency = store.gate(endpoint, random.random())
                if status == 500:
                    answer = _error("An internal error occurred (simulated)", 500)
                elif status == 429:
                    answer = _error("Too Many Requests", 429)
                elif (reason := v.check_retry_key(endpoint, retry_key)) is not None:
                    answer = _error(reason, 400)
                else:
                    answer = view(*args, **kwargs)
            response = make_response(answer)
            response.headers["x-line-request-id"] = request_id
            if response.status_code != 401:
                get_store().log_request(endpoint, response.status_code, request_id=request_id,
                                        retry_key=retry_key)
            if latency > 0:
                time.sleep(latency / 1000)
            return response

        return wrapper

    return decorate


def _json_body() -> dict | None:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else None


def _malformed() -> tuple[Response, int]:
    return _error("The request body could not be parsed as JSON", 400)


def _checked(body: dict | None) -> tuple[Response, int] | None:
    if body is None:
        return _malformed()
    if details := v.check_messages(body.get("messages")):
        return _bad_request(details)
    return None


# -- messages --------------------------------------------------------------------------------


@bp.post(f"{API}/message/validate/<kind>")
@line_api("validate")
def validate_messages(kind: str) -> Answer:
    if kind not in ("reply", "push", "multicast", "narrowcast", "broadcast"):
        return _error("Not found", 404)
    if (refused := _checked(_json_body())) is not None:
        return refused
    return jsonify({}), 200


# -- profile and loading animation ----------------------------------------------------------


@bp.get(f"{API}/profile/<user_id>")
@line_api("profile")
def profile(user_id: str) -> Answer:
    found = get_store().profile(user_id)
    if found is None:
        return _error("Not found", 404)
    return jsonify(found), 200


@bp.post(f"{API}/chat/loading/start")
@line_api("loading")
def loading_start() -> Answer:
    body = _json_body()
    if body is None:
        return _malformed()
    chat_id = body.get("chatId")
    seconds = body.get("loadingSeconds", 20)
    details: v.Details = []
    if not isinstance(chat_id, str) or not chat_id.startswith("U"):
        details.append(("chatId", "must be the user ID of a one-to-one chat"))
    if not isinstance(seconds, int) or not 5 <= seconds <= 60 or seconds % 5:
        details.append(("loadingSeconds", "must be one of 5, 10, ..., 60"))
    if details:
        return _bad_request(details)
    store = get_store()
    if store.is_friend(chat_id):
        store.start_loading(chat_id, seconds)
    return jsonify({}), 202


# -- content people sent (LINE serves it from api-data.line.me) -----------------------------


@bp.get(f"{DATA_API}/message/<message_id>/content")
@line_api("content")
def message_content(message_id: str) -> Answer:
    found = get_store().content(message_id)
    if found is None:  # never sent, or deleted after a while, as LINE does
        return _error("Not found", 404)
    data, content_type = found
    return Response(data, mimetype=content_type), 200


# -- rich menus ------------------------------------------------------------------------------


@bp.post(f"{API}/richmenu")
@line_api("richmenu_create")
def richmenu_create() -> Answer:
    body = _json_body()
    if body is None:
        return _malformed()
    if details := v.check_rich_menu(body):
        return _bad_request(details)
    store = get_store()
    if store.rich_menu_count() >= v.MAX_RICH_MENUS:
        return _error("The maximum number of rich menus has been reached", 400)
    return jsonify(richMenuId=store.create_rich_menu(body)), 200


@bp.post(f"{API}/richmenu/validate")
@line_api("richmenu_validate")
def richmenu_validate() -> Answer:
    body = _json_body()
    if body is None:
        return _malformed()
    if details := v.check_rich_menu(body):
        return _bad_request(details)
    return jsonify({}), 200


@bp.get(f"{API}/richmenu/list")
@line_api("richmenu_list")
def richmenu_list() -> Answer:
    return jsonify(richmenus=get_store().rich_menus()), 200


@bp.get(f"{API}/richmenu/<menu_id>")
@line_api("richmenu_get")
def richmenu_get(menu_id: str) -> Answer:
    menu = get_store().rich_menu(menu_id)
    return (jsonify(menu), 200) if menu else _error("Not found", 404)


@bp.delete(f"{API}/richmenu/<menu_id>")
@line_api("richmenu_delete")
def richmenu_delete(menu_id: str) -> Answer:
    if not get_store().delete_rich_menu(menu_id):
        return _error("Not found", 404)
    return jsonify({}), 200


@bp.post(f"{DATA_API}/richmenu/<menu_id>/content")
@line_api("richmenu_upload")
def richmenu_upload(menu_id: str) -> Answer:
    store = get_store()
    menu = store.rich_menu(menu_id)
    if menu is None:
        return _error("Not found", 404)
    if store.has_image(menu_id):
        return _error("An image has already been uploaded to the richmenu", 400)
    content_type = (request.mimetype or "").lower()
    data = request.get_data(cache=False)
    if reason := v.check_rich_menu_image(data, content_type, menu):
        return _error(reason, 400)
    store.set_image(menu_id, data, content_type)
    return jsonify({}), 200


@bp.get(f"{DATA_API}/richmenu/<menu_id>/content")
@line_api("richmenu_download")
def richmenu_download(menu_id: str) -> Answer:
    found = get_store().image(menu_id)
    if found is None:
        return _error("Not found", 404)
    data, content_type = found
    return Response(data, mimetype=content_type), 200


def _menu_with_image(menu_id: str) -> tuple[Response, int] | None:
    store = get_store()
    if store.rich_menu(menu_id) is None:
        return _error("richmenu not found", 404)
    if not store.has_image(menu_id):
        return _error("must upload richmenu image before applying it to user", 400)
    return None


@bp.post(f"{API}/user/all/richmenu/<menu_id>")
@line_api("richmenu_default")
def richmenu_set_default(menu_id: str) -> Answer:
    if (refused := _menu_with_image(menu_id)) is not None:
        return refused
    get_store().set_default_rich_menu(menu_id)
    return jsonify({}), 200


@bp.get(f"{API}/user/all/richmenu")
@line_api("richmenu_default")
def richmenu_get_default() -> Answer:
    menu_id = get_store().default_rich_menu()
    return (jsonify(richMenuId=menu_id), 200) if menu_id else _error("no default richmenu", 404)


@bp.delete(f"{API}/user/all/richmenu")
@line_api("richmenu_default")
def richmenu_cancel_default() -> Answer:
    get_store().set_default_rich_menu(None)
    return jsonify({}), 200


@bp.post(f"{API}/user/<user_id>/richmenu/<menu_id>")
@line_api("richmenu_link")
def richmenu_link(user_id: str, menu_id: str) -> Answer:
    if (refused := _menu_with_image(menu_id)) is not None:
        return refused
    get_store().link_rich_menu([user_id], menu_id)
    return jsonify({}), 200


@bp.get(f"{API}/user/<user_id>/richmenu")
@line_api("richmenu_link")
def richmenu_of_user(user_id: str) -> Answer:
    menu_id = get_store().linked_rich_menu(user_id)
    if not menu_id:
        return _error("the user has no richmenu", 404)
    return jsonify(richMenuId=menu_id), 200


@bp.delete(f"{API}/user/<user_id>/richmenu")
@line_api("richmenu_link")
def richmenu_unlink(user_id: str) -> Answer:
    get_store().link_rich_menu([user_id], None)
    return jsonify({}), 200


def _user_ids(body: dict | None) -> v.Details:
    ids = body.get("userIds") if body else None
    if not isinstance(ids, list) or not 1 <= len(ids) <= 500 or not all(
            isinstance(i, str) and i for i in ids):
        return [("userIds", "Size must be between 1 and 500")]
    return []


@bp.post(f"{API}/richmenu/bulk/link")
@line_api("richmenu_bulk")
def richmenu_bulk_link() -> Answer:
    body = _json_body()
    details = _user_ids(body)
    if not body or not isinstance(body.get("richMenuId"), str):
        details.append(("richMenuId", "must be specified"))
    if details:
        return _bad_request(details)
    if (refused := _menu_with_image(body["richMenuId"])) is not None:
        return refused
    get_store().link_rich_menu(body["userIds"], body["richMenuId"])
    return jsonify({}), 202


@bp.post(f"{API}/richmenu/bulk/unlink")
@line_api("richmenu_bulk")
def richmenu_bulk_unlink() -> Answer:
    body = _json_body()
    if details := _user_ids(body):
        return _bad_request(details)
    get_store().link_rich_menu(body["userIds"], None)
    return jsonify({}), 202


# -- rich menu aliases -----------------------------------------------------------------------


def _alias_target(menu_id: Any) -> tuple[Response, int] | None:
    if not isinstance(menu_id, str) or get_store().rich_menu(menu_id) is None:
        return _error("richmenu not found", 400)
    if not get_store().has_image(menu_id):
        return _error("must upload richmenu image before creating an alias", 400)
    return None


@bp.post(f"{API}/richmenu/alias")
@line_api("richmenu_alias")
def alias_create() -> Answer:
    body = _json_body()
    if body is None:
        return _malformed()
    alias_id = body.get("richMenuAliasId")
    if details := v._length(alias_id, 1, v.MAX_ALIAS_ID, "richMenuAliasId"):
        return _bad_request(details)
    if (refused := _alias_target(body.get("richMenuId"))) is not None:
        return refused
    store = get_store()
    if store.alias(alias_id):
        return _error("conflict richmenu alias id", 400)
    store.set_alias(alias_id, body["richMenuId"])
    return jsonify({}), 200


@bp.post(f"{API}/richmenu/alias/<alias_id>")
@line_api("richmenu_alias")
def alias_update(alias_id: str) -> Answer:
    body = _json_body()
    if body is None:
        return _malformed()
    store = get_store()
    if store.alias(alias_id) is None:
        return _error("richmenu alias not found", 404)
    if (refused := _alias_target(body.get("richMenuId"))) is not None:
        return refused
    store.set_alias(alias_id, body["richMenuId"])
    return jsonify({}), 200


@bp.delete(f"{API}/richmenu/alias/<alias_id>")
@line_api("richmenu_alias")
def alias_delete(alias_id: str) -> Answer:
    store = get_store()
    if store.alias(alias_id) is None:
        return _error("richmenu alias not found", 404)
    store.set_alias(alias_id, None)
    return jsonify({}), 200


@bp.get(f"{API}/richmenu/alias/list")
@line_api("richmenu_alias")
def alias_list() -> Answer:
    return jsonify(aliases=get_store().aliases()), 200


@bp.get(f"{API}/richmenu/alias/<alias_id>")
@line_api("richmenu_alias")
def alias_get(alias_id: str) -> Answer:
    found = get_store().alias(alias_id)
    return (jsonify(found), 200) if found else _error("richmenu alias not found", 404)
