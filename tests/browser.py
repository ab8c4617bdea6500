"""Headless Chromium for the browser tests (the simulator's chat page, the console): one
launch per test module through Playwright, with Debian's /usr/bin/chromium (never
`playwright install`). Without it the tests are skipped, unless MACHIBOT_REQUIRE_BROWSER=1
turns the skip into a failure (CI)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """The browser; each test opens its own contexts (cookies) in it and closes them."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("MACHIBOT_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is absent and MACHIBOT_REQUIRE_BROWSER=1")
        pytest.skip(f"{CHROMIUM} is absent (apt-get install chromium); "
                    "set MACHIBOT_REQUIRE_BROWSER=1 to make this a failure")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        found = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield found
        found.close()
