"""The migrations: one head; each downgrade undoes its upgrade; after upgrade, downgrade to
base and upgrade again the schema is the models' one. On a scratch SQLite file, and on a
scratch database of the PostgreSQL server when DATABASE_URL names one (never the suite's own
database, which the other tests use).
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, inspect
from sqlalchemy.engine import make_url

from bot.cli.migrations import alembic_config
from bot.config import load_config
from bot.db import make_engine
from models import Base
from models.base import on_this_database

ROOT = Path(__file__).resolve().parent.parent
LINE_VARS = ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN", "LINE_API_BASE_URL")


@pytest.fixture(params=["sqlite", "postgresql"])
def scratch_url(request, tmp_path, database_url) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'scratch.db'}"
        return
    if not database_url.startswith(("postgresql", "postgres:")):
        pytest.skip("DATABASE_URL names no PostgreSQL server")
    # CREATE and DROP DATABASE cannot run inside a transaction
    server = make_engine(database_url).execution_options(isolation_level="AUTOCOMMIT")
    name = f"machibot_scratch_{secrets.token_hex(4)}"
    with server.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.dispose()


def differences(url: str, metadata: MetaData) -> list:
    """What alembic's autogenerate would change to bring the database to `metadata` (as the
    models make it on this database: PostgreSQL's trigram index is not SQLite's)."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={
                "include_object": on_this_database(connection.dialect.name)})
            return compare_metadata(context, metadata)
    finally:
        engine.dispose()


def reflected(url: str) -> MetaData:
    engine = make_engine(url)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        if "alembic_version" in metadata.tables:
            metadata.remove(metadata.tables["alembic_version"])
        return metadata
    finally:
        engine.dispose()


