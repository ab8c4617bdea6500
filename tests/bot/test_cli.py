import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Integer, Table, inspect, select

from bot.app import create_app, main
from bot.cli import migrations as cli
from bot.db import make_engine, session_scope
from bot.kernel.i18n import gettext
from models import AuditLog, Base
from models.users import get_by_line_id
from tests.collab_helpers import join


def test_grant_role_gives_a_known_user_the_role_and_audits_it(app, resident):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "grant-role", resident.user_id, "staff"])
    assert result.exit_code == 0, result.output
    assert "granted staff" in result.output
    assert resident.user_row().is_staff
    with session_scope(app) as session:
        logged = session.scalars(select(AuditLog.action)).all()
    assert "role.grant" in logged
    again = runner.invoke(args=["users", "grant-role", resident.user_id, "staff"])
    assert "already had staff" in again.output


def test_users_list_finds_a_name_in_any_case_as_the_console_does(app, resident):
    with session_scope(app) as session:
        get_by_line_id(session, resident.user_id).display_name = "Lan Nguyen"
    runner = app.test_cli_runner()
    for typed in ("lan", "NGUYEN", "n ng"):
        result = runner.invoke(args=["users", "list", "--name", typed])
        assert result.exit_code == 0, result.output
        assert resident.user_id in result.output and "Lan Nguyen" in result.output, typed
    missing = runner.invoke(args=["users", "list", "--name", "tran"])
    assert resident.user_id not in missing.output and "nobody matches" in missing.output


def test_grant_role_refuses_unknown_roles_and_users(app, resident):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["users", "grant-role", resident.user_id, "mayor"]).exit_code != 0
    unknown = runner.invoke(args=["users", "grant-role", "U" + "0" * 32, "staff"])
    assert unknown.exit_code != 0
    assert "no such user" in unknown.output


def test_revoke_role_takes_staff_away_by_the_next_message_and_audits_it(app, resident):
    runner = app.test_cli_runner()
    runner.invoke(args=["users", "grant-role", resident.user_id, "staff"])
    assert gettext("ja", "Announcements") in resident.menu_labels()
    result = runner.invoke(args=["users", "revoke-role", resident.user_id, "staff"])
    assert result.exit_code == 0, result.output
    assert "revoked staff" in result.output
    assert gettext("ja", "Announcements") not in resident.menu_labels()
    with session_scope(app) as session:
        assert "role.revoke" in session.scalars(select(AuditLog.action)).all()
    again = runner.invoke(args=["users", "revoke-role", resident.user_id, "staff"])
    assert "did not have staff" in again.output


def test_revoke_role_keeps_everyone_a_resident_and_refuses_unknown_users(app, resident):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["users", "revoke-role", resident.user_id,
                               "resident"]).exit_code != 0
    assert resident.user_row().has_role("resident")
    unknown = runner.invoke(args=["users", "revoke-role", "U" + "0" * 32, "staff"])
    assert unknown.exit_code != 0 and "no such user" in unknown.output


def test_users_list_finds_people_by_role_and_name_with_their_line_ids(app, make_user):
    # people who agreed to the privacy notice (their LINE name is kept from then on)
    sato, suzuki = join(make_user, "佐藤花子"), join(make_user, "鈴木一郎")
    runner = app.test_cli_runner()
    runner.invoke(args=["users", "grant-role", suzuki.user_id, "supporter"])
    by_name = runner.invoke(args=["users", "list", "--name", "佐藤"])
    assert by_name.exit_code == 0, by_name.output
    assert sato.user_id in by_name.output and suzuki.user_id not in by_name.output
    by_role = runner.invoke(args=["users", "list", "--role", "supporter"]).output
    assert suzuki.user_id in by_role and "supporter" in by_role
    assert sato.user_id not in by_role
    assert "nobody matches" in runner.invoke(args=["users", "list", "--name", "山田"]).output


def test_machibot_command_lists_its_commands():
    from click.testing import CliRunner

    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for name in ("serve", "worker", "scheduler", "db", "users", "simulate", "richmenu"):
        assert name in result.output


# -- db: migrations ------------------------------------------------------------------------


@pytest.fixture
def scratch_migrations(tmp_path, monkeypatch) -> Path:
    """A copy of migrations/ for `db revision` to write into (not the checkout's)."""
    copy = tmp_path / "migrations"
    shutil.copytree(cli.MIGRATIONS, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cli, "MIGRATIONS", copy)
    return copy


def heads_of(directory: Path) -> list[str]:
    config = Config()
    config.set_main_option("script_location", str(directory))
    return ScriptDirectory.from_config(config).get_heads()


