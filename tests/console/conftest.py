"""Fixtures for the console's tests: people the bot knows (friends, staff), browsers
signed in as them, organisations."""

from __future__ import annotations

import secrets

import pytest

from bot.db import session_scope
from models import organisations as orgs
from models.users import follow, get_by_line_id, grant_role
from tests.console.helpers import ConsoleBrowser


@pytest.fixture
def person(app, sim):
    """`person("名前", staff=True)`: a LINE user who follows the bot; returns the LINE id.
    `friend=False`: the simulator knows them, the bot does not."""
    def make(name: str = "山田花子", *, staff: bool = False, friend: bool = True,
             locale: str = "ja") -> str:
        line_user_id = "U" + secrets.token_hex(16)
        sim.add_user(line_user_id, name, locale)
        if friend:
            with session_scope(app) as session:
                user, _ = follow(session, line_user_id, locale=locale, display_name=name)
                if staff:
                    grant_role(session, user, "staff")
        return line_user_id
    return make


@pytest.fixture
def browser(app):
    def make(line_user_id: str | None = None, *, signed_in: bool = True,
             https: bool = False) -> ConsoleBrowser:
        found = ConsoleBrowser(app, line_user_id, https=https)
        if signed_in and line_user_id:
            response = found.sign_in()
            assert response.status_code == 302, response.get_data(as_text=True)
        return found
    return make


@pytest.fixture
def organisation(app):
    """`organisation(owner_line_id, "名前")`: a registered (pending) organisation's id."""
    def make(owner: str, name: str = "阿佐谷こども食堂") -> int:
        with session_scope(app) as session:
            user = get_by_line_id(session, owner)
            return orgs.register(session, user, name=name, kind="npo").id
    return make
