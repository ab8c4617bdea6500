"""Chat with the running bot from a terminal, through its built-in simulator.

    machibot simulate --user Udemo --language en      (the server on PORT, as serve uses)
    you> こんにちは          plain text is a text message
    you> /tap 2              tap the 2nd button or quick reply of the last bot messages
    you> /tap 1 2025-05-01   a date/time picker takes the value after the number
    you> /menu [N]           show the rich menu's areas, or tap area N
    you> /loc 35.6995 139.6364
    you> /follow  /unfollow  /quit

Events are signed with the channel secret exactly as LINE signs them and posted to /callback.
"""

from __future__ import annotations

import json
import secrets
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import click

from simulator import events as ev


class SimulatorClient:
    """The few HTTP calls a stand-in LINE app makes to the bot's server."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self.config = self._call("GET", "/simulator/api/config")

    def _call(self, method: str, path: str, body: Any = None, raw: bytes | None = None,
              headers: dict | None = None) -> Any:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json",
                                                  **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                text = response.read().decode() or "{}"
        except urllib.error.HTTPError as exc:
            raise click.ClickException(f"{method} {path} answered {exc.code}") from None
        except urllib.error.URLError as exc:
            raise click.ClickException(f"cannot reach {self.url}: {exc.reason}") from None
        return json.loads(text)

    def register(self, user_id: str, name: str, language: str | None) -> dict:
        return self._call("POST", "/simulator/api/users",
                          {"userId": user_id, "displayName": name, "language": language})

    def set_friend(self, user_id: str, is_friend: bool) -> None:
        self._call("POST", "/simulator/api/friend", {"user": user_id, "isFriend": is_friend})

    def reply_token(self, user_id: str) -> str:
        return self._call("POST", "/simulator/api/reply-token", {"user": user_id})["replyToken"]

    def post_event(self, event: dict) -> None:
        body = ev.body([event])
        signature = ev.sign(self.config["channelSecret"], body)
        self._call("POST", self.config["callbackPath"], raw=body,
                   headers={"X-Line-Signature": signature})

    def messages(self, user_id: str, after: int) -> list[dict]:
        path = f"/simulator/api/messages?user={user_id}&after={after}"
        return self._call("GET", path)["messages"]

    def rich_menu(self, user_id: str) -> dict | None:
        return self._call("GET", f"/simulator/api/richmenu?user={user_id}")["menu"]

    def alias_menu(self, alias_id: str) -> dict | None:
        try:
            return self._call("GET", f"/simulator/api/richmenu/alias/{alias_id}")["menu"]
        except click.ClickException:
            return None


def render(message: dict, first_number: int) -> tuple[list[str], list[dict]]:
    """A message as lines of text, with its tappable actions numbered from `first_number`."""
    lines: list[str] = []
    actions: list[dict] = []

    def action_line(action: dict) -> str:
        actions.append(action)
        label = action.get("label") or action.get("text") or action.get("type")
        return f"  [{first_number + len(actions) - 1}] {label}"

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            kind = node.get("type")
            if kind == "text":
                spans = node.get("contents")
                if spans:
                    lines.append("".join(s.get("text", "") for s in spans))
                else:
                    lines.append(node.get("text", ""))
            elif kind == "button" and isinstance(node.get("action"), dict):
                lines.append(action_line(node["action"]))
                return
            for part in ("header", "hero", "body", "footer", "contents"):
                if part in node:
                    walk(node[part])

    kind = message.get("type")
    if kind in ("text", "textV2"):
        lines.append(message["text"])
    elif kind == "flex":
        walk(message["contents"])
    elif kind == "template":
        template = message["template"]
        for column in template.get("columns", [template]):
            lines += [t for t in (column.get("title"), column.get("text")) if t]
            lines += [action_line(a) for a in column.get("actions", [])]
    elif kind == "location":
        lines.append(f"📍 {message.get('title', '')} {message.get('address', '')} "
                     f"({message['latitude']}, {message['longitude']})")
    else:
        lines.append(f"({message.get('altText') or kind})")
    items = (message.get("quickReply") or {}).get("items", [])
    if items:
        lines.append("  quick replies: " + "  ".join(
            action_line(i["action"]).strip() for i in items))
    return lines, actions


class TerminalChat:
    def __init__(self, client: SimulatorClient, user_id: str,
                 echo: Callable[[str], None] = click.echo, wait: float = 5.0) -> None:
        self.client, self.user_id, self.echo, self.wait = client, user_id, echo, wait
        self.seq = 0
        self.actions: list[dict] = []
        self.menu: dict | None = None

    # -- sending ----------------------------------------------------------------------------

    def _send(self, build: Callable[[str], dict]) -> None:
        self.client.post_event(build(self.client.reply_token(self.user_id)))
        self.show_new(self.wait)

    def text(self, text: str) -> None:
        self._send(lambda token: ev.text(self.user_id, text, reply_token=token))

    def postback(self, data: str, params: dict | None = None) -> None:
        self._send(lambda token: ev.postback(self.user_id, data, params, reply_token=token))

    def location(self, lat: float, lon: float) -> None:
        self._send(lambda token: ev.location(self.user_id, lat, lon, reply_token=token))

    def follow(self, is_unblocked: bool = True) -> None:
        self.client.set_friend(self.user_id, True)
        self._send(lambda token: ev.follow(self.user_id, token, is_unblocked=is_unblocked))

    def unfollow(self) -> None:
        self.client.set_friend(self.user_id, False)
        self.client.post_event(ev.unfollow(self.user_id))
        self.echo("(you blocked the bot)")

    def tap(self, action: dict, value: str | None = None) -> None:
        kind = action.get("type")
        if kind == "message":
            self.text(action["text"])
        elif kind == "postback":
            if action.get("displayText"):
                self.echo(f"you> {action['displayText']}")
            self.postback(action.get("data", ""))
        elif kind == "datetimepicker":
            mode = action.get("mode", "datetime")
            if not value:
                example = {"date": "2025-05-01", "time": "10:30"}.get(mode, "2025-05-01T10:30")
                self.echo(f"(a {mode} picker: add the value, e.g. /tap N {example})")
                return
            self.postback(action.get("data", ""), {mode: value})
        elif kind == "location":
            loc = self.client.config["defaultLocation"]
            self.location(loc["latitude"], loc["longitude"])
        elif kind == "uri":
            self.echo(f"(opens {action['uri']})")
        elif kind == "richmenuswitch":
            alias = action.get("richMenuAliasId", "")
            switched = self.client.alias_menu(alias)
            if switched:
                self.menu = switched
            self.postback(action.get("data", ""), {
                "newRichMenuAliasId": alias,
                "status": "SUCCESS" if switched else "RICHMENU_ALIAS_ID_NOTFOUND"})
        else:
            self.echo(f"(a {kind} action cannot be tapped here)")

    # -- reading ----------------------------------------------------------------------------

    def show_new(self, wait: float) -> None:
        """Print bot messages as they arrive: until some came and 0.6 s passed quietly."""
        deadline = time.monotonic() + wait
        quiet_until = None
        while time.monotonic() < deadline:
            new = self.client.messages(self.user_id, self.seq)
            if new:
                self.print_batch(new)
                quiet_until = time.monotonic() + 0.6
            elif quiet_until and time.monotonic() > quiet_until:
                return
            time.sleep(0.15)

    def print_batch(self, records: list[dict]) -> None:
        self.actions = []
        for record in records:
            self.seq = record["seq"]
            lines, actions = render(record["message"], len(self.actions) + 1)
            self.actions += actions
            self.echo("bot> " + "\n     ".join(lines))

    def show_menu(self) -> list[dict]:
        menu = self.menu or self.client.rich_menu(self.user_id)
        if not menu:
            self.echo("(no rich menu)")
            return []
        self.menu = menu
        areas = [a["action"] for a in menu["richMenu"]["areas"]]
        self.echo(f"[{menu['richMenu'].get('chatBarText', 'menu')}] " + "  ".join(
            f"[{i}] {a.get('label') or a.get('text') or a.get('data') or a['type']}"
            for i, a in enumerate(areas, 1)))
        return areas

    # -- the loop ---------------------------------------------------------------------------

    def handle(self, line: str) -> bool:
        """Act on one input line; False ends the chat."""
        line = line.strip()
        if not line:
            return True
        if not line.startswith("/"):
            self.text(line)
            return True
        command, *args = line.split()
        if command == "/quit":
            return False
        if command == "/follow":
            self.follow()
        elif command == "/unfollow":
            self.unfollow()
        elif command == "/loc" and len(args) == 2:
            try:
                self.location(float(args[0]), float(args[1]))
            except ValueError:
                self.echo("usage: /loc LAT LON")
        elif command == "/tap" and args and args[0].isdigit():
            number = int(args[0])
            if not 1 <= number <= len(self.actions):
                self.echo(f"(no choice {number}; there are {len(self.actions)})")
            else:
                self.tap(self.actions[number - 1], args[1] if len(args) > 1 else None)
        elif command == "/menu":
            areas = self.show_menu()
            if args and args[0].isdigit() and 1 <= int(args[0]) <= len(areas):
                self.tap(areas[int(args[0]) - 1])
        else:
            self.echo("commands: /tap N [VALUE], /menu [N], /loc LAT LON, /follow, /unfollow, "
                      "/quit")
        return True


@click.command("simulate")
@click.option("--port", type=int, envvar="PORT", default=8000, show_default=True,
              help="The port `machibot serve` listens on (default: PORT from the environment, "
                   "as for serve).")
@click.option("--url", default=None,
              help="The running machibot server (in simulator mode), if not on this machine's "
                   "127.0.0.1:PORT.")
@click.option("--user", "user_id", default=None, help="LINE user id (default: a new one).")
@click.option("--name", default="ターミナル利用者", show_default=True, help="Display name.")
@click.option("--language", default="ja", show_default=True,
              help="The LINE profile language; 'none' leaves it out of the profile.")
@click.option("--wait", default=5.0, show_default=True,
              help="Seconds to wait for the bot's answer.")
def simulate(port: int, url: str | None, user_id: str | None, name: str, language: str,
             wait: float) -> None:
    """Chat with the bot in the terminal, as a LINE user of the built-in simulator."""
    client = SimulatorClient(url or f"http://127.0.0.1:{port}")
    user_id = user_id or "U" + secrets.token_hex(16)
    profile = client.register(user_id, name, None if language == "none" else language)
    chat = TerminalChat(client, user_id, wait=wait)
    click.echo(f"Chatting as {profile['displayName']} ({user_id}). /quit to leave.")
    if profile.get("created"):
        chat.follow(is_unblocked=False)
    else:
        chat.seq = (client.messages(user_id, 0) or [{"seq": 0}])[-1]["seq"]
    interactive = sys.stdin.isatty()
    while True:
        if interactive:
            click.echo("you> ", nl=False)
        line = sys.stdin.readline()
        if not line or not chat.handle(line):
            break
