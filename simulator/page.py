"""The chat page and the small JSON endpoints it, the terminal chat and tests use.

None of these are LINE paths: they stand in for the LINE app on a phone (a user, their
reply tokens, what they see) and for the simulator's knobs.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Response, current_app, jsonify, render_template, request

from simulator.blueprint import bp
from simulator.store import ENDPOINTS, get_store

DEFAULT_LOCATION = {"latitude": 35.6995, "longitude": 139.6364}  # near Suginami ward office


@bp.get("/")
def chat_page() -> str:
    return render_template(
        "simulator_chat.html",
        channel_secret=current_app.config["LINE_CHANNEL_SECRET"],
        default_location=DEFAULT_LOCATION,
    )


@bp.get("/api/config")
def page_config() -> Response:
    """What a stand-in LINE app needs to sign webhooks (dev only, like the page itself)."""
    return jsonify(channelSecret=current_app.config["LINE_CHANNEL_SECRET"],
                   callbackPath="/callback", defaultLocation=DEFAULT_LOCATION)


def _user_arg() -> str | None:
    user = request.args.get("user") or (request.get_json(silent=True) or {}).get("user")
    return user if isinstance(user, str) and user else None


@bp.get("/api/users")
def list_users() -> Response:
    return jsonify(users=get_store().users())


@bp.post("/api/users")
def create_user() -> tuple[Response, int]:
    body: dict[str, Any] = request.get_json(silent=True) or {}
    user_id = body.get("userId") or "U" + secrets.token_hex(16)
    if not isinstance(user_id, str) or not user_id.startswith("U") or len(user_id) > 64:
        return jsonify(message="userId must start with U"), 400
    language = body.get("language") or None
    store = get_store()
    created = not store.has_user(user_id)
    profile = store.add_user(user_id, display_name=body.get("displayName") or "ゲスト",
                             language=language)
    return jsonify(dict(profile, created=created)), 201 if created else 200


@bp.post("/api/friend")
def set_friend() -> Response | tuple[Response, int]:
    body = request.get_json(silent=True) or {}
    user = _user_arg()
    if user is None:
        return jsonify(message="user is required"), 400
    get_store().set_friend(user, bool(body.get("isFriend", True)))
    return jsonify(userId=user, isFriend=get_store().is_friend(user))


@bp.post("/api/reply-token")
def reply_token() -> Response | tuple[Response, int]:
    user = _user_arg()
    if user is None:
        return jsonify(message="user is required"), 400
    return jsonify(replyToken=get_store().issue_reply_token(user))


MAX_CONTENT_BYTES = 20_000_000


@bp.post("/api/content")
def upload_content() -> Response | tuple[Response, int]:
    """The page's user sends an image: keep its bytes under a new message id, which the
    page then puts in the image message event (as the LINE app uploads before sending)."""
    data = request.get_data(cache=False)
    content_type = (request.mimetype or "").lower()
    if not data or not content_type.startswith("image/"):
        return jsonify(message="an image body with an image/* Content-Type is required"), 400
    if len(data) > MAX_CONTENT_BYTES:
        return jsonify(message="the image is too large for the simulator"), 413
    message_id = str(secrets.randbelow(9 * 10**17) + 10**17)
    get_store().set_content(message_id, data, content_type)
    return jsonify(messageId=message_id)


@bp.get("/api/messages")
def messages() -> Response | tuple[Response, int]:
    user = _user_arg()
    if user is None:
        return jsonify(message="user is required"), 400
    after = request.args.get("after", "0")
    store = get_store()
    return jsonify(
        messages=store.messages(user, int(after) if after.isdigit() else 0),
        loading=store.loading_active(user),
    )


def _menu_view(menu_id: str) -> dict | None:
    store = get_store()
    menu = store.rich_menu(menu_id)
    if menu is None:
        return None
    has_image = store.has_image(menu_id)
    return {"richMenuId": menu_id, "richMenu": menu, "hasImage": has_image,
            "imageUrl": f"{request.script_root}/simulator/api/richmenu/{menu_id}/image"
            if has_image else None}


@bp.get("/api/richmenu")
def user_rich_menu() -> Response | tuple[Response, int]:
    user = _user_arg()
    if user is None:
        return jsonify(message="user is required"), 400
    current = get_store().rich_menu_for(user)
    return jsonify(menu=_menu_view(current["richMenuId"]) if current else None)


@bp.get("/api/richmenu/alias/<alias_id>")
def alias_menu(alias_id: str) -> Response | tuple[Response, int]:
    alias = get_store().alias(alias_id)
    view = _menu_view(alias["richMenuId"]) if alias else None
    return (jsonify(menu=view), 200) if view else (jsonify(message="alias not found"), 404)


@bp.get("/api/richmenu/<menu_id>/image")
def rich_menu_image(menu_id: str) -> Response | tuple[Response, int]:
    found = get_store().image(menu_id)
    if found is None:
        return jsonify(message="no image"), 404
    data, content_type = found
    return Response(data, mimetype=content_type)


@bp.get("/admin/settings")
def get_settings() -> Response:
    return jsonify(get_store().settings())


@bp.post("/admin/settings")
def change_settings() -> Response | tuple[Response, int]:
    """JSON: latency_ms, failure_rate, reply_token_ttl, rate_limiting (bool),
    rate_limits ({endpoint: limit | [limit, window_seconds]}), monthly_quota,
    accepted_failure_rate, accepted_timeout_rate and accepted_delay_ms
    (`SimulatorStore.configure`)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify(message="a JSON object is required"), 400
    limits = body.get("rate_limits")
    if isinstance(limits, dict) and not set(limits) <= ENDPOINTS:
        unknown = ", ".join(sorted(set(limits) - ENDPOINTS))
        return jsonify(message=f"unknown endpoint in rate_limits: {unknown}"), 400
    try:
        settings = get_store().configure(
            latency_ms=body.get("latency_ms"), failure_rate=body.get("failure_rate"),
            rate_limits=limits, reply_token_ttl=body.get("reply_token_ttl"),
            rate_limiting=body.get("rate_limiting"), monthly_quota=body.get("monthly_quota"),
            accepted_failure_rate=body.get("accepted_failure_rate"),
            accepted_timeout_rate=body.get("accepted_timeout_rate"),
            accepted_delay_ms=body.get("accepted_delay_ms"),
        )
    except (TypeError, ValueError) as exc:
        return jsonify(message=str(exc)), 400
    return jsonify(settings)


@bp.post("/admin/reset")
def reset() -> Response:
    get_store().reset()
    return jsonify(status="ok")


@bp.get("/api/content/<message_id>")
def sent_content(message_id: str) -> Response | tuple[Response, int]:
    """What a page's user sent (a photo), for the page to show it in the chat."""
    found = get_store().content(message_id)
    if found is None:
        return jsonify(message="no content"), 404
    data, content_type = found
    return Response(data, mimetype=content_type)
