"""LINE's request checks, as the platform applies them, with LINE's error wording.

Each check returns a list of `(property, message)` details; an empty list means LINE would
accept the request. The limits are the ones in LINE-FACTS.md; where LINE changes a figure,
change it here.
"""

from __future__ import annotations

import json
import re
from io import BytesIO
from typing import Any

from PIL import Image, UnidentifiedImageError

MAX_MESSAGES = 5
MAX_TEXT_UTF16 = 5_000
MAX_QUICK_REPLY_ITEMS = 13
MAX_ACTION_LABEL = 20
MAX_DATA = 300
MAX_DISPLAY_TEXT = 300
MAX_URI = 1_000
MAX_ALT_TEXT = 1_500
MAX_BUBBLE_BYTES = 30 * 1024
MAX_CAROUSEL_BYTES = 50 * 1024
MAX_CAROUSEL_BUBBLES = 12
MAX_MULTICAST = 500
MAX_RICH_MENU_AREAS = 20
MAX_CHAT_BAR_TEXT = 14
MAX_ALIAS_ID = 32
MAX_RICH_MENUS = 1_000
MAX_RICH_MENU_IMAGE_BYTES = 1024 * 1024
RICH_MENU_WIDTH = (800, 2_500)
RICH_MENU_MIN_HEIGHT = 250
RICH_MENU_MIN_RATIO = 1.45

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
URI_SCHEMES = ("http://", "https://", "tel:", "line://")
ACTION_TYPES = {
    "postback", "message", "uri", "datetimepicker", "camera", "cameraRoll", "location",
    "richmenuswitch", "clipboard",
}
COMPONENT_TYPES = {"box", "text", "button", "image", "separator", "filler", "icon", "span", "video"}
BOX_LAYOUTS = {"horizontal", "vertical", "baseline"}
MESSAGE_TYPES = {
    "text", "textV2", "sticker", "image", "video", "audio", "location", "imagemap", "template",
    "flex",
}

Details = list[tuple[str, str]]

# the endpoints that take an X-Line-Retry-Key header; every other endpoint refuses it
RETRY_KEY_ENDPOINTS = frozenset({"push", "multicast", "narrowcast", "broadcast"})


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def json_size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())


def error_body(details: Details, message: str | None = None) -> dict:
    body: dict[str, Any] = {
        "message": message or f"The request body has {len(details)} error(s)",
    }
    if details:
        body["details"] = [{"message": m, "property": p} for p, m in details]
    return body


def _length(value: Any, low: int, high: int, where: str, unit: str = "chars") -> Details:
    if not isinstance(value, str):
        return [(where, "must be specified" if value is None else "must be a string")]
    size = utf16_length(value) if unit == "utf16" else len(value)
    if not low <= size <= high:
        return [(where, f"Length must be between {low} and {high}")]
    return []


def check_retry_key(endpoint: str, retry_key: str | None) -> str | None:
    """LINE's message refusing this X-Line-Retry-Key header (400), or None."""
    if retry_key is None:
        return None
    if endpoint not in RETRY_KEY_ENDPOINTS:
        return "X-Line-Retry-Key header is not supported for this endpoint"
    if not UUID_RE.match(retry_key):
        return "The value of X-Line-Retry-Key header is invalid; it must be a UUID"
    return None


def check_send(endpoint: str, body: dict, size_bound: int | None = None) -> Details:
    """The body of a reply, push, multicast, narrowcast or broadcast call. `size_bound`:
    see `check_messages`."""
    details: Details = []
    if endpoint == "reply":
        token = body.get("replyToken")
        if not (isinstance(token, str) and token):
            details.append(("replyToken", "must be specified"))
    elif endpoint == "push":
        to = body.get("to")
        if not (isinstance(to, str) and to):
            details.append(("to", "must be specified"))
    elif endpoint == "multicast":
        to = body.get("to")
        if not (isinstance(to, list) and 1 <= len(to) <= MAX_MULTICAST
                and all(isinstance(u, str) and u for u in to)):
            details.append(("to", f"Size must be between 1 and {MAX_MULTICAST}"))
    # narrowcast: recipient filters and audiences are accepted and ignored (every friend)
    return details + check_messages(body.get("messages"), size_bound=size_bound)


