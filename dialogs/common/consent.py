"""The privacy notice and the question that asks a person to agree to it (at the first
follow, and again from the settings)."""

from __future__ import annotations

from bot.kernel.composer import Choice
from bot.kernel.engine import Context, Reply

ASK_CONSENT = "onboarding.ask_consent"
# The dialog data's key for what a new friend typed before agreeing (a QR code's "参加 1013"):
# kept through the notice, the language and the mode, then handled as if typed again.
KEPT = "kept_text"
KEPT_MAX = 200
# ... or the button a person browsing before agreeing tapped that would store something (sign
# up, interest, an idea, settings): its action and arguments, tapped again once they agree
KEPT_TAP = "kept_tap"


def kept_of(data: dict) -> dict:
    """The kept first message or tap of `data`, as data to carry into the next step's."""
    text, tap = data.get(KEPT), data.get(KEPT_TAP)
    if isinstance(text, str) and text:
        return {KEPT: text}
    if isinstance(tap, dict) and isinstance(tap.get("a"), str):
        return {KEPT_TAP: tap}
    return {}


def privacy_notice(ctx: Context) -> str:
    return "\n".join([
        ctx._("Before we start: privacy notice"),
        ctx._("We keep your LINE name, your language and your settings, and what you sign "
              "up for or send us, to run this service. We never show your LINE account to "
              "other people. You can delete your data at any time in Settings."),
        ctx._("Full text: {url}", url=ctx.config["PRIVACY_POLICY_URL"]),
    ])


def ask_consent(ctx: Context) -> Reply:
    choices = [
        Choice.answer(ASK_CONSENT, ctx._("I agree"), "agree", style="primary"),
        Choice.answer(ASK_CONSENT, ctx._("Language"), "language"),
        Choice.answer(ASK_CONSENT, ctx._("Not now"), "decline"),
    ]
    return Reply([ctx.out.choices(privacy_notice(ctx), choices, back=False)], next=ASK_CONSENT)
