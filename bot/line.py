"""The one LINE client of a process: timeouts, retries with backoff, reply-else-push.

Every call goes through line-bot-sdk's MessagingApi and MessagingApiBlob, except the four
sends (reply, push, multicast, broadcast): they post the builders' JSON through a keep-alive
transport of their own, bot/line_transport.py (why: its docstring, and LineClient's comment
above `reply`). The ApiClients and the transport are built once per process (each new
client builds a new connection pool), with a timeout on every request. Retries on 429, 5xx
and timeouts with exponential backoff and jitter; a 409 that names the request LINE accepted
under the same X-Line-Retry-Key counts as sent. Neither the access token nor message bodies
are ever logged: only endpoints, statuses and request ids.
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import urllib3
from flask import Flask, current_app
from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    CreateRichMenuAliasRequest,
    MessagingApi,
    MessagingApiBlob,
    RichMenuBulkLinkRequest,
    RichMenuRequest,
    ShowLoadingAnimationRequest,
    UpdateRichMenuAliasRequest,
)

from bot.config import data_api_base_url
from bot.line_transport import KeepAliveTransport, Refused

log = logging.getLogger(__name__)
T = TypeVar("T")
M = TypeVar("M")

MAX_MESSAGES_PER_CALL = 5
MAX_MULTICAST_RECIPIENTS = 500
# the endpoints that take X-Line-Retry-Key (LINE refuses the header anywhere else)
RETRY_KEY_ENDPOINTS = ("push", "multicast", "broadcast", "narrowcast")
RETRY_NAMESPACE = uuid.UUID("6f1d4c2e-8a53-4c7a-9d0e-2b8f7a1c5e30")


class LineError(RuntimeError):
    """LINE refused a request for good (after any retries)."""

    def __init__(self, endpoint: str, status: int | None, reason: str = "") -> None:
        super().__init__(f"LINE {endpoint} failed with {status}: {reason}")
        self.endpoint = endpoint
        self.status = status
        self.reason = reason

    @property
    def monthly_limit(self) -> bool:
        return self.status == 429 and "monthly limit" in self.reason.lower()


class ContentTooLarge(ValueError):
    """What the person sent is over the size the caller accepts (nothing was kept)."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"content of {size} bytes or more; at most {limit}")
        self.size, self.limit = size, limit


@dataclass(frozen=True)
class Content:
    data: bytes
    content_type: str


@dataclass(frozen=True)
class Profile:
    user_id: str
    display_name: str | None
    language: str | None


def retry_key_for(*parts: object) -> str:
    """A stable X-Line-Retry-Key: the same parts always give the same key (parts that are
    not valid Unicode, such as a forged event id with a lone surrogate, included)."""
    name = ":".join(str(p) for p in parts)
    return str(uuid.uuid5(RETRY_NAMESPACE, name.encode("utf-8", "backslashreplace").decode()))


def chunks(messages: Sequence[T], size: int = MAX_MESSAGES_PER_CALL) -> list[list[T]]:
    return [list(messages[i : i + size]) for i in range(0, len(messages), size)]


