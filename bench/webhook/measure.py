"""What the run measures with: /proc (CPU, memory, the machine's load, which process accepted
a connection) and percentiles. Linux only."""

from __future__ import annotations

import contextlib
import os
import socket
import time
from collections import defaultdict
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")


def tree(pid: int) -> list[int]:
    """pid and all its descendants."""
    children: dict[int, list[int]] = defaultdict(list)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children[ppid].append(int(entry))
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(children.get(p, []))
    return found


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime
    return total


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def busy_pct(before: tuple[float, float]) -> float:
    after = machine_busy()
    return 100 * (after[0] - before[0]) / max(after[1] - before[1], 1)


def not_ours(busy0: tuple[float, float], elapsed: float, servers_cpu: float, run: dict) -> float:
    """Share of the 2 cores used by processes this benchmark did not start (other work on the
    machine), over a run: machine busy minus our servers minus the driver."""
    busy = (machine_busy()[0] - busy0[0]) / CLK_TCK
    driver = run["driver_cpu_pct_of_core"] / 100 * run["duration_s"]
    return round(100 * max(0.0, busy - servers_cpu - driver) / elapsed / 2, 1)


def peak_rss_mb(pids: list[int]) -> list[float]:
    out = []
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    out.append(int(line.split()[1]) / 1024)
        except OSError:
            continue
    return out


def accepting_worker(sock: socket.socket, workers: list[int], timeout: float = 0.5) -> int | None:
    """Which of the server's processes accepted this loopback connection, from /proc: the
    inode of the server's end in /proc/net/tcp (0 until accepted), then the process that has
    that socket open."""
    ours, theirs = sock.getsockname()[1], sock.getpeername()[1]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        inode = _server_end_inode(ours, theirs)
        if inode:
            target = f"socket:[{inode}]"
            for pid in workers:
                with contextlib.suppress(OSError):
                    if any(os.readlink(f"/proc/{pid}/fd/{fd}") == target
                           for fd in os.listdir(f"/proc/{pid}/fd")):
                        return pid
        time.sleep(0.001)
    return None


def _server_end_inode(client_port: int, server_port: int) -> str | None:
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if (int(fields[1].rsplit(":", 1)[1], 16) == server_port
                and int(fields[2].rsplit(":", 1)[1], 16) == client_port):
            return fields[9]
    return None


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    xs = sorted(values)
    return xs[min(len(xs) - 1, int(q * len(xs)))]