def check_messages(messages: Any, where: str = "messages", size_bound: int | None = None
                   ) -> Details:
    """`size_bound`: the size of `json_size(messages)` when the caller has it. Every Flex
    container's compact JSON is part of the messages' compact JSON, so a container cannot
    pass a size limit that the whole stays within, and is then not measured again."""
    if not isinstance(messages, list) or not 1 <= len(messages) <= MAX_MESSAGES:
        return [(where, f"Size must be between 1 and {MAX_MESSAGES}")]
    details: Details = []
    for i, message in enumerate(messages):
        details += check_message(message, f"{where}[{i}]", size_bound)
    return details


def check_message(message: Any, where: str, size_bound: int | None = None) -> Details:
    if not isinstance(message, dict):
        return [(where, "must be an object")]
    kind = message.get("type")
    if kind not in MESSAGE_TYPES:
        return [(f"{where}.type", "Invalid message type")]
    details: Details = []
    if kind in ("text", "textV2"):
        text = message.get("text")
        if text == "":
            details.append((f"{where}.text", "May not be empty"))
        else:
            details += _length(text, 1, MAX_TEXT_UTF16, f"{where}.text", unit="utf16")
    elif kind == "flex":
        details += _length(message.get("altText"), 1, MAX_ALT_TEXT, f"{where}.altText")
        details += check_flex_container(message.get("contents"), f"{where}.contents",
                                        size_bound)
    elif kind == "template":
        details += _length(message.get("altText"), 1, 400, f"{where}.altText")
        details += check_template(message.get("template"), f"{where}.template")
    elif kind in ("image", "video"):
        for field in ("originalContentUrl", "previewImageUrl"):
            if not str(message.get(field, "")).startswith("https://"):
                details.append((f"{where}.{field}", "must be an HTTPS URL"))
    elif kind == "audio":
        if not str(message.get("originalContentUrl", "")).startswith("https://"):
            details.append((f"{where}.originalContentUrl", "must be an HTTPS URL"))
        duration = message.get("duration")
        if isinstance(duration, bool) or not isinstance(duration, int) or duration < 1:
            details.append((f"{where}.duration", "must be a positive number of milliseconds"))
    elif kind == "location":
        for field in ("title", "address"):
            details += _length(message.get(field), 1, 100, f"{where}.{field}")
        for field in ("latitude", "longitude"):
            if not isinstance(message.get(field), int | float):
                details.append((f"{where}.{field}", "must be a number"))
    elif kind == "sticker":
        for field in ("packageId", "stickerId"):
            if not isinstance(message.get(field), str):
                details.append((f"{where}.{field}", "must be specified"))
    if "quickReply" in message:
        details += check_quick_reply(message["quickReply"], f"{where}.quickReply")
    return details


def check_quick_reply(quick_reply: Any, where: str) -> Details:
    items = quick_reply.get("items") if isinstance(quick_reply, dict) else None
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_QUICK_REPLY_ITEMS:
        return [(f"{where}.items", f"Size must be between 1 and {MAX_QUICK_REPLY_ITEMS}")]
    details: Details = []
    for i, item in enumerate(items):
        at = f"{where}.items[{i}]"
        if not isinstance(item, dict) or item.get("type") != "action":
            details.append((f"{at}.type", "must be 'action'"))
            continue
        details += check_action(item.get("action"), f"{at}.action", label_required=True)
    return details


def check_action(action: Any, where: str, *, label_required: bool = False,
                 label_max: int = MAX_ACTION_LABEL) -> Details:
    if not isinstance(action, dict):
        return [(where, "must be specified")]
    kind = action.get("type")
    if kind not in ACTION_TYPES:
        return [(f"{where}.type", "Invalid action type")]
    details: Details = []
    label = action.get("label")
    if label is not None or (label_required and kind not in ("camera", "cameraRoll", "location")):
        details += _length(label, 1, label_max, f"{where}.label")
    if kind in ("postback", "datetimepicker", "richmenuswitch"):
        details += _length(action.get("data"), 1 if kind != "postback" else 0, MAX_DATA,
                           f"{where}.data")
    if kind == "postback":
        for field in ("displayText", "text"):
            if field in action:
                details += _length(action[field], 1, MAX_DISPLAY_TEXT, f"{where}.{field}")
    elif kind == "message":
        details += _length(action.get("text"), 1, MAX_DISPLAY_TEXT, f"{where}.text")
    elif kind == "uri":
        uri = action.get("uri")
        details += _length(uri, 1, MAX_URI, f"{where}.uri")
        if isinstance(uri, str) and not uri.startswith(URI_SCHEMES):
            details.append((f"{where}.uri", "Invalid uri scheme; use http, https, line or tel"))
    elif kind == "datetimepicker":
        if action.get("mode") not in ("date", "time", "datetime"):
            details.append((f"{where}.mode", "must be one of date, time, datetime"))
    elif kind == "richmenuswitch":
        details += _length(action.get("richMenuAliasId"), 1, MAX_ALIAS_ID,
                           f"{where}.richMenuAliasId")
    return details