class LineClient:
    """Every call goes through the SDK's MessagingApi (api.line.me) or MessagingApiBlob (the
    data host, api-data.line.me: content people sent, rich menu images).

    The SDK sends each operation to its Configuration's host when one is set, so each of the
    two hosts has its ApiClient (and its connection pool), built once per process."""

    def __init__(
        self,
        access_token: str,
        base_url: str,
        *,
        timeout: float = 10.0,
        max_retries: int = 4,
        backoff_base: float = 0.2,
        pool_size: int = 16,
        data_base_url: str | None = None,
    ) -> None:
        self.api_client = ApiClient(_configuration(access_token, base_url, pool_size))
        self.data_client = ApiClient(_configuration(access_token, data_base_url or base_url,
                                                    pool_size))
        self.sends = KeepAliveTransport(base_url, {
            "Authorization": f"Bearer {access_token}",
            "User-Agent": self.api_client.user_agent,  # the SDK's, as on every other call
            "Content-Type": "application/json",
            "Accept": "application/json",
        }, pool_size=pool_size)
        self.api = MessagingApi(self.api_client)
        self.blob = MessagingApiBlob(self.data_client)
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_base = backoff_base

    # -- sending ----------------------------------------------------------------------------

    # The sends. The message builders (bot/kernel/composer.py) make LINE's JSON, and these
    # four calls post it at the operations' own paths through bot/line_transport.py, without
    # the SDK's request models or its ApiClient. Measured with `python bench/line_send.py`
    # (CPU of the sending thread per reply, against a local server; figures in
    # bot/line_transport.py): the SDK's ApiClient (urllib3) costs 3 to 4 times the
    # transport, and its request models 2 to 6 times the ApiClient. Through the ApiClient the
    # sends were 40 % of a turn's worker CPU (`python -m bench.webhook`).
    # Everything else goes through MessagingApi and MessagingApiBlob. A test checks that the
    # SDK's models take every kind of message the builders make, unchanged.

    def reply(self, reply_token: str, messages: Sequence[dict]) -> None:
        self._post("reply", "/v2/bot/message/reply",
                   {"replyToken": reply_token, "messages": _batch(messages)})

    def push(self, to: str, messages: Sequence[dict], retry_key: str) -> None:
        self._post("push", "/v2/bot/message/push", {"to": to, "messages": _batch(messages)},
                   retry_key)

    def multicast(self, to: Sequence[str], messages: Sequence[dict], retry_key: str) -> None:
        if not 1 <= len(to) <= MAX_MULTICAST_RECIPIENTS:
            raise ValueError("multicast takes 1 to 500 recipients")
        self._post("multicast", "/v2/bot/message/multicast",
                   {"to": list(to), "messages": _batch(messages)}, retry_key)

    def broadcast(self, messages: Sequence[dict], retry_key: str) -> None:
        self._post("broadcast", "/v2/bot/message/broadcast", {"messages": _batch(messages)},
                   retry_key)

    def _post(self, endpoint: str, path: str, body: dict[str, Any],
              retry_key: str | None = None) -> None:
        data = json.dumps(body, separators=(",", ":")).encode()  # ASCII, as the SDK sends
        headers = None if retry_key is None else {"X-Line-Retry-Key": retry_key}
        self._call(endpoint, lambda: self.sends.post(path, data, headers,
                                                      timeout=self.timeout))

    def send(
        self,
        user_id: str,
        messages: Sequence[dict],
        *,
        reply_token: str | None,
        retry_key_base: str,
        token_fresh_until: float | None = None,
    ) -> None:
        """Reply while the token is fresh, push the rest (and everything, without a token).

        LINE takes five messages a call: the first five go by reply, any more by push, each
        push with a retry key derived from `retry_key_base`, so re-handling an event never
        pushes twice.

        A reply token is single-use, and LINE may take a reply and still answer 5xx or not
        at all: such a reply is retried with the same token (`_call`), never by push. While
        the token is known to be fresh (before `token_fresh_until`, a time.time() value;
        LINE keeps a token about a minute), "Invalid reply token" means an earlier attempt, this
        handling's or an earlier handling's of the same event, was taken: the messages
        count as delivered. A token that may be stale goes by push instead; a reply
        never answered after every retry raises LineError (LINE may have taken it).
        """
        batches = chunks(messages)
        for index, batch in enumerate(batches):
            if index == 0 and reply_token and _before(token_fresh_until):
                try:
                    self.reply(reply_token, batch)
                    continue
                except LineError as exc:
                    # no answer at all (5xx, timeouts) after every retry: LINE may have
                    # taken it, and a push would then be a second copy
                    if exc.status != 400 or "reply token" not in exc.reason.lower():
                        raise
                    if token_fresh_until is not None and _before(token_fresh_until):
                        log.info("reply token already used: the reply was delivered")
                        continue
                    log.info("reply token expired; sending by push instead")
            self.push(user_id, batch, retry_key_for(retry_key_base, index))

    def show_loading(self, user_id: str, seconds: int = 5) -> None:
        seconds = max(5, min(60, 5 * round(seconds / 5)))
        with contextlib.suppress(LineError):  # a missing animation is cosmetic
            request = _model("loading", ShowLoadingAnimationRequest,
                             {"chatId": user_id, "loadingSeconds": seconds})
            self._call("loading", lambda: self.api.show_loading_animation_with_http_info(
                request, _request_timeout=self.timeout), retries=0)

    def profile(self, user_id: str) -> Profile | None:
        try:
            response = self._call("profile", lambda: self.api.get_profile_with_http_info(
                user_id, _request_timeout=self.timeout))
        except LineError as exc:
            if exc.status == 404:
                return None
            raise
        data = response.data
        return Profile(user_id=user_id, display_name=data.display_name,
                       language=getattr(data, "language", None))

    # -- content people sent ----------------------------------------------------------------

    def content(self, message_id: str, *, max_bytes: int) -> Content:
        """The image (video, audio, file) a person sent, at most `max_bytes` of it.

        GET {data host}/v2/bot/message/{messageId}/content. LINE deletes content some time
        after it was sent, and answers 404 then. Raises ContentTooLarge when the content is
        larger than `max_bytes` (nothing is kept), LineError otherwise. The SDK reads the
        whole answer before it returns, so the limit bounds what is kept, not what is read
        (LINE bounds what a person can send).
        """
        if not message_id.isdigit():  # LINE's message ids are numbers; nothing else is sent
            raise LineError("content", 404, "unknown message id")
        response = self._call("content", lambda: self.blob.get_message_content_with_http_info(
            message_id, _request_timeout=self.timeout))
        data = bytes(response.data or b"")
        if len(data) > max_bytes:
            raise ContentTooLarge(len(data), max_bytes)
        headers = response.headers or {}
        return Content(data, headers.get("Content-Type", "application/octet-stream"))

    # -- rich menus -------------------------------------------------------------------------

    def rich_menus(self) -> list[dict]:
        response = self._call("richmenu", lambda: self.api.get_rich_menu_list_with_http_info(
            _request_timeout=self.timeout))
        return [m.to_dict() for m in response.data.richmenus]

    def create_rich_menu(self, menu: dict) -> str:
        request = _model("richmenu", RichMenuRequest, menu)
        response = self._call("richmenu", lambda: self.api.create_rich_menu_with_http_info(
            request, _request_timeout=self.timeout))
        return response.data.rich_menu_id

    def delete_rich_menu(self, menu_id: str) -> None:
        self._call("richmenu", lambda: self.api.delete_rich_menu_with_http_info(
            menu_id, _request_timeout=self.timeout))

    def upload_rich_menu_image(self, menu_id: str, image: bytes, content_type: str) -> None:
        """POST {data host}/v2/bot/richmenu/{richMenuId}/content (api.line.me answers 404)."""
        self._call("richmenu", lambda: self.blob.set_rich_menu_image_with_http_info(
            menu_id, image, _headers={"Content-Type": content_type},
            _request_timeout=self.timeout))

    def set_default_rich_menu(self, menu_id: str) -> None:
        self._call("richmenu", lambda: self.api.set_default_rich_menu_with_http_info(
            menu_id, _request_timeout=self.timeout))

    def link_rich_menu(self, user_id: str, menu_id: str) -> None:
        self._call("richmenu", lambda: self.api.link_rich_menu_id_to_user_with_http_info(
            user_id, menu_id, _request_timeout=self.timeout))

    def link_rich_menu_to_users(self, user_ids: Sequence[str], menu_id: str) -> None:
        """Link one menu to up to 500 users in one call (LINE answers 202)."""
        request = _model("richmenu", RichMenuBulkLinkRequest,
                         {"richMenuId": menu_id, "userIds": list(user_ids)})
        self._call("richmenu", lambda: self.api.link_rich_menu_id_to_users_with_http_info(
            request, _request_timeout=self.timeout))

    def unlink_rich_menu(self, user_id: str) -> None:
        self._call("richmenu", lambda: self.api.unlink_rich_menu_id_from_user_with_http_info(
            user_id, _request_timeout=self.timeout))

    def rich_menu_aliases(self) -> list[dict]:
        response = self._call("richmenu", lambda: self.api.get_rich_menu_alias_list_with_http_info(
            _request_timeout=self.timeout))
        return [a.to_dict() for a in response.data.aliases]

    def set_rich_menu_alias(self, alias_id: str, menu_id: str, *, exists: bool) -> None:
        """Point the alias at the menu: update it when it exists, create it otherwise."""
        if exists:
            update = _model("richmenu", UpdateRichMenuAliasRequest, {"richMenuId": menu_id})
            self._call("richmenu", lambda: self.api.update_rich_menu_alias_with_http_info(
                alias_id, update, _request_timeout=self.timeout))
            return
        create = _model("richmenu", CreateRichMenuAliasRequest,
                        {"richMenuAliasId": alias_id, "richMenuId": menu_id})
        self._call("richmenu", lambda: self.api.create_rich_menu_alias_with_http_info(
            create, _request_timeout=self.timeout))

    def delete_rich_menu_alias(self, alias_id: str) -> None:
        self._call("richmenu", lambda: self.api.delete_rich_menu_alias_with_http_info(
            alias_id, _request_timeout=self.timeout))

    # -- machinery --------------------------------------------------------------------------

    def _call(self, endpoint: str, request: Callable[[], T], retries: int | None = None) -> T:
        attempts = (self.max_retries if retries is None else retries) + 1
        for attempt in range(attempts):
            try:
                return request()
            # the SDK's ApiException (ServiceException for 5xx) or the sends' Refused: both
            # carry LINE's status, headers (read in lower case) and body
            except (ApiException, Refused) as exc:
                status = exc.status
                if status == 409 and endpoint in RETRY_KEY_ENDPOINTS \
                        and (exc.headers or {}).get("x-line-accepted-request-id"):
                    log.info("LINE %s: retry key already accepted; counted as sent", endpoint)
                    return None  # type: ignore[return-value]
                reason = _reason(exc)
                retryable = status == 429 and "monthly limit" not in reason.lower()
                retryable = retryable or (status is not None and status >= 500)
                log.warning("LINE %s answered %s (attempt %d of %d)", endpoint, status,
                            attempt + 1, attempts)
                if not retryable or attempt + 1 == attempts:
                    raise LineError(endpoint, status, reason) from None
            # timeouts, refused or dropped connections (the sends' ProtocolError included)
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                log.warning("LINE %s did not answer: %s (attempt %d of %d)", endpoint,
                            type(exc).__name__, attempt + 1, attempts)
                if attempt + 1 == attempts:
                    raise LineError(endpoint, None, type(exc).__name__) from None
            time.sleep(self.backoff_base * (2**attempt) * (0.5 + random.random()))
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.sends.close()
        self.api_client.close()
        self.data_client.close()


