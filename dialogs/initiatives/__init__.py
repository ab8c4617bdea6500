"""Initiatives (取組提示型): present one, browse, express interest, talk through the bot,
share contacts when both agree, ask for and give opinions; the presenter's tools.

```mermaid
stateDiagram-v2
    [*] --> top: menu "Initiatives"
    top --> list: Newest / by category / by area / help I can give / mine
    list --> list: More
    list --> ask_offers: I'm interested
    ask_offers --> ask_offers: tap to add or remove
    ask_offers --> ask_message: Done
    ask_message --> [*]: typed message / No message (row written, presenter told)
    top --> ask_as: Present one (a member of an organisation)
    top --> ask_title: Present one
    ask_as --> ask_title: Myself / an organisation
    ask_title --> ask_summary --> ask_help --> ask_category --> ask_area --> ask_photo
    ask_photo --> confirm: photo / Skip
    confirm --> [*]: Publish (row written) / Cancel
    [*] --> manage: Manage (presenter or staff)
    manage --> ask_question: Ask for opinions
    manage --> [*]: next status / close / people / opinions / gathering
    [*] --> ask_reply: Reply (either side) --> [*]
    [*] --> ask_contact: Share contact (either side) --> [*]
    [*] --> ask_opinion: Give an opinion --> [*]
```

Every presenter action checks ownership on the server (`can_manage`), every staff action the
staff role; refusals are audit-logged. Titles, summaries, messages and opinions are shown
as written; everything around them is in the reader's language.

The modules, by responsibility:
- `browse`: the top, the filters, a page of cards, one initiative in full;
- `present`: the presenting wizard;
- `interest`: expressing interest, talking through the bot, contacts, giving an opinion;
- `manage`: the presenter's tools and staff review;
- `notices`: how the notifications read (listed in bot/registries.py);
- `cards` and `kinds`: how an initiative and kinds of help read, shared by the above.
"""

from __future__ import annotations

from bot.kernel.engine import Dialog, with_data
from dialogs.initiatives import browse, interest, manage, present

dialog = Dialog(
    name="initiative",
    entries={
        "initiatives": browse.on_top,
        "ini_filter": browse.on_filter,
        "ini_list": browse.on_list,
        "ini": browse.on_detail,
        "ini_present": present.on_present,
        "ini_interest": interest.on_interest_entry,
        "ini_reply": interest.on_reply_entry,
        "ini_contact": interest.on_contact_entry,
        "ini_opinion": interest.on_opinion_entry,
        "ini_manage": manage.on_manage,
        "ini_people": manage.on_people,
        "ini_ask_op": manage.on_ask_opinions,
        "ini_stop_op": manage.on_stop_opinions,
        "ini_opinions": manage.on_read_opinions,
        "ini_status": manage.on_status,
        "ini_close": manage.on_close_entry,
        "ini_review": manage.on_review,
    },
    steps={
        present.ASK_AS: present.on_as,
        present.ASK_TITLE: present.on_title,
        present.ASK_SUMMARY: present.on_summary,
        present.ASK_HELP: present.on_help,
        present.ASK_CATEGORY: present.on_category,
        present.ASK_AREA: present.on_area,
        present.ASK_PHOTO: present.on_photo,
        present.CONFIRM: present.on_confirm,
        interest.ASK_OFFERS: interest.on_offers,
        interest.ASK_MESSAGE: interest.on_message,
        interest.ASK_REPLY: interest.on_reply,
        interest.ASK_CONTACT: interest.on_contact,
        interest.ASK_OPINION: interest.on_opinion,
        manage.ASK_QUESTION: manage.on_question,
        manage.CONFIRM_CLOSE: manage.on_close,
    },
    prompts={
        present.ASK_AS: with_data(present.ask_as),
        present.ASK_TITLE: with_data(present.ask_title),
        present.ASK_SUMMARY: with_data(present.ask_summary),
        present.ASK_HELP: with_data(present.ask_help),
        present.ASK_CATEGORY: with_data(present.ask_category),
        present.ASK_AREA: with_data(present.ask_area),
        present.ASK_PHOTO: with_data(present.ask_photo),
        present.CONFIRM: with_data(present.confirm),
        interest.ASK_OFFERS: with_data(interest.ask_offers),
        interest.ASK_MESSAGE: with_data(interest.ask_message),
        interest.ASK_REPLY: with_data(interest.ask_reply),
        interest.ASK_CONTACT: with_data(interest.ask_contact),
        interest.ASK_OPINION: with_data(interest.ask_opinion),
        manage.ASK_QUESTION: with_data(manage.ask_question),
    },
)