def table_names(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def current_revisions(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return set(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()


def test_the_migrations_have_one_head():
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, f"{heads}: merge them (alembic merge) into one head"


def test_upgrade_downgrade_to_base_and_upgrade_again(scratch_url):
    config = alembic_config(scratch_url)
    head = ScriptDirectory.from_config(config).get_current_head()

    command.upgrade(config, "head")
    assert current_revisions(scratch_url) == {head}
    assert differences(scratch_url, Base.metadata) == []

    command.downgrade(config, "base")
    assert table_names(scratch_url) == {"alembic_version"}  # every table dropped
    assert current_revisions(scratch_url) == set()

    command.upgrade(config, "head")
    assert current_revisions(scratch_url) == {head}
    assert differences(scratch_url, Base.metadata) == []  # the schema the models describe


def test_each_downgrade_undoes_its_upgrade(scratch_url):
    """Revision by revision from the base: upgrade, downgrade (back to the schema before it),
    upgrade again and go on to the next."""
    config = alembic_config(scratch_url)
    revisions = list(reversed(list(ScriptDirectory.from_config(config).walk_revisions())))
    assert revisions[0].down_revision is None
    for revision in revisions:
        before = reflected(scratch_url)
        command.upgrade(config, revision.revision)
        assert revision.revision in current_revisions(scratch_url)
        # one step down this revision's branch; a merge goes back to its parents by naming
        # one of them (each stays applied)
        below = (revision.down_revision[0] if revision.is_merge_point
                 else f"{revision.revision}@-1")
        command.downgrade(config, below)
        assert revision.revision not in current_revisions(scratch_url)
        assert differences(scratch_url, before) == [], f"downgrade of {revision.revision}"
        command.upgrade(config, revision.revision)
    assert differences(scratch_url, Base.metadata) == []


def test_plain_alembic_from_the_checkout_migrates_the_apps_default_database(tmp_path):
    """alembic.ini at the root: without DATABASE_URL, the SQLite file the app would use."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "MACHIBOT_INSTANCE", *LINE_VARS)}
    result = subprocess.run(
        [sys.executable, "-m", "alembic", "-c", str(ROOT / "alembic.ini"), "upgrade", "head"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert f"-> {head}" in result.stderr  # alembic.ini's log lines
    database = load_config({}, str(tmp_path / "instance"))["DATABASE_URL"]
    assert current_revisions(database) == {head}


def test_a_downgrade_that_rebuilds_a_table_keeps_the_rows_that_reference_it(scratch_url):
    """On SQLite, dropping a column rebuilds the table (copy, drop, rename): the answers that
    reference a gathering must outlive its rebuild (ON DELETE CASCADE would take them)."""
    from datetime import UTC, datetime

    from sqlalchemy.orm import Session

    from models import gatherings as gat
    from models.ideas import IdeaCall
    from models.users import User

    config = alembic_config(scratch_url)
    command.upgrade(config, "head")
    engine = make_engine(scratch_url)
    try:
        with Session(engine) as session, session.begin():
            user = User(line_user_id="U" + "1" * 32, locale="ja", mode="standard",
                        notification_prefs={})
            call = IdeaCall(theme="駐輪場", issue="足りない",
                            deadline=datetime(2031, 1, 1, tzinfo=UTC))
            session.add_all([user, call])
            session.flush()
            gathering = gat.schedule(session, kind=gat.IDEA_MEETING, idea_call_id=call.id,
                                     starts_at=datetime(2031, 1, 15, 5, tzinfo=UTC), place="区役所")
            session.add(gat.Rsvp(gathering_id=gathering.id, user_id=user.id, answer=gat.ATTEND))
        command.downgrade(config, "0011")  # drops gatherings.sequence
        command.upgrade(config, "head")
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM gathering_rsvps").scalar() == 1
            assert connection.exec_driver_sql("SELECT sequence FROM gatherings").all() == [(0,)]
    finally:
        engine.dispose()


def _insert(connection, metadata: MetaData, table: str, **values):  # type: ignore[no-untyped-def]
    """A row with the given values; the other required columns get a plain value."""
    from datetime import UTC, datetime

    from sqlalchemy import JSON, Boolean, DateTime, Integer

    plain = {DateTime: datetime(2030, 1, 1, tzinfo=UTC), JSON: {}, Boolean: True, Integer: 0}
    target = metadata.tables[table]
    row = dict(values)
    for column in target.columns:
        if column.name in row or column.nullable or column.primary_key:
            continue
        row[column.name] = next((v for t, v in plain.items() if isinstance(column.type, t)), "x")
    return connection.execute(target.insert().values(**row)).inserted_primary_key[0]


def test_followed_topics_idea_calls_and_initiatives_move_to_the_one_category_list(scratch_url):
    """The codes of the list that followed topics, idea calls and initiatives used become the
    activities' codes (the one list now), and back on downgrade."""
    config = alembic_config(scratch_url)
    command.upgrade(config, "0012")
    metadata = reflected(scratch_url)
    engine = make_engine(scratch_url)
    try:
        with engine.begin() as connection:
            user = _insert(connection, metadata, "users", line_user_id="U" + "2" * 32)
            for code in ("children", "town", "welfare"):
                _insert(connection, metadata, "subscription_topics", user_id=user,
                        dimension="category", value=code)
            _insert(connection, metadata, "subscription_topics", user_id=user,
                    dimension="area", value="town")  # an area named so stays
            _insert(connection, metadata, "initiatives", presenter_id=user, category="safety")
            _insert(connection, metadata, "idea_calls", category="culture")
            _insert(connection, metadata, "new_items", kind="idea_call", ref="1",
                    category="town")
            _insert(connection, metadata, "announcements", status="scheduled",
                    segment={"kind": "categories", "values": ["children", "welfare"]})

        def stored() -> dict[str, object]:
            with engine.connect() as connection:
                def column(sql: str) -> list:
                    return sorted(r[0] for r in connection.exec_driver_sql(sql))

                segment = connection.exec_driver_sql("SELECT segment FROM announcements").scalar()
                return {
                    "topics": column("SELECT value FROM subscription_topics "
                                     "WHERE dimension = 'category'"),
                    "areas": column("SELECT value FROM subscription_topics "
                                    "WHERE dimension = 'area'"),
                    "initiatives": column("SELECT category FROM initiatives"),
                    "calls": column("SELECT category FROM idea_calls"),
                    "items": column("SELECT category FROM new_items"),
                    "segment": (segment if isinstance(segment, dict)
                                else json.loads(segment))["values"],
                }

        before = stored()
        command.upgrade(config, "head")
        assert stored() == {"topics": ["childcare", "community", "welfare"], "areas": ["town"],
                            "initiatives": ["disaster"], "calls": ["sports_culture"],
                            "items": ["community"], "segment": ["childcare", "welfare"]}
        command.downgrade(config, "0012")
        assert stored() == before
    finally:
        engine.dispose()


def test_the_organiser_role_becomes_an_owner_membership_and_back(scratch_url):
    config = alembic_config(scratch_url)
    command.upgrade(config, "0016")
    metadata = reflected(scratch_url)
    engine = make_engine(scratch_url)
    try:
        with engine.begin() as connection:
            user = _insert(connection, metadata, "users", line_user_id="U" + "3" * 32)
            org = _insert(connection, metadata, "organisations", name="荻窪みどりの会")
            _insert(connection, metadata, "user_roles", user_id=user, role="organiser",
                    scope=str(org))
            _insert(connection, metadata, "user_roles", user_id=user, role="staff", scope="")

        def rows(sql: str) -> list:
            with engine.connect() as connection:
                return [tuple(r) for r in connection.exec_driver_sql(sql)]

        command.upgrade(config, "0017")
        assert rows("SELECT organisation_id, user_id, role FROM organisation_members") == [
            (org, user, "owner")]
        assert rows("SELECT role FROM user_roles") == [("staff",)]
        assert rows("SELECT status FROM organisations") == [("verified",)]  # staff's own data
        command.downgrade(config, "0016")
        assert sorted(rows("SELECT role, scope FROM user_roles")) == [
            ("organiser", str(org)), ("staff", "")]
    finally:
        engine.dispose()


def test_an_activity_s_english_title_moves_to_its_versions_and_back(scratch_url):
    config = alembic_config(scratch_url)
    command.upgrade(config, "0020")
    metadata = reflected(scratch_url)
    engine = make_engine(scratch_url)
    try:
        with engine.begin() as connection:
            named = _insert(connection, metadata, "activities", title="公園のそうじ",
                            title_en="Park clean-up")
            _insert(connection, metadata, "activities", title="川のそうじ", title_en="")
            _insert(connection, metadata, "activities", title="読み聞かせ")

        def rows(sql: str) -> list:
            with engine.connect() as connection:
                return sorted(tuple(r) for r in connection.exec_driver_sql(sql))

        command.upgrade(config, "0021")
        assert rows("SELECT kind, item_id, field, locale, text, state FROM content_texts") == [
            ("activity", named, "title", "en", "Park clean-up", "author")]
        command.downgrade(config, "0020")
        assert rows("SELECT title, title_en FROM activities") == [
            ("公園のそうじ", "Park clean-up"), ("川のそうじ", None), ("読み聞かせ", None)]
    finally:
        engine.dispose()
