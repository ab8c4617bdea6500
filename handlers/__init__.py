"""Event routing: which dialog, action or default answers a person's input.

`build_router()` joins every dialog's table in one place; `handle_event` (handlers.events)
turns one LINE event into one turn of the conversation.
"""

from __future__ import annotations

from handlers.router import Router


def build_router() -> Router:
    from dialogs import menu, onboarding, settings

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
    for dialog in (onboarding.dialog, settings.dialog):
        router.include(dialog)
    return router