def _configuration(access_token: str, host: str, pool_size: int) -> Configuration:
    configuration = Configuration(access_token=access_token, host=host.rstrip("/"))
    configuration.connection_pool_maxsize = pool_size  # connections kept per host
    return configuration


def _model(endpoint: str, model: type[M], data: dict[str, Any]) -> M:
    """The SDK's request model of `data` (LINE's JSON), by the models' own from_dict."""
    try:
        return model.from_dict(data)  # type: ignore[attr-defined]
    except ValueError:  # pydantic's ValidationError: LINE would refuse it as well
        raise LineError(endpoint, None, f"not a valid {model.__name__}") from None


def _before(deadline: float | None) -> bool:
    return deadline is None or time.time() < deadline


def _batch(messages: Sequence[dict]) -> list[dict]:
    if not 1 <= len(messages) <= MAX_MESSAGES_PER_CALL:
        raise ValueError("LINE takes 1 to 5 messages a call")
    return list(messages)


def _reason(exc: ApiException | Refused) -> str:
    """LINE's own error message (never a message body: LINE does not echo them)."""
    try:
        return str(json.loads(exc.body or "{}").get("message", ""))[:200]
    except (ValueError, AttributeError):
        return ""


_lock = threading.Lock()


def get_line(app: Flask | None = None) -> LineClient:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    client = app.extensions.get("machibot.line")
    if client is None:
        with _lock:
            client = app.extensions.get("machibot.line")
            if client is None:
                client = LineClient(
                    app.config["LINE_CHANNEL_ACCESS_TOKEN"],
                    app.config["LINE_API_BASE_URL"],
                    timeout=app.config["LINE_TIMEOUT_SECONDS"],
                    max_retries=app.config["LINE_MAX_RETRIES"],
                    data_base_url=data_api_base_url(app.config),
                )
                app.extensions["machibot.line"] = client
    return client


def describe(messages: Sequence[dict[str, Any]]) -> str:
    """Message types only, for logs: 'text,flex'."""
    return ",".join(str(m.get("type")) for m in messages)
