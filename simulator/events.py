"""Builders of webhook events shaped like LINE's, from a one-to-one chat with a user.

    body = events.body([events.text("U123", "こんにちは", reply_token=token)])
    client.post("/callback", data=body, headers={"X-Line-Signature": events.sign(secret, body)})
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time
from typing import Any

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def ulid(timestamp_ms: int | None = None) -> str:
    """A 26-character ULID, as LINE uses for webhookEventId."""
    ms = int(time.time() * 1000) if timestamp_ms is None else timestamp_ms
    value = (ms << 80) | int.from_bytes(os.urandom(10), "big")
    return "".join(_CROCKFORD[(value >> (5 * i)) & 31] for i in reversed(range(26)))


def _event(kind: str, user_id: str, reply_token: str | None = None, **fields: Any) -> dict:
    now = int(time.time() * 1000)
    event: dict[str, Any] = {
        "type": kind,
        "timestamp": now,
        "mode": "active",
        "webhookEventId": ulid(now),
        "deliveryContext": {"isRedelivery": False},
        "source": {"type": "user", "userId": user_id},
    }
    if reply_token is not None:
        event["replyToken"] = reply_token
    event.update(fields)
    return event


def _message_id() -> str:
    return str(int.from_bytes(os.urandom(7), "big"))


def text(user_id: str, text: str, reply_token: str | None = None) -> dict:
    return _event("message", user_id, reply_token, message={
        "id": _message_id(), "type": "text", "quoteToken": base64.urlsafe_b64encode(
            os.urandom(18)).decode(), "text": text})


def postback(user_id: str, data: str, params: dict | None = None,
             reply_token: str | None = None) -> dict:
    body: dict[str, Any] = {"data": data}
    if params:
        body["params"] = params
    return _event("postback", user_id, reply_token, postback=body)


def location(user_id: str, lat: float, lon: float, title: str | None = None,
             address: str | None = None, reply_token: str | None = None) -> dict:
    message: dict[str, Any] = {"id": _message_id(), "type": "location",
                               "latitude": lat, "longitude": lon}
    if title is not None:
        message["title"] = title
    if address is not None:
        message["address"] = address
    return _event("message", user_id, reply_token, message=message)


def follow(user_id: str, reply_token: str | None = None, is_unblocked: bool = False) -> dict:
    return _event("follow", user_id, reply_token, follow={"isUnblocked": is_unblocked})


def unfollow(user_id: str) -> dict:
    return _event("unfollow", user_id)  # LINE gives no reply token on unfollow


def sticker(user_id: str, package_id: str = "446", sticker_id: str = "1988",
            reply_token: str | None = None) -> dict:
    return _event("message", user_id, reply_token, message={
        "id": _message_id(), "type": "sticker", "packageId": package_id,
        "stickerId": sticker_id, "stickerResourceType": "STATIC", "keywords": []})


def image(user_id: str, reply_token: str | None = None,
          message_id: str | None = None) -> dict:
    """An image message; its bytes, if any, are what the simulator store holds for the id."""
    return _event("message", user_id, reply_token, message={
        "id": message_id or _message_id(), "type": "image",
        "contentProvider": {"type": "line"}})


def unsend(user_id: str, message_id: str) -> dict:
    return _event("unsend", user_id, unsend={"messageId": message_id})


def new_message_id() -> str:
    return _message_id()


def body(events: list[dict], destination: str = "Usimulatorbot") -> bytes:
    payload = {"destination": destination, "events": events}
    try:
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    except UnicodeEncodeError:  # a lone surrogate: JSON carries it escaped, as "\ud800"
        return json.dumps(payload, separators=(",", ":")).encode()


def sign(secret: str, body: bytes) -> str:
    """X-Line-Signature: Base64(HMAC-SHA256(channel secret, raw body))."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
