"""The HTTP transport of the four sends (reply, push, multicast, broadcast): the one place the
bot does not go through line-bot-sdk, and why.

A send is one POST of the builders' JSON, answered with a status, a request id and a short
JSON body, and a worker makes one or more in every turn. Measured with `python
bench/line_send.py` (CPU of the sending thread per reply, against a local server, 1,000
calls; menu text, card, five-card carousel): this transport 0.36, 0.28, 0.35 ms; the SDK's
ApiClient.call_api (urllib3), which the sends used before, 1.31, 1.13, 1.38 ms; the standard
library's http.client on a kept connection 0.56, 0.63, 0.60 ms (most of it in parsing the
answer's head with the email package). End to end (`python -m bench.webhook`, 300 users) the
workers' CPU per turn went from 2.50 ms to 1.83-1.93 ms (a shared 2-core machine: noisy).

What it does: HTTP/1.1 to one origin (http or https, TLS with the default context, so
certificates and host names are verified), keep-alive connections in a small last-in,
first-out pool (each caller takes its own, so a thread keeps using the same one), a timeout
on connecting and on every read and write, answers with Content-Length, chunked, or ended by
a close. An idle connection the server has closed is seen before it is used and replaced;
when a reused connection turns out closed before any answer arrived, the request goes once
more on a new one (safe for these sends: LINE refuses a reply token used before, and the
others carry an X-Line-Retry-Key). What it does not: proxies, HTTP/2, compressed answers, redirects,
client certificates, retries (bot/line.py retries).

Every other call (profiles, content, rich menus, loading) stays on the SDK.
"""

from __future__ import annotations

import select
import socket
import ssl
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_HEAD_BYTES = 64 * 1024
MAX_BODY_BYTES = 1024 * 1024  # LINE answers a send with a few hundred bytes


class ProtocolError(ConnectionError):
    """The server closed the connection mid-answer, or answered with something that is not
    HTTP/1.x as this transport reads it. A ConnectionError, as a dropped connection is."""


class Refused(Exception):  # noqa: N818 - what LINE did, as ApiException says it for the SDK
    """LINE answered with a status other than 2xx. Carries what `ApiException` carries."""

    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.headers = headers  # names in lower case
        self.body = body


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes


class KeepAliveTransport:
    """POSTs to `base_url` (its path prefixes every request path) with `headers` on every
    request, over at most `pool_size` kept connections."""

    def __init__(self, base_url: str, headers: Mapping[str, str], *,
                 pool_size: int = 16) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("base_url must be an http:// or https:// URL")
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.base_path = parts.path.rstrip("/")
        self.pool_size = pool_size
        self._tls = ssl.create_default_context() if parts.scheme == "https" else None
        name = f"[{self.host}]" if ":" in self.host else self.host
        host = name if parts.port in (None, 443 if self._tls else 80) else f"{name}:{self.port}"
        self._fields = _fields({"Host": host, **headers})
        self._idle: deque[_Connection] = deque()
        self._closed = False

    def post(self, path: str, body: bytes, headers: Mapping[str, str] | None = None, *,
             timeout: float) -> Answer:
        """The answer to POST {base path}{path}; raises Refused for a status other than 2xx,
        OSError (TimeoutError, ConnectionError, ssl.SSLError ...) when none came. `timeout`
        bounds connecting and each read and write, not the whole exchange."""
        head = (f"POST {self.base_path}{path} HTTP/1.1\r\n{self._fields}"
                f"{_fields(headers) if headers else ''}Content-Length: {len(body)}\r\n\r\n")
        request = head.encode("latin-1") + body
        connection = self._checkout(timeout)
        try:
            try:
                answer = connection.exchange(request)
            except _StaleConnection:
                connection.close()
                connection = self._connect(timeout)
                answer = connection.exchange(request)
        except BaseException:
            connection.close()
            raise
        if connection.reusable and not self._closed and len(self._idle) < self.pool_size:
            self._idle.append(connection)
        else:
            connection.close()
        if not 200 <= answer.status < 300:
            raise Refused(answer.status, answer.headers, answer.body)
        return answer

    def close(self) -> None:
        self._closed = True
        while self._idle:
            self._idle.pop().close()

    def _checkout(self, timeout: float) -> _Connection:
        while True:
            try:
                connection = self._idle.pop()  # the most recently used: the least likely closed
            except IndexError:
                return self._connect(timeout)
            if not connection.dropped():
                if connection.sock.gettimeout() != timeout:
                    connection.sock.settimeout(timeout)
                return connection
            connection.close()

    def _connect(self, timeout: float) -> _Connection:
        sock = socket.create_connection((self.host, self.port), timeout=timeout)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self._tls is not None:
                sock = self._tls.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise
        return _Connection(sock)


def _fields(headers: Mapping[str, str]) -> str:
    fields = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    if fields.count("\n") != len(headers) or fields.count("\r") != len(headers):
        raise ValueError("a header name or value holds a line break")
    return fields


class _StaleConnection(Exception):  # noqa: N818
    """A reused connection was closed by the server before any answer came."""


class _Connection:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = b""
        self.used = False  # has answered a request before
        self.reusable = True

    def close(self) -> None:
        self.reusable = False
        self.sock.close()

    def dropped(self) -> bool:
        """Anything to read on an idle connection is the server's close (or garbage)."""
        poller = select.poll()  # not select.select: it takes no descriptor past 1023
        poller.register(self.sock, select.POLLIN)
        try:
            return bool(poller.poll(0))
        except OSError:
            return True

    def exchange(self, request: bytes) -> Answer:
        reused, self.used = self.used, True
        try:
            self.sock.sendall(request)
            self._fill()
        except (ConnectionError, ProtocolError) as exc:
            if reused and not self.buf:
                raise _StaleConnection from exc
            raise
        answer = self._read_answer()
        if self.buf:  # bytes nobody asked for: do not read the next answer after them
            self.reusable = False
        return answer

    def _read_answer(self) -> Answer:
        while True:
            version, status, headers = self._read_head()
            if not 100 <= status < 200:  # interim answers (100 Continue) come before
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
        return Answer(status, headers, body)

    def _read_head(self) -> tuple[str, int, dict[str, str]]:
        while (end := self.buf.find(b"\r\n\r\n")) < 0:
            if len(self.buf) > MAX_HEAD_BYTES:
                raise ProtocolError("answer head too large")
            self._fill()
        head, self.buf = self.buf[:end].decode("latin-1"), self.buf[end + 4:]
        status_line, *lines = head.split("\r\n")
        version, _, rest = status_line.partition(" ")
        code = rest[:3]
        if not version.startswith("HTTP/1.") or not (code.isdigit() and rest[3:4] in ("", " ")):
            raise ProtocolError("not an HTTP/1.x status line")
        headers: dict[str, str] = {}
        for line in lines:
            name, colon, value = line.partition(":")
            if not colon:
                raise ProtocolError("malformed header line")
            name, value = name.strip().lower(), value.strip()
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        return version, int(code), headers

    def _read_chunked(self) -> bytes:
        body = bytearray()
        while True:
            try:
                size = int(self._read_line().split(b";", 1)[0].strip(), 16)
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
        while chunk := self.sock.recv(65536):
            self.buf += chunk
            if len(self.buf) > MAX_BODY_BYTES:
                raise ProtocolError("answer too large")
        body, self.buf = self.buf, b""
        return body

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
