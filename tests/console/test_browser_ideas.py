"""Staff adopt an idea in the console, in headless Chromium, and its submitter reads the
decision and staff's message in the simulated chat, in their language (Vietnamese).

Chromium comes from the shared `chromium` fixture (tests/browser.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.db import session_scope
from bot.kernel.i18n import gettext
from bot.notify.dispatch import dispatch
from models import ideas as ide
from models.users import get_by_line_id
from tests.browser import answered, new_chat_user

pytestmark = pytest.mark.browser


def _(msgid: str, **params: str) -> str:
    return gettext("ja", msgid, **params)


def _vi(msgid: str, **params: str) -> str:
    return gettext("vi", msgid, **params)



def test_staff_adopt_an_idea_and_the_submitter_reads_it_in_vietnamese(app, person, chromium,
                                                                      worker):
    person("区の職員さん", staff=True)
    with session_scope(app) as session:
        call_id = ide.publish_call(session, theme="公園の使い方", issue="公園をもっと使いやすく",
                                   deadline=datetime.now(UTC) + timedelta(days=10),
                                   config=dict(app.config)).id

    # a Vietnamese resident joins in the simulated chat and sends an idea
    chat, resident = new_chat_user(chromium, app.config["LIVE_URL"], "Bao", "vi")
    answered(chat, worker, _vi("I agree"), "quick-reply").click()
    answered(chat, worker, _vi("Standard"), "quick-reply")
    with session_scope(app) as session:
        idea = ide.submit(session, session.get(ide.IdeaCall, call_id),
                          get_by_line_id(session, resident), body="夜の公園に照明を",
                          now=datetime.now(UTC), config=dict(app.config))
        idea_id, receipt = idea.id, idea.receipt

    staff = chromium.new_context(viewport={"width": 390, "height": 844},
                                 locale="ja-JP").new_page()
    staff.goto(f"{app.config['LIVE_URL']}/console/")
    staff.get_by_role("link", name=_("Sign in with LINE")).click()
    staff.get_by_role("button", name="区の職員さん").click()
    staff.get_by_role("navigation").get_by_role("link", name=_("Idea calls")).click()
    staff.get_by_role("link", name="公園の使い方").click()
    assert "夜の公園に照明を" in staff.locator(f"#idea-{idea_id}").inner_text()
    staff.get_by_role("link", name=receipt).click()
    assert "Tiếng Việt" in staff.locator("main").inner_text()  # the language they read
    staff.get_by_role("radio", name=_("Adopted"), exact=True).check()
    staff.get_by_label(_("Message to the person who sent it")).fill("ありがとうございます")
    staff.locator("#message_theirs").fill("Cảm ơn ý tưởng của bạn!")
    staff.get_by_role("button", name=_("Save and tell them")).click()
    assert staff.get_by_role("status").inner_text().strip() == _(
        "Idea {receipt} is now “{status}”. The person who sent it will be told.",
        receipt=receipt, status=_("Adopted"))

    dispatch(app, (datetime.now(UTC) + timedelta(days=1)).replace(hour=3))  # noon in Tokyo
    told = answered(chat, worker, "Cảm ơn ý tưởng của bạn!").inner_text()
    assert _vi("Adopted") in told and receipt in told
    assert "ありがとうございます" not in told
