"""The rich menu's tab strip: LINE switches the menu itself and sends a postback we ignore.

A `richmenuswitch` action must carry postback data; the bot has nothing to say about a tab
change, so the answer is silence and the active dialog stays as it was.
"""

from __future__ import annotations

from bot.kernel.engine import Context, Dialog, Input, Reply


def on_tab(ctx: Context, inp: Input) -> Reply:
    return Reply([], keep=True)


dialog = Dialog(name="tabs", entries={"tab": on_tab})
