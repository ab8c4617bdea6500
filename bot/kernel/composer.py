"""Message builders: text, choices, card, carousel, confirm.

They know LINE's limits (LINE-FACTS.md) and the reader's mode, so dialogs never assemble
raw Flex JSON and never exceed a limit. Simple mode uses larger text, at most four choices
in a message, one of them always "back to menu", and never asks for typing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bot.kernel.i18n import gettext
from bot.kernel.postback import PostbackCodec

TEXT_LIMIT = 5000
ALT_TEXT_LIMIT = 1500
LABEL_LIMIT = 20
QUICK_REPLY_LIMIT = 13
SIMPLE_CHOICE_LIMIT = 4
BUBBLE_BYTES = 30_000
CAROUSEL_BYTES = 50_000
CAROUSEL_BUBBLES = 12

T = TypeVar("T")

GREEN = "#06C755"
INK = "#111111"
MUTED = "#555555"


def page_of(items: Sequence[T], page: int, size: int) -> tuple[list[T], int, int]:
    """(the items on `page`, that page, the number of pages); pages wrap around, so "More"
    on the last page shows the first again. An empty list has one empty page."""
    pages = max(1, -(-len(items) // size))
    page %= pages
    return list(items[page * size:(page + 1) * size]), page, pages


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def clip(text: str, limit: int) -> str:
    """Cut text to at most `limit` UTF-16 code units, ending with '…' when cut."""
    if 2 * len(text) <= limit or utf16_len(text) <= limit:  # no character takes more than 2
        return text
    out, used = [], 0
    for ch in text:
        size = 2 if ord(ch) > 0xFFFF else 1
        if used + size > limit - 1:
            break
        out.append(ch)
        used += size
    return "".join(out) + "…"


@dataclass(frozen=True)
class Choice:
    """One tappable choice. `kind` is postback, message, date, time, datetime, location or uri."""

    label: str
    action: str = ""
    args: dict[str, Any] = field(default_factory=dict)
    kind: str = "postback"
    text: str = ""
    uri: str = ""
    style: str = "secondary"  # for buttons: primary, secondary, link

    @classmethod
    def answer(cls, step: str, label: str, value: object, **extra: Any) -> Choice:
        """An answer to a dialog step: only valid while the user is at that step."""
        return cls(label, "ans", {"s": step, "v": value, **extra})

    @classmethod
    def go(cls, label: str, action: str, **args: Any) -> Choice:
        return cls(label, action, args)


class Composer:
    """Builds LINE message objects for one reader (locale and mode)."""

    def __init__(self, locale: str, mode: str, codec: PostbackCodec) -> None:
        self.locale = locale
        self.mode = mode
        self.codec = codec

    @property
    def simple(self) -> bool:
        return self.mode == "simple"

    def _(self, message: str, **params: Any) -> str:
        return gettext(self.locale, message, **params)

    # -- actions ----------------------------------------------------------------------------

    def back_to_menu(self) -> Choice:
        # Translators: button that leaves whatever the person is doing and shows the main menu
        return Choice.go(self._("Back to menu"), "menu")

    def action(self, choice: Choice) -> dict[str, Any]:
        label = clip(choice.label, LABEL_LIMIT)
        if choice.kind == "postback":
            data = self.codec.encode(choice.action, **choice.args)
            return {"type": "postback", "label": label, "data": data,
                    "displayText": clip(choice.label, 300)}
        if choice.kind == "message":
            text = clip(choice.text or choice.label, 300)
            return {"type": "message", "label": label, "text": text}
        if choice.kind in ("date", "time", "datetime"):
            return {"type": "datetimepicker", "label": label, "mode": choice.kind,
                    "data": self.codec.encode(choice.action, **choice.args)}
        if choice.kind == "location":
            return {"type": "location", "label": label}
        if choice.kind == "uri":
            return {"type": "uri", "label": label, "uri": choice.uri}
        raise ValueError(f"unknown choice kind {choice.kind!r}")

    def _with_back(self, choices: Sequence[Choice], back: bool) -> list[Choice]:
        choices = list(choices)
        if self.simple and back and not any(c.action == "menu" for c in choices):
            choices.append(self.back_to_menu())
        limit = SIMPLE_CHOICE_LIMIT if self.simple else QUICK_REPLY_LIMIT
        if len(choices) > limit:
            raise ValueError(f"{len(choices)} choices in {self.mode} mode; at most {limit}")
        return choices

    # -- messages ---------------------------------------------------------------------------

    def text(self, body: str, choices: Sequence[Choice] = (), *, back: bool = True) -> dict:
        """A message to read, optionally with choices under it."""
        body = clip(body, TEXT_LIMIT)
        choices = self._with_back(choices, back)
        if self.simple:
            # LINE allows the location action only in quick replies
            located = [c for c in choices if c.kind == "location"]
            buttons = [c for c in choices if c.kind != "location"]
            message = self._bubble_message(body, self._simple_bubble(body, buttons))
            if located:
                message["quickReply"] = {
                    "items": [{"type": "action", "action": self.action(c)} for c in located]
                }
            return message
        message: dict[str, Any] = {"type": "text", "text": body}
        if choices:
            message["quickReply"] = {
                "items": [{"type": "action", "action": self.action(c)} for c in choices]
            }
        return message

    def choices(self, prompt: str, choices: Sequence[Choice], *, back: bool = True) -> dict:
        """A question with tappable answers (quick reply chips, or big buttons in simple mode)."""
        if not choices:
            raise ValueError("a question needs at least one choice")
        return self.text(prompt, choices, back=back)

    def confirm(self, question: str, yes: Choice, no: Choice) -> dict:
        """A yes/no question as two large buttons."""
        buttons = [Choice(yes.label, yes.action, yes.args, yes.kind, style="primary"),
                   Choice(no.label, no.action, no.args, no.kind, style="secondary")]
        if self.simple:
            return self._bubble_message(question, self._simple_bubble(question, buttons + [
                self.back_to_menu()]))
        bubble = {
            "type": "bubble",
            "body": {"type": "box", "layout": "vertical", "spacing": "md", "contents": [
                {"type": "text", "text": clip(question, 2000), "wrap": True, "size": "md"},
            ]},
            "footer": {"type": "box", "layout": "horizontal", "spacing": "sm",
                       "contents": [self._button(b) for b in buttons]},
        }
        return self._bubble_message(question, bubble)

    def card(
        self,
        title: str,
        lines: Sequence[str] = (),
        buttons: Sequence[Choice] = (),
        *,
        badges: Sequence[str] = (),
        image_url: str | None = None,
        image_fit: bool = False,
        alt_text: str | None = None,
    ) -> dict:
        return self._bubble_message(alt_text or title, self.bubble(
            title, lines, buttons, badges=badges, image_url=image_url, image_fit=image_fit))

    def bubble(
        self,
        title: str,
        lines: Sequence[str] = (),
        buttons: Sequence[Choice] = (),
        *,
        badges: Sequence[str] = (),
        image_url: str | None = None,
        image_fit: bool = False,
    ) -> dict:
        """A card: title, badges, lines of detail and up to four buttons; its image fills the
        top (a photo), or with `image_fit` is shown whole (a logo, which cropping would cut)."""
        size = "xl" if self.simple else "lg"
        body: list[dict] = [{"type": "text", "text": clip(title, 200), "weight": "bold",
                             "size": size, "wrap": True, "color": INK}]
        if badges:
            body.append({"type": "box", "layout": "horizontal", "spacing": "xs", "contents": [
                {"type": "text", "text": clip(b, 20), "size": "xs", "color": GREEN, "flex": 0}
                for b in badges[:4]]})
        for line in lines:
            body.append({"type": "text", "text": clip(line, 500), "wrap": True,
                         "size": "lg" if self.simple else "sm", "color": MUTED})
        bubble: dict[str, Any] = {
            "type": "bubble",
            "size": "mega",
            "body": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": body},
        }
        if image_url:
            bubble["hero"] = {"type": "image", "url": image_url, "size": "full",
                              "aspectRatio": "20:13",
                              "aspectMode": "fit" if image_fit else "cover"}
        if buttons:
            bubble["footer"] = {"type": "box", "layout": "vertical", "spacing": "sm",
                                "contents": [self._button(b) for b in list(buttons)[:4]]}
        return bubble

    def carousel(self, bubbles: Sequence[dict], alt_text: str,
                 choices: Sequence[Choice] = ()) -> dict:
        """Up to 12 cards side by side, dropping trailing cards to stay within 50 KB.

        A card over LINE's 30 KB bubble limit is left out (LINE would refuse the whole
        message). In simple mode the choices, and always "back to menu", go to the quick
        reply: a carousel has no room for buttons of its own.
        """
        kept = [b for b in bubbles if _json_size(b) <= BUBBLE_BYTES][:CAROUSEL_BUBBLES]
        if not kept:
            raise ValueError("a carousel needs at least one card within LINE's 30 KB limit")
        contents = {"type": "carousel", "contents": kept}
        while len(kept) > 1 and _json_size(contents) > CAROUSEL_BYTES:
            kept.pop()
            contents = {"type": "carousel", "contents": kept}
        message = {"type": "flex", "altText": clip(alt_text, ALT_TEXT_LIMIT), "contents": contents}
        choices = self._with_back(choices, back=True)
        if choices:
            message["quickReply"] = {
                "items": [{"type": "action", "action": self.action(c)} for c in choices]
            }
        return message

    # -- pieces -----------------------------------------------------------------------------

    def _button(self, choice: Choice) -> dict:
        style = choice.style if choice.style in ("primary", "secondary", "link") else "secondary"
        button = {"type": "button", "action": self.action(choice), "style": style,
                  "height": "md" if self.simple else "sm"}
        if style == "primary":
            button["color"] = GREEN
        return button

    def _simple_bubble(self, body: str, choices: Sequence[Choice]) -> dict:
        bubble: dict[str, Any] = {
            "type": "bubble",
            "body": {"type": "box", "layout": "vertical", "contents": [
                {"type": "text", "text": clip(body, 2000), "wrap": True, "size": "xl",
                 "color": INK},
            ]},
        }
        if choices:
            buttons = []
            for c in choices:
                style = "secondary" if c.action == "menu" else (
                    c.style if c.style != "secondary" else "primary")
                buttons.append(self._button(Choice(c.label, c.action, c.args, c.kind, c.text,
                                                   c.uri, style)))
            bubble["footer"] = {"type": "box", "layout": "vertical", "spacing": "md",
                                "contents": buttons}
        return bubble

    def _bubble_message(self, alt_text: str, bubble: dict) -> dict:
        if _json_size(bubble) > BUBBLE_BYTES:
            raise ValueError("a Flex bubble over LINE's 30 KB limit")
        return {"type": "flex", "altText": clip(alt_text, ALT_TEXT_LIMIT), "contents": bubble}


def _json_size(value: object) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())
