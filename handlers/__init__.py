"""Event routing: which dialog, action or default answers a person's input.

`build_router()` joins every dialog's table in one place; `handle_event` (handlers.events)
turns one LINE event into one turn of the conversation.
"""

from __future__ import annotations

from dialogs import (
    announce,
    find_activities,
    gatherings,
    idea_calls,
    initiatives,
    menu,
    onboarding,
    organisations,
    organiser,
    recommend,
    settings,
    signup,
    subscriptions,
    supporters,
    tabs,
    understand,
    volunteering,
)
from handlers.router import Router


def build_router() -> Router:
    router = Router(
        default=menu.on_default,
        invalid=menu.on_invalid,
        expired=menu.on_expired,
        gate=onboarding.gate,
    )
    router.interrupt("menu", menu.on_menu)
    router.interrupt("help", menu.on_help, before_gate=True)
    router.interrupt("cancel", menu.on_cancel)
    router.interrupt("language", settings.on_language_entry, before_gate=True)
    router.interrupt("simple", settings.on_simple_word)
    router.interrupt("settings", settings.on_settings)
    for dialog in (onboarding.dialog, settings.dialog, find_activities.dialog, signup.dialog,
                   volunteering.dialog, recommend.dialog, organiser.dialog,
                   supporters.dialog, tabs.dialog, subscriptions.dialog, announce.dialog,
                   initiatives.dialog, gatherings.dialog, idea_calls.dialog,
                   organisations.dialog):
        router.include(dialog)
    router.pattern(signup.signup_regex(), signup.on_signup_pattern)  # "参加 123", "123に参加"
    router.pattern(volunteering.checkin_regex(), volunteering.on_checkin_pattern)
    router.pattern(announce.WORDS, announce.on_word)  # staff: "announce", "お知らせ配信"
    router.pattern(organisations.members.code_regex(),  # "団体コード 1A2B3C4D"
                   organisations.members.on_code_pattern)
    router.pattern(organisations.register_regex(), organisations.on_register_word)
    router.pattern(organisations.find_regex(), organisations.on_find_word)  # "団体をさがす"
    router.location = find_activities.on_location  # near me
    router.understand = understand.on_text  # labels, keywords and wishes typed
    router.yes_no = understand.yes_or_no  # at the steps that declare it: answers_yes_no
    return router
