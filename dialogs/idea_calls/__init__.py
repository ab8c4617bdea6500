"""Idea calls from the ward (区からのアイデア募集型): see open calls, submit an idea, join an
idea meeting; staff post calls and review ideas.

```mermaid
stateDiagram-v2
    [*] --> calls: menu "Idea calls"
    calls --> ask_idea: Submit an idea (checked: open, daily limit)
    ask_idea --> ask_can_help: idea typed / photo sent
    ask_can_help --> confirm: Yes / No / Not sure
    confirm --> [*]: Send (row written, then the receipt number) / Cancel
    [*] --> ask_theme: New idea call (staff)
    ask_theme --> ask_issue --> ask_deadline --> ask_category --> confirm_call
    confirm_call --> [*]: Publish (followers told; deadline reminders written)
    [*] --> ask_staff_message: Adopt / Not adopt / Under review (staff)
    ask_staff_message --> [*]: message typed / No message (submitter told)
```

Simple mode: at most four choices a message and "back to menu" on every step. Writing the
idea is the one typed step; a photo of a note written on paper works as well, and "Ask a
supporter" brings a digital supporter in for people who find typing hard. The draft lives
in the dialog data, so help or a stray message does not lose it; the idea is an SQL row
before the receipt number is shown.

The modules, by responsibility:
- `browse`: the open calls, one call in full, my ideas;
- `submit`: submitting an idea;
- `staff`: posting and closing calls, reviewing ideas;
- `notices`: how the notifications and a new call read (listed in bot/registries.py);
- `cards`: how a call reads, shared by the above.
"""

from __future__ import annotations

from bot.kernel.engine import Dialog, with_data
from dialogs.idea_calls import browse, staff, submit

dialog = Dialog(
    name="ideas",
    entries={
        "idea_calls": browse.on_calls,
        "idea_call": browse.on_call,
        "idea_submit": submit.on_submit_entry,
        "my_ideas": browse.on_my_ideas,
        "idea_call_new": staff.on_new_call,
        "idea_review": staff.on_review,
        "idea_list": staff.on_list,
        "idea_mark": staff.on_mark,
        "idea_announce": staff.on_announce,
        "idea_call_close": staff.on_close_entry,
    },
    steps={
        submit.ASK_IDEA: submit.on_idea,
        submit.ASK_CAN_HELP: submit.on_can_help,
        submit.CONFIRM: submit.on_confirm,
        staff.ASK_THEME: staff.on_theme,
        staff.ASK_ISSUE: staff.on_issue,
        staff.ASK_DEADLINE: staff.on_deadline,
        staff.ASK_CATEGORY: staff.on_category,
        staff.CONFIRM_CALL: staff.on_confirm_call,
        staff.ASK_STAFF_MESSAGE: staff.on_staff_message,
        staff.CONFIRM_CLOSE: staff.on_close,
    },
    prompts={
        submit.ASK_IDEA: with_data(submit.ask_idea),
        submit.ASK_CAN_HELP: with_data(submit.ask_can_help),
        submit.CONFIRM: with_data(submit.confirm),
        staff.ASK_THEME: with_data(staff.ask_theme),
        staff.ASK_ISSUE: with_data(staff.ask_issue),
        staff.ASK_DEADLINE: with_data(staff.ask_deadline),
        staff.ASK_CATEGORY: with_data(staff.ask_category),
        staff.CONFIRM_CALL: with_data(staff.confirm_call),
        staff.ASK_STAFF_MESSAGE: with_data(staff.ask_staff_message),
    },
)
