from sqlalchemy import select

from bot.app import main
from bot.db import session_scope
from models import AuditLog


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


def test_grant_role_refuses_unknown_roles_and_users(app, resident):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["users", "grant-role", resident.user_id, "mayor"]).exit_code != 0
    unknown = runner.invoke(args=["users", "grant-role", "U" + "0" * 32, "staff"])
    assert unknown.exit_code != 0
    assert "no such user" in unknown.output


def test_machibot_command_lists_its_commands():
    from click.testing import CliRunner

    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for name in ("serve", "worker", "scheduler", "db", "users", "simulate", "richmenu"):
        assert name in result.output
