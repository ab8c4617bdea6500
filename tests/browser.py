"""Headless Chromium for the browser tests (the simulator's chat page, the console): one
launch per test module through Playwright, with Debian's /usr/bin/chromium (never
`playwright install`). Without it the tests are skipped, unless MACHIBOT_REQUIRE_BROWSER=1
turns the skip into a failure (CI)."""

from __future__ import annotations

import os
import time
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


def new_chat_user(chromium: Any, live_url: str, name: str, language: str) -> tuple[Any, str]:
    """A new simulated person in the simulator's chat page, on a phone-sized page: (the
    page, their LINE user id)."""
    chat = chromium.new_context(viewport={"width": 400, "height": 800}).new_page()
    chat.goto(f"{live_url}/simulator/")
    chat.wait_for_function("document.body.dataset.user")  # the simulator's first person
    before = chat.evaluate("document.body.dataset.user")
    chat.get_by_test_id("new-user-button").click()
    chat.get_by_test_id("new-user-name").fill(name)
    chat.get_by_test_id("new-user-language").select_option(language)
    chat.get_by_test_id("create-user").click()
    chat.wait_for_function("(before) => document.body.dataset.user !== before", arg=before)
    return chat, chat.evaluate("document.body.dataset.user")


def answered(chat: Any, worker: Any, text: str, test_id: str = "bot-message") -> Any:
    """Let the worker handle what the chat page sent, until a bot message (or the chips,
    buttons named by `test_id`, separated by spaces) shows `text`; that element."""
    found = chat.locator(", ".join(f"[data-testid={one}]" for one in test_id.split()),
                         has_text=text)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        worker.drain()
        if found.count():
            return found.last
        time.sleep(0.05)
    tail = chat.locator("body").inner_text()[-400:]
    raise AssertionError(f"the bot never showed {text!r}; the chat ends with:\n{tail}")