def check_template(template: Any, where: str) -> Details:
    if not isinstance(template, dict):
        return [(where, "must be specified")]
    kind = template.get("type")
    details: Details = []
    if kind == "confirm":
        actions = template.get("actions")
        if not isinstance(actions, list) or len(actions) != 2:
            return [(f"{where}.actions", "Size must be 2")]
        details += _length(template.get("text"), 1, 240, f"{where}.text")
    elif kind == "buttons":
        actions = template.get("actions")
        if not isinstance(actions, list) or not 1 <= len(actions) <= 4:
            return [(f"{where}.actions", "Size must be between 1 and 4")]
        limit = 160 if not (template.get("title") or template.get("thumbnailImageUrl")) else 60
        details += _length(template.get("text"), 1, limit, f"{where}.text")
    elif kind in ("carousel", "image_carousel"):
        columns = template.get("columns")
        if not isinstance(columns, list) or not 1 <= len(columns) <= 10:
            return [(f"{where}.columns", "Size must be between 1 and 10")]
        for i, column in enumerate(columns):
            col_actions = column.get("actions", []) if isinstance(column, dict) else []
            if kind == "image_carousel":
                col_actions = [column.get("action")] if isinstance(column, dict) else []
            for j, action in enumerate(col_actions):
                details += check_action(action, f"{where}.columns[{i}].actions[{j}]")
        return details
    else:
        return [(f"{where}.type", "Invalid template type")]
    for i, action in enumerate(actions):
        details += check_action(action, f"{where}.actions[{i}]", label_required=True)
    return details


def _over(value: Any, limit: int, size_bound: int | None) -> bool:
    return (size_bound is None or size_bound > limit) and json_size(value) > limit


def check_flex_container(container: Any, where: str, size_bound: int | None = None) -> Details:
    if not isinstance(container, dict):
        return [(where, "must be specified")]
    kind = container.get("type")
    if kind == "bubble":
        if _over(container, MAX_BUBBLE_BYTES, size_bound):
            return [(where, f"Size of a bubble must be at most {MAX_BUBBLE_BYTES // 1024} KB")]
        return check_bubble(container, where)
    if kind == "carousel":
        bubbles = container.get("contents")
        if not isinstance(bubbles, list) or not 1 <= len(bubbles) <= MAX_CAROUSEL_BUBBLES:
            return [(f"{where}.contents", f"Size must be between 1 and {MAX_CAROUSEL_BUBBLES}")]
        if _over(container, MAX_CAROUSEL_BYTES, size_bound):
            return [(where, f"Size of a carousel must be at most {MAX_CAROUSEL_BYTES // 1024} KB")]
        details: Details = []
        for i, bubble in enumerate(bubbles):
            at = f"{where}.contents[{i}]"
            if not isinstance(bubble, dict) or bubble.get("type") != "bubble":
                details.append((f"{at}.type", "must be 'bubble'"))
            elif _over(bubble, MAX_BUBBLE_BYTES, size_bound):
                details.append((at, f"Size of a bubble must be at most "
                                    f"{MAX_BUBBLE_BYTES // 1024} KB"))
            else:
                details += check_bubble(bubble, at)
        return details
    return [(f"{where}.type", "must be 'bubble' or 'carousel'")]


def check_bubble(bubble: dict, where: str) -> Details:
    details: Details = []
    blocks = [b for b in ("header", "hero", "body", "footer") if b in bubble]
    if not blocks:
        details.append((where, "A bubble needs at least one of header, hero, body, footer"))
    for block in blocks:
        component = bubble[block]
        if block != "hero" and not (isinstance(component, dict) and component.get("type") == "box"):
            details.append((f"{where}.{block}.type", "must be 'box'"))
            continue
        details += check_component(component, f"{where}.{block}")
    if "action" in bubble:
        details += check_action(bubble["action"], f"{where}.action")
    return details


