"""Start-up configuration: embedded defaults, clear refusals, real LINE mode, the CLI."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bot.app import create_app, main
from bot.config import ConfigError, load_config

LINE_VARS = ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN", "LINE_API_BASE_URL")


def test_without_urls_the_bot_uses_its_embedded_database_and_redis(tmp_path):
    config = load_config({}, str(tmp_path))
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'machibot.db'}"
    assert config["REDIS_URL"] is None
    assert config["EMBEDDED_REDIS_PATH"] == str(tmp_path / "redis.db")


def test_without_line_credentials_the_bot_talks_to_its_simulator(tmp_path):
    config = load_config({"PORT": "8123"}, str(tmp_path))
    assert config["SIMULATOR"] is True
    assert config["LINE_API_BASE_URL"] == "http://127.0.0.1:8123/simulator"


@pytest.mark.parametrize(("variable", "value"), [
    ("DATABASE_URL", "not a url"),
    ("DATABASE_URL", "mysql://db.example/machibot"),
    ("DATABASE_URL", "postgresql://db.example:port/machibot"),
    ("DATABASE_URL", "postgresql:///machibot"),
    ("REDIS_URL", "localhost:6379"),
    ("REDIS_URL", "redis://:secret@cache.example:63x9/0"),
    ("REDIS_URL", "http://cache.example:6379"),
    ("LINE_API_BASE_URL", "api.line.me"),
    ("LINE_API_BASE_URL", "ftp://api.line.me"),
    ("LINE_API_BASE_URL", "https://"),
    ("BOT_TIMEZONE", "Mars/Olympus_Mons"),
    ("BOT_TIMEZONE", "../../etc/passwd"),
    ("BOT_DEFAULT_LOCALE", "fr"),
    ("BOT_DEFAULT_LOCALE", "ja-JP"),
    ("PORT", "eighty"),
    ("ORGANISATION_VERIFICATION", "maybe"),
    ("KPI_BASELINE_SHARE", "1.5"),
    ("KPI_BASELINE_SHARE", "ten percent"),
])
def test_a_malformed_setting_is_refused_naming_the_variable(tmp_path, variable, value):
    with pytest.raises(ConfigError, match=variable):
        load_config({variable: value}, str(tmp_path))


def test_a_refused_url_does_not_echo_its_password(tmp_path):
    with pytest.raises(ConfigError) as refused:
        load_config({"REDIS_URL": "redis://:hunter2@cache.example:63x9/0"}, str(tmp_path))
    assert "hunter2" not in str(refused.value)


@pytest.mark.parametrize(("given", "missing"), [
    ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN"),
    ("LINE_CHANNEL_ACCESS_TOKEN", "LINE_CHANNEL_SECRET"),
])
def test_half_set_line_credentials_are_refused(tmp_path, given, missing):
    with pytest.raises(ConfigError, match=missing):
        load_config({given: "something"}, str(tmp_path))


def test_both_line_credentials_mean_real_line(tmp_path):
    config = load_config({"LINE_CHANNEL_SECRET": "s3cret", "LINE_CHANNEL_ACCESS_TOKEN": "t0ken"},
                         str(tmp_path))
    assert config["SIMULATOR"] is False
    assert config["LINE_API_BASE_URL"] == "https://api.line.me"
    assert config["LINE_CHANNEL_SECRET"] == "s3cret"
    assert config["LINE_CHANNEL_ACCESS_TOKEN"] == "t0ken"


def test_real_line_mode_does_not_serve_the_simulator(tmp_path, monkeypatch):
    for name in LINE_VARS:
        monkeypatch.delenv(name, raising=False)
    app = create_app({
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'real.db'}",
        "LINE_CHANNEL_SECRET": "s3cret",
        "LINE_CHANNEL_ACCESS_TOKEN": "t0ken",
        "LINE_API_BASE_URL": None,
    })
    assert app.config["SIMULATOR"] is False
    assert app.config["LINE_API_BASE_URL"] == "https://api.line.me"
    client = app.test_client()
    assert client.get("/simulator/").status_code == 404
    assert client.post("/simulator/v2/bot/message/push", json={}).status_code == 404


@pytest.mark.parametrize(("variable", "value", "named"), [
    ("DATABASE_URL", "not a url", "DATABASE_URL"),
    ("LINE_CHANNEL_SECRET", "only-the-secret", "LINE_CHANNEL_ACCESS_TOKEN"),
])
def test_the_command_exits_2_with_the_reason_on_a_bad_configuration(tmp_path, variable, value,
                                                                     named):
    env = {name: None for name in (*LINE_VARS, "DATABASE_URL", "REDIS_URL")}
    env.update({"MACHIBOT_INSTANCE": str(tmp_path), variable: value})
    result = CliRunner().invoke(main, ["db", "upgrade"], env=env)
    assert result.exit_code == 2
    assert "configuration error" in result.stderr
    assert named in result.stderr
