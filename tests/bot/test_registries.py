"""The app's tables are complete: every kind of notification the code writes reads somehow,
in every process, whether or not it built the conversation router."""

from __future__ import annotations

import pytest

from bot.app import create_app
from bot.registries import RENDERERS
from models import outbox
from models.subscriptions import OPT_OUT_GROUPS


def test_every_kind_the_domain_writes_has_a_renderer_and_no_renderer_is_unused():
    assert set(RENDERERS) == set(outbox.KINDS)


def test_every_renderer_belongs_to_a_group_a_person_can_or_cannot_turn_off():
    groups = set(OPT_OUT_GROUPS) | {"personal", "urgent", "staff"}
    assert {r.group for r in RENDERERS.values()} <= groups


def test_writing_a_kind_nobody_can_render_fails_at_once(app):
    from bot.db import session_scope

    with session_scope(app) as session, pytest.raises(ValueError, match="not a notification"):
        outbox.enqueue(session, user_id=1, kind="activity.remindr", ref="1",
                       due_at=outbox.utcnow(), dedupe_key="typo")


def test_a_scheduler_app_has_every_renderer_and_job(instance_dir, redis_url, database_url):
    # what `machibot scheduler` builds: the same factory, so the same tables
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(instance_dir),
                      "DATABASE_URL": database_url, "REDIS_URL": redis_url,
                      "LINE_CHANNEL_SECRET": None, "LINE_CHANNEL_ACCESS_TOKEN": None})
    assert set(app.extensions["machibot.renderers"]) == set(outbox.KINDS)
    assert {job.name for job in app.extensions["machibot.jobs"]} == {
        "notify.dispatch", "photos.sweep", "speech.sweep", "waitlist.expire", "departures.sweep",
        "translations.run", "kpi.figures"}
