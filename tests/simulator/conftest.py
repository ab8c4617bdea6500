"""Fixtures for the simulator's tests, on top of tests/conftest.py (`app`, `client`, `sim`)."""

from __future__ import annotations

import pytest

from simulator import SimulatorStore


@pytest.fixture
def store(sim) -> SimulatorStore:
    return sim


@pytest.fixture
def auth(app) -> dict[str, str]:
    return {"Authorization": f"Bearer {app.config['LINE_CHANNEL_ACCESS_TOKEN']}"}


@pytest.fixture
def live_url(app) -> str:
    """The base URL of the app served in a thread by tests/conftest.py."""
    return app.config["LIVE_URL"]