def test_db_revision_writes_the_next_numbered_migration(app, scratch_migrations):
    [head] = heads_of(scratch_migrations)
    runner = app.test_cli_runner()
    for number in (int(head) + 1, int(head) + 2):
        result = runner.invoke(args=["db", "revision", "-m", "Add a column"])
        assert result.exit_code == 0, result.output
        written = scratch_migrations / "versions" / f"{number:04d}_add_a_column.py"
        assert f"wrote {written}" in result.output
        assert heads_of(scratch_migrations) == [f"{number:04d}"]
        assert f"down_revision = '{number - 1:04d}'" in written.read_text()
    assert runner.invoke(args=["db", "revision"]).exit_code != 0  # -m MESSAGE is required


def test_db_revision_autogenerate_writes_what_the_models_add(app, scratch_migrations):
    """The test database is at the head: only a table the models gained is written."""
    probe = Table("probe_for_autogenerate", Base.metadata, Column("id", Integer, primary_key=True))
    try:
        result = app.test_cli_runner().invoke(
            args=["db", "revision", "-m", "probe", "--autogenerate"])
    finally:
        Base.metadata.remove(probe)
    assert result.exit_code == 0, result.output
    [written] = (scratch_migrations / "versions").glob("*_probe.py")
    upgrade = written.read_text().split("def upgrade()")[1].split("def downgrade()")[0]
    operations = [line.strip() for line in upgrade.splitlines()
                  if line.strip().startswith("op.")]
    # the migrations and the models agree on everything else
    assert operations == ["op.create_table('probe_for_autogenerate',"]


def test_db_downgrade_takes_the_schema_back(tmp_path, monkeypatch):
    for name in ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN", "LINE_API_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    url = f"sqlite:///{tmp_path / 'scratch.db'}"  # not the suite's database
    scratch = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path), "DATABASE_URL": url,
                          "LINE_CHANNEL_SECRET": None, "LINE_CHANNEL_ACCESS_TOKEN": None,
                          "LINE_API_BASE_URL": None})
    runner = scratch.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    engine = make_engine(url)
    try:
        assert "photos" in inspect(engine).get_table_names()
        result = runner.invoke(args=["db", "downgrade", "0008"])
        assert result.exit_code == 0, result.output
        assert "sender_id" not in {c["name"] for c in inspect(engine).get_columns("photos")}
        result = runner.invoke(args=["db", "downgrade", "base"])
        assert result.exit_code == 0, result.output
        assert inspect(engine).get_table_names() == ["alembic_version"]
        unknown = runner.invoke(args=["db", "downgrade", "0999"])
        assert unknown.exit_code != 0 and "0999" in unknown.output
    finally:
        engine.dispose()


def test_the_worker_and_the_scheduler_run_without_the_pages(tmp_path, monkeypatch):
    """They serve no pages: the console's, the simulator's and the calendar files'
    libraries stay out of their memory. The web (serve, gunicorn's create_app) has them."""
    import click

    from bot.app import _app_for_cli

    monkeypatch.setenv("MACHIBOT_INSTANCE", str(tmp_path))
    for name in ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for command, has_console in (("worker", False), ("scheduler", False), ("serve", True)):
        with click.Context(main, info_name=command):
            built = _app_for_cli()
        for prefix in ("/console", "/simulator", "/ics"):
            assert any(rule.rule.startswith(prefix) for rule in built.url_map.iter_rules()) \
                is has_console, (command, prefix)


_SHOW_BLUEPRINTS = """
import os, sys, threading
from flask import appcontext_pushed
from bot.app import main

first = threading.Lock()  # threads may push app contexts at once: only the first reports

def shown(app, **_):
    if first.acquire(blocking=False):
        sys.stdout.write("blueprints: " + " ".join(sorted(app.blueprints)) + "\\n")
        sys.stdout.flush()
        os._exit(0)

appcontext_pushed.connect(shown)
main(sys.argv[1:])
"""


@pytest.mark.parametrize("command", [["worker", "--threads", "1"], ["scheduler"]])
def test_the_worker_and_scheduler_commands_build_an_app_without_the_pages(
        command, database_url, redis_url):
    """`machibot worker` and `machibot scheduler` serve no page: their processes must not
    carry the console, the simulator and the calendar files (memory, per process)."""
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url}
    done = subprocess.run([sys.executable, "-c", _SHOW_BLUEPRINTS, *command], env=env,
                          capture_output=True, text=True, timeout=60)
    shown = [line for line in done.stdout.splitlines() if line.startswith("blueprints:")]
    assert shown, done.stdout + done.stderr
    blueprints = shown[0].split()[1:]
    assert "webhook" in blueprints
    assert not {"console", "ics", "simulator"} & set(blueprints), blueprints
