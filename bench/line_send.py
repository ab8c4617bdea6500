"""CPU per LINE send: the bot's client (the builders' JSON through bot/line_transport.py)
against the other ways to post the same JSON: the SDK's ApiClient.call_api (urllib3), the
standard library's http.client on a kept connection, and the SDK's typed MessagingApi with
its request models; for a menu text, a card and a five-card carousel from the project's own
builders, against a local server that answers 200.

    .venv/bin/python bench/line_send.py [--calls 300]

Prints CPU milliseconds per call of the sending thread only (the local server runs in
another thread and is not counted). bot/line.py and bot/line_transport.py quote these
figures.
"""

from __future__ import annotations

import argparse
import http.client
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from linebot.v3.messaging import ApiClient, Configuration, MessagingApi, ReplyMessageRequest

from bot.kernel.composer import Choice, Composer
from bot.kernel.postback import PostbackCodec
from bot.line import LineClient

ANSWER = b'{"sentMessages":[{"id":"1","quoteToken":"q"}]}'


class Answer200(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:  # noqa: N802 (the standard library's name)
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(ANSWER)))
        self.end_headers()
        self.wfile.write(ANSWER)

    def log_message(self, *args: object) -> None:
        pass


def messages() -> dict[str, list[dict]]:
    out = Composer("ja", "standard", PostbackCodec("bench"))
    choices = [Choice.go(f"項目 {i}", "menu") for i in range(8)]
    card = out.bubble("公園の花壇づくり", ["📅 6月1日 10:00", "📍 阿佐谷公民館", "残り 5 席"],
                      [Choice.go("申し込む", "menu"), Choice.go("詳しく", "menu")])
    return {
        "menu text": [out.choices("メニューです。どれにしますか。", choices)],
        "card": [out.card("公園の花壇づくり", ["📅 6月1日 10:00", "📍 阿佐谷公民館"],
                          [Choice.go("申し込む", "menu")])],
        "5-card carousel": [out.carousel([card] * 5, "活動が5件あります")],
    }


def cpu_per_call(send, calls: int) -> float:  # type: ignore[no-untyped-def]
    for _ in range(20):
        send()
    start = time.thread_time()
    for _ in range(calls):
        send()
    return (time.thread_time() - start) / calls * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Answer200)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    ours = LineClient("token", base, max_retries=0)
    sdk = ApiClient(Configuration(access_token="token", host=base))
    typed = MessagingApi(sdk)
    kept = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=10)
    print(f"CPU per reply of the sending thread, ms ({args.calls} calls each)")
    print(f"  {'':16s} {'bot client':>10} {'ApiClient':>10} {'http.client':>11} "
          f"{'MessagingApi+models':>19}")
    for name, batch in messages().items():
        body = {"replyToken": "r", "messages": batch}

        def by_api_client(body: dict = body) -> None:  # the bot's sends until the transport
            sdk.call_api("/v2/bot/message/reply", "POST", {}, [], {
                "Content-Type": "application/json", "Accept": "application/json"},
                body=body, post_params=[], files={}, response_types_map={},
                auth_settings=["Bearer"], _request_timeout=10)

        def by_http_client(body: dict = body) -> None:
            kept.request("POST", "/v2/bot/message/reply",
                         json.dumps(body, separators=(",", ":")).encode(),
                         {"Authorization": "Bearer token", "Content-Type": "application/json",
                          "Accept": "application/json", "User-Agent": sdk.user_agent})
            answer = kept.getresponse()
            answer.read()
            if answer.status != 200:
                raise RuntimeError(answer.status)

        def by_models(body: dict = body) -> None:
            request = ReplyMessageRequest.from_dict(body)
            typed.reply_message_with_http_info(request, _request_timeout=10)

        figures = [cpu_per_call(send, args.calls) for send in (
            lambda batch=batch: ours.reply("r", batch), by_api_client, by_http_client,
            by_models)]
        print(f"  {name:16s} {figures[0]:>10.2f} {figures[1]:>10.2f} {figures[2]:>11.2f} "
              f"{figures[3]:>19.2f}")
    server.shutdown()
    ours.close()
    sdk.close()
    kept.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
