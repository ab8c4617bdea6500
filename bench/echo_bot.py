"""Baseline for the webhook benchmark (bench/webhook/): an echo bot written the way
line-bot-sdk's flask-echo example is (examples/flask-echo/app.py in line/line-bot-sdk-python).

It parses and verifies the webhook with `WebhookHandler`, builds a new `ApiClient` for every
event (`with ApiClient(configuration) as api_client:`) and replies inline, inside the
webhook request. Like the example it sets no request timeout. Two additions so that it answers
the same event mix as machibot in the benchmark: a follow greeting and a postback echo. The
example's `app.logger.info("Request body: " + body)` is left out: it logs message bodies
(and is a no-op at Flask's default log level anyway).

    LINE_CHANNEL_SECRET=... LINE_CHANNEL_ACCESS_TOKEN=... LINE_API_BASE_URL=http://.../simulator \
        .venv/bin/gunicorn --chdir bench echo_bot:app

Like the example it exits without the channel's secret and token; the benchmark passes the
simulator's.
"""

from __future__ import annotations

import os
import sys

from flask import Flask, abort, request
from linebot.v3 import WebhookHandler
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import (
    ApiClient,
    Configuration,
    MessagingApi,
    ReplyMessageRequest,
    TextMessage,
)
from linebot.v3.webhooks import FollowEvent, MessageEvent, PostbackEvent, TextMessageContent

app = Flask(__name__)

channel_secret = os.getenv("LINE_CHANNEL_SECRET")
channel_access_token = os.getenv("LINE_CHANNEL_ACCESS_TOKEN")
if channel_secret is None or channel_access_token is None:
    sys.exit("Specify LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN as environment variables.")

configuration = Configuration(
    access_token=channel_access_token,
    host=(os.environ.get("LINE_API_BASE_URL") or "https://api.line.me").rstrip("/"),
)
handler = WebhookHandler(channel_secret)


@app.route("/callback", methods=["POST"])
def callback():  # type: ignore[no-untyped-def]
    signature = request.headers["X-Line-Signature"]
    body = request.get_data(as_text=True)
    try:
        handler.handle(body, signature)
    except InvalidSignatureError:
        app.logger.info("Invalid signature. Please check your channel access token/channel secret.")
        abort(400)
    return "OK"


def _reply(reply_token: str, text: str) -> None:
    with ApiClient(configuration) as api_client:
        line_bot_api = MessagingApi(api_client)
        line_bot_api.reply_message_with_http_info(
            ReplyMessageRequest(reply_token=reply_token, messages=[TextMessage(text=text)])
        )


@handler.add(MessageEvent, message=TextMessageContent)
def handle_message(event: MessageEvent) -> None:
    _reply(event.reply_token, event.message.text)


@handler.add(PostbackEvent)
def handle_postback(event: PostbackEvent) -> None:
    _reply(event.reply_token, event.postback.data)


@handler.add(FollowEvent)
def handle_follow(event: FollowEvent) -> None:
    _reply(event.reply_token, "Thanks for adding me!")
