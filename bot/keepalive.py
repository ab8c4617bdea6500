"""A lean keep-alive HTTP/1.1 client for the LINE client's hot sends (reply, push, multicast).

Those sends are one POST of JSON each, answered with a status and a short JSON body. Going
through urllib3 costs about 0.6 ms of CPU a call and through http.client about 0.35 ms,
most of it in parsing response headers with the email package; this client writes the
request in one send and reads the answer itself (Content-Length, chunked, or up to the
close), for about a third of http.client's cost. Everything else the bot asks of LINE goes
through the SDK, as before.

Idle connections wait in a last-in-first-out stack (the most recently used is the least
likely to have been closed by the server), and each is checked for a close by the server
before it is reused. Timeouts apply to connecting and to every read and write.
"""

from __future__ import annotations

import socket
import ssl
from collections import deque
from dataclasses import dataclass
from urllib.parse import urlsplit

from urllib3.util.wait import wait_for_read

MAX_HEAD_BYTES = 64 * 1024
MAX_BODY_BYTES = 1024 * 1024  # LINE answers these calls with a few hundred bytes at most


class ProtocolError(ConnectionError):
    """The server closed the connection mid-answer, or answered with something that is not
    HTTP/1.x as this client reads it."""


@dataclass(frozen=True)
class Response:
    status: int
    reason: str
    headers: dict[str, str]  # lower-case names
    body: bytes


class KeepAlivePool:
    """Connections to one origin (`base_url`, whose path prefixes every request path)."""

    def __init__(self, base_url: str, *, timeout: float, maxsize: int = 16) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("base_url must be an http:// or https:// URL")
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.base_path = parts.path.rstrip("/")
        self.timeout = timeout
        self.maxsize = maxsize
        self._ssl = ssl.create_default_context() if parts.scheme == "https" else None
        name = f"[{self.host}]" if ":" in self.host else self.host
        default_port = 443 if self._ssl else 80
        self._host_header = name if self.port == default_port else f"{name}:{self.port}"
        self._idle: deque[Connection] = deque()
        self._closed = False

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> Response:
        return self.finish(self.start(path, body, headers))

    def start(self, path: str, body: bytes, headers: dict[str, str]) -> Connection:
        """Send the request; `finish` reads the answer (once the connection is readable,
        it will not wait). Split so that a caller can wait for many answers at once."""
        fields = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        if fields.count("\n") != len(headers) or fields.count("\r") != len(headers):
            raise ValueError("a header name or value holds a line break")
        head = (f"POST {self.base_path}{path} HTTP/1.1\r\nHost: {self._host_header}\r\n"
                f"{fields}Content-Length: {len(body)}\r\n\r\n").encode("latin-1")
        connection = self._checkout()
        try:
            connection.sock.sendall(head + body)
        except BaseException:
            connection.close()
            raise
        return connection

    def finish(self, connection: Connection) -> Response:
        """Read the answer to the request `start` sent, then keep or close the connection."""
        try:
            response = connection.read_response()
        except BaseException:
            connection.close()
            raise
        if connection.reusable and not self._closed and len(self._idle) < self.maxsize:
            self._idle.append(connection)
        else:
            connection.close()
        return response

    def close(self) -> None:
        self._closed = True
        while self._idle:
            self._idle.pop().close()

    def _checkout(self) -> Connection:
        while True:
            try:
                connection = self._idle.pop()
            except IndexError:
                break
            if connection.dropped():
                connection.close()
                continue
            return connection
        sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self._ssl is not None:
                sock = self._ssl.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise
        return Connection(sock)


class Connection:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = b""
        self.reusable = True

    def close(self) -> None:
        self.reusable = False
        self.sock.close()

    def dropped(self) -> bool:
        """Anything to read on an idle connection is the server's close (or garbage)."""
        try:
            return wait_for_read(self.sock, timeout=0.0)
        except OSError:
            return True

    def fileno(self) -> int:
        return self.sock.fileno()

    def read_response(self) -> Response:
        while True:
            version, status, reason, headers = self._read_head()
            if not 100 <= status < 200:  # skip interim answers (100 Continue)
                break
        if status in (204, 304):
            body = b""
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            body = self._read_chunked()
        elif "content-length" in headers:
            try:
                length = int(headers["content-length"])
            except ValueError:
                raise ProtocolError("malformed Content-Length") from None
            if not 0 <= length <= MAX_BODY_BYTES:
                raise ProtocolError("answer too large")
            body = self._read_exact(length)
        else:
            body = self._read_to_close()
        tokens = headers.get("connection", "").lower()
        if "close" in tokens or (version == "HTTP/1.0" and "keep-alive" not in tokens):
            self.reusable = False
        if self.buf:  # bytes nobody asked for: do not read the next answer after them
            self.reusable = False
        return Response(status, reason, headers, body)

    def _read_head(self) -> tuple[str, int, str, dict[str, str]]:
        while (end := self.buf.find(b"\r\n\r\n")) < 0:
            if len(self.buf) > MAX_HEAD_BYTES:
                raise ProtocolError("answer head too large")
            self._fill()
        head, self.buf = self.buf[:end].decode("latin-1"), self.buf[end + 4:]
        status_line, *lines = head.split("\r\n")
        version, _, rest = status_line.partition(" ")
        code, _, reason = rest.partition(" ")
        if not version.startswith("HTTP/1.") or not (code.isdigit() and len(code) == 3):
            raise ProtocolError("not an HTTP/1.x status line")
        headers: dict[str, str] = {}
        for line in lines:
            name, colon, value = line.partition(":")
            if not colon:
                raise ProtocolError("malformed header line")
            name, value = name.strip().lower(), value.strip()
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        return version, int(code), reason, headers

    def _read_chunked(self) -> bytes:
        body = bytearray()
        while True:
            size_field = self._read_line().split(b";", 1)[0].strip()
            try:
                size = int(size_field, 16)
            except ValueError:
                raise ProtocolError("malformed chunk size") from None
            if size == 0:
                while self._read_line():  # trailer fields, then the empty line
                    pass
                return bytes(body)
            if len(body) + size > MAX_BODY_BYTES:
                raise ProtocolError("answer too large")
            body += self._read_exact(size)
            if self._read_exact(2) != b"\r\n":
                raise ProtocolError("malformed chunk")

    def _read_to_close(self) -> bytes:
        self.reusable = False
        while True:
            if len(self.buf) > MAX_BODY_BYTES:
                raise ProtocolError("answer too large")
            chunk = self.sock.recv(65536)
            if not chunk:
                body, self.buf = self.buf, b""
                return body
            self.buf += chunk

    def _read_line(self) -> bytes:
        while (end := self.buf.find(b"\r\n")) < 0:
            if len(self.buf) > MAX_HEAD_BYTES:
                raise ProtocolError("line too long")
            self._fill()
        line, self.buf = self.buf[:end], self.buf[end + 2:]
        return line

    def _read_exact(self, size: int) -> bytes:
        while len(self.buf) < size:
            self._fill()
        data, self.buf = self.buf[:size], self.buf[size:]
        return data

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ProtocolError("the server closed the connection mid-answer")
        self.buf += chunk
