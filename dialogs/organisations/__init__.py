"""Organisations (団体) in the chat: register one, join one with an invitation code, "My
organisation" for members, find organisations and follow them.

```mermaid
stateDiagram-v2
    [*] --> top: menu "Organisations"
    top --> ask_name: Register one / typed "団体として登録"
    ask_name --> ask_kind --> ask_description --> ask_areas --> ask_categories
    ask_categories --> ask_contact --> ask_website --> confirm
    confirm --> [*]: Register (owner; pending unless verification is waived) / Cancel
    top --> ask_code: Join with a code
    ask_code --> [*]: a valid code (member) / unknown, used, expired (refusal logged)
    [*] --> [*]: typed "団体コード 1A2B3C4D" joins at once
    top --> mine: My organisation (members)
    mine --> [*]: Invite a co-organiser (owner: a one-time code) / Profile
    mine --> confirm_leave --> [*]: Leave / Stay
    mine --> pick_owner: Hand over (owners)
    pick_owner --> confirm_hand_over --> [*]: Hand over (the new owner is told) / Cancel
    [*] --> pending: menu "Verify organisations" (staff)
    pending --> pending: Verify (staff, checked again; members told)
    top --> find: Find organisations / typed "団体をさがす"
    find --> find_area --> list: field, area
    list --> list: More
    list --> profile: Details
    profile --> [*]: Follow / Unfollow / an activity / an initiative
```

Registering and joining need no role (a digital supporter may do them for the person they
help); member actions need the organiser right for that organisation (membership), which
acting for someone does not lend; refusals are audit-logged. Residents see verified
organisations only.

The modules, by responsibility:
- `register`: the registering wizard;
- `members`: joining with a code, "My organisation", inviting, leaving;
- `ownership`: handing ownership over to another member (owners);
- `verifying`: the organisations awaiting the ward's check, verified by staff;
- `notices`: how the organisation notices read (verified, now the owner);
- `browse`: the top, finding, the profile card, following;
- `cards` and `pick`: how an organisation reads; questions answered by taps, simple mode's
  four choices kept.
"""

from __future__ import annotations

import re
import unicodedata

from bot.kernel.engine import Context, Dialog, Input, Reply, with_data
from bot.kernel.i18n import N_, SUPPORTED_LOCALES, gettext
from dialogs.organisations import browse, members, ownership, register, verifying

# Translators: words a person may type to register their group as an organisation, and to
# find organisations, separated by "|". Keep the English words and add your language's own.
REGISTER_WORDS = N_("register an organisation|register organisation|register my group")
FIND_WORDS = N_("find organisations|find organizations|organisations|organizations")


def _words_regex(*msgids: str) -> re.Pattern[str]:
    words: set[str] = set()
    for msgid in msgids:
        words.update(msgid.split("|"))
        for locale in SUPPORTED_LOCALES:
            words.update(gettext(locale, msgid).split("|"))
    alternatives = sorted({unicodedata.normalize("NFKC", w).strip().casefold()
                           for w in words if w.strip()}, key=len, reverse=True)
    word = "|".join(re.escape(w).replace(r"\ ", r"\s*") for w in alternatives)
    return re.compile(rf"(?:{word})[\s!.。！]*", re.IGNORECASE)


def register_regex() -> re.Pattern[str]:
    return _words_regex(REGISTER_WORDS)


def find_regex() -> re.Pattern[str]:
    return _words_regex(FIND_WORDS)


def on_register_word(ctx: Context, inp: Input, _match: object) -> Reply:
    return register.on_register(ctx, inp)


def on_find_word(ctx: Context, inp: Input, _match: object) -> Reply:
    return browse.on_find(ctx, inp)


dialog = Dialog(
    name="org",
    entries={
        "orgs": browse.on_top,
        "org_find": browse.on_find,
        "org_find_area": browse.on_find_area,
        "org_list": browse.on_list,
        "org": browse.on_profile,
        "org_follow": browse.on_follow,
        "org_unfollow": browse.on_unfollow,
        "org_register": register.on_register,
        "org_join": members.on_join_entry,
        "org_mine": members.on_mine,
        "org_invite": members.on_invite,
        "org_leave": members.on_leave,
        "org_hand_over": ownership.on_hand_over,
        "org_pending": verifying.on_pending,
        "org_verify": verifying.on_verify,
    },
    steps={
        register.ASK_NAME: register.on_name,
        register.ASK_KIND: register.on_kind,
        register.ASK_DESCRIPTION: register.on_description,
        register.ASK_AREAS: register.on_areas,
        register.ASK_CATEGORIES: register.on_categories,
        register.ASK_CONTACT: register.on_contact,
        register.ASK_WEBSITE: register.on_website,
        register.CONFIRM: register.on_confirm,
        members.ASK_CODE: members.on_code,
        members.CONFIRM_LEAVE: members.on_confirm_leave,
        ownership.PICK_OWNER: ownership.on_pick_owner,
        ownership.CONFIRM_HAND_OVER: ownership.on_confirm_hand_over,
    },
    prompts={
        register.ASK_NAME: with_data(register.ask_name),
        register.ASK_KIND: with_data(register.ask_kind),
        register.ASK_DESCRIPTION: with_data(register.ask_description),
        register.ASK_AREAS: with_data(register.ask_areas),
        register.ASK_CATEGORIES: with_data(register.ask_categories),
        register.ASK_CONTACT: with_data(register.ask_contact),
        register.ASK_WEBSITE: with_data(register.ask_website),
        register.CONFIRM: with_data(register.confirm),
        members.ASK_CODE: with_data(members.ask_code),
        ownership.PICK_OWNER: with_data(ownership.ask_owner),
    },
)
