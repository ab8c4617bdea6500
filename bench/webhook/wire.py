"""Webhook requests as LINE sends them, and a lean keep-alive HTTP/1.1 client for them
(cheaper per request than http.client, so the load generator takes less of the CPU)."""

from __future__ import annotations

import secrets
import socket

from bot.config import SIMULATOR_CHANNEL_SECRET
from simulator import events as ev

from .stack import HOST

SECRET = SIMULATOR_CHANNEL_SECRET


def webhook_request(body: bytes, port: int) -> bytes:
    """POST /callback with body, signed with the simulator's channel secret."""
    head = (f"POST /callback HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
            f"Content-Type: application/json; charset=utf-8\r\nContent-Length: {len(body)}\r\n"
            f"X-Line-Signature: {ev.sign(SECRET, body)}\r\n\r\n")
    return head.encode() + body


def ack_body(n: int) -> bytes:
    """A text-message webhook like LINE's, with a fresh webhookEventId."""
    user = f"Uack{n % 997:029d}"
    return ev.body([ev.text(user, "menu", reply_token=secrets.token_hex(16))])


class Conn:
    """One keep-alive connection, one request at a time, blocking."""

    def __init__(self, port: int) -> None:
        self.addr = (HOST, port)
        self.sock: socket.socket | None = None
        self.buf = b""

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock, self.buf = None, b""

    def request(self, raw: bytes) -> tuple[int, bytes]:
        for attempt in (0, 1):
            if self.sock is None:
                self.sock = socket.create_connection(self.addr, timeout=30)
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                self.sock.sendall(raw)
                return self._read()
            except (ConnectionError, EOFError):
                self.close()  # a keep-alive connection the server closed: once more
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def _read(self) -> tuple[int, bytes]:
        assert self.sock is not None
        while (answer := parse_answer(self.buf)) is None:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError
            self.buf += chunk
        status, body, self.buf, close = answer
        if close:
            self.close()
        return status, body


def parse_answer(buf: bytes) -> tuple[int, bytes, bytes, bool] | None:
    """(status, body, the bytes after it, whether the server closes) of the HTTP/1.1 answer at
    the start of buf, or None while it is incomplete."""
    head, found, rest = buf.partition(b"\r\n\r\n")
    if not found:
        return None
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length, close = 0, False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection" and value.strip().lower() == b"close":
            close = True
    if len(rest) < length:
        return None
    return status, rest[:length], rest[length:], close
