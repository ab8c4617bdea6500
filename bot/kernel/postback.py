"""Postback data: short, versioned, signed, parsed once.

    1|<action>|<url-encoded args>|<signature>

The signature is a truncated HMAC of the rest under the channel secret, so data that was
edited on its way back is refused rather than trusted. A postback is still user input:
every action it names is authorised again by the code that handles it.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode

VERSION = "1"
MAX_DATA_LENGTH = 300
_SIGNATURE_LENGTH = 8


class InvalidPostback(ValueError):
    """The data is not something this bot wrote, or was written by an older version."""


@dataclass(frozen=True)
class Postback:
    action: str
    args: dict[str, str] = field(default_factory=dict)


class PostbackCodec:
    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(b"machibot-postback:" + secret.encode()).digest()
        # the same buttons are drawn turn after turn (the main menu alone has sixteen):
        # each is encoded and signed once
        self._encode_once = functools.lru_cache(maxsize=4096)(self._encode)

    def _sign(self, payload: str) -> str:
        digest = hmac.digest(self._key, payload.encode(), "sha256")
        return base64.urlsafe_b64encode(digest).decode()[:_SIGNATURE_LENGTH]

    def encode(self, action: str, /, **args: object) -> str:
        return self._encode_once(action, tuple(
            (k, str(v)) for k, v in args.items() if v is not None))

    def _encode(self, action: str, args: tuple[tuple[str, str], ...]) -> str:
        if not action or "|" in action:
            raise ValueError(f"bad action name {action!r}")
        query = urlencode(args)
        payload = f"{VERSION}|{action}|{query}"
        data = f"{payload}|{self._sign(payload)}"
        if len(data) > MAX_DATA_LENGTH:
            raise ValueError(
                f"postback data for {action!r} is {len(data)} characters; LINE takes 300")
        return data

    def decode(self, data: str) -> Postback:
        if not isinstance(data, str) or len(data) > MAX_DATA_LENGTH:
            raise InvalidPostback("not postback data of ours")
        parts = data.split("|")
        if len(parts) != 4 or parts[0] != VERSION:
            raise InvalidPostback("unknown format or version")
        payload, signature = "|".join(parts[:3]), parts[3]
        if not hmac.compare_digest(self._sign(payload), signature):
            raise InvalidPostback("signature does not match")
        try:
            args = dict(parse_qsl(parts[2], keep_blank_values=True, strict_parsing=bool(parts[2])))
        except ValueError:
            raise InvalidPostback("malformed arguments") from None
        return Postback(parts[1], args)