def check_component(component: Any, where: str) -> Details:
    if not isinstance(component, dict):
        return [(where, "must be an object")]
    kind = component.get("type")
    if kind not in COMPONENT_TYPES:
        return [(f"{where}.type", "Unknown component type")]
    details: Details = []
    if kind == "box":
        if component.get("layout") not in BOX_LAYOUTS:
            details.append((f"{where}.layout", "must be horizontal, vertical or baseline"))
        contents = component.get("contents")
        if not isinstance(contents, list):
            details.append((f"{where}.contents", "must be specified"))
        else:
            for i, child in enumerate(contents):
                details += check_component(child, f"{where}.contents[{i}]")
    elif kind == "text":
        spans = component.get("contents")
        if isinstance(spans, list) and spans:
            for i, span in enumerate(spans):
                details += check_component(span, f"{where}.contents[{i}]")
        elif not isinstance(component.get("text"), str):
            details.append((f"{where}.text", "must be specified"))
    elif kind == "span":
        if not isinstance(component.get("text"), str):
            details.append((f"{where}.text", "must be specified"))
    elif kind == "button":
        details += check_action(component.get("action"), f"{where}.action", label_required=True,
                                label_max=40)
    elif kind in ("image", "icon"):
        url = component.get("url")
        if not isinstance(url, str) or not url.startswith("https://"):
            details.append((f"{where}.url", "must be an HTTPS URL"))
    if kind != "button" and "action" in component:
        details += check_action(component["action"], f"{where}.action")
    return details


def check_rich_menu(menu: Any) -> Details:
    if not isinstance(menu, dict):
        return [("", "must be an object")]
    details: Details = []
    size = menu.get("size")
    if not isinstance(size, dict) or not all(
            isinstance(size.get(k), int) for k in ("width", "height")):
        details.append(("size", "must be specified"))
    else:
        width, height = size["width"], size["height"]
        if not RICH_MENU_WIDTH[0] <= width <= RICH_MENU_WIDTH[1]:
            details.append(("size.width", "must be between 800 and 2500"))
        if height < RICH_MENU_MIN_HEIGHT:
            details.append(("size.height", "must be at least 250"))
        if height and width / height < RICH_MENU_MIN_RATIO:
            details.append(("size", "width/height must be at least 1.45"))
    if not isinstance(menu.get("selected"), bool):
        details.append(("selected", "must be specified"))
    details += _length(menu.get("name"), 1, 300, "name")
    details += _length(menu.get("chatBarText"), 1, MAX_CHAT_BAR_TEXT, "chatBarText")
    areas = menu.get("areas")
    if not isinstance(areas, list) or len(areas) > MAX_RICH_MENU_AREAS:
        details.append(("areas", f"Size must be between 0 and {MAX_RICH_MENU_AREAS}"))
        return details
    for i, area in enumerate(areas):
        bounds = area.get("bounds") if isinstance(area, dict) else None
        if not isinstance(bounds, dict) or not all(
            isinstance(bounds.get(k), int) and bounds[k] >= 0 for k in ("x", "y", "width", "height")
        ):
            details.append((f"areas[{i}].bounds", "must have x, y, width and height"))
        details += check_action(area.get("action") if isinstance(area, dict) else None,
                                f"areas[{i}].action")
    return details


def check_rich_menu_image(data: bytes, content_type: str, menu: dict) -> str | None:
    """The reason LINE would refuse this image for this menu, else None."""
    if content_type not in ("image/jpeg", "image/png"):
        return "Content-Type must be image/jpeg or image/png"
    if len(data) > MAX_RICH_MENU_IMAGE_BYTES:
        return "The image must be at most 1 MB"
    try:
        with Image.open(BytesIO(data)) as image:
            fmt, (width, height) = image.format, image.size
    except (UnidentifiedImageError, OSError):
        return "The image could not be read"
    if (fmt, content_type) not in (("JPEG", "image/jpeg"), ("PNG", "image/png")):
        return "The image format does not match the Content-Type"
    if not RICH_MENU_WIDTH[0] <= width <= RICH_MENU_WIDTH[1] or height < RICH_MENU_MIN_HEIGHT:
        return "The image must be 800 to 2500 pixels wide and at least 250 pixels high"
    if width / height < RICH_MENU_MIN_RATIO:
        return "The image's width/height must be at least 1.45"
    size = menu.get("size", {})
    if (width, height) != (size.get("width"), size.get("height")):
        return "The image size does not match the rich menu's size"
    return None
