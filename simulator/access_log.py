"""werkzeug's access log (`machibot serve`) without the simulator's own traffic.

The chat page polls twice a second and the bot's every call to its stand-in LINE is a
request too: a line for each buried what a person reads (a minute of an open page was over
a hundred lines). Successful requests under /simulator leave no line; a failed one (4xx,
5xx) still does, and so does every other request (POST /callback: one per event).
"""

from __future__ import annotations

import logging
import re

_ANSI = re.compile(r"\x1b\[[0-9;]*m")  # werkzeug colours some request lines on a terminal


class QuietSimulatorRequests(logging.Filter):
    def __init__(self, prefix: str = "/simulator") -> None:
        super().__init__()
        self.prefix = prefix.rstrip("/") + "/"

    def filter(self, record: logging.LogRecord) -> bool:
        # werkzeug logs a request as ('"%s" %s %s', request line, status code, size)
        args = record.args
        if not (isinstance(args, tuple) and len(args) == 3):
            return True
        request_line, status = _ANSI.sub("", str(args[0])).split(" "), str(args[1])
        path = request_line[1] if len(request_line) > 1 else ""
        return not (path.startswith(self.prefix) and status[:1] in ("2", "3"))


QUIET = QuietSimulatorRequests()
