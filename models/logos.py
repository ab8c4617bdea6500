"""An organisation's logo: uploaded by its members in the console, shown on its console page
and as the hero image of its profile card in the chat (when the server has a public https
address: bot/kernel/links.py).

The image arrives re-encoded by the console (console/logos.py: PNG or JPEG, at most 512 px,
no metadata). It is kept as a photo row without an owner (models/photos.py): served at its
unguessable address like the photos people send, the organisation's rather than the
uploader's (it stays when they delete their data), and never swept away (keeps_photo).
Replacing or removing a logo deletes the old row in the same transaction, so none is left
behind. Every change is audit-logged with who made it.
"""

from __future__ import annotations

import secrets

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from models.organisations import NotAllowed, Organisation, can_edit
from models.photos import PHOTO_TYPES, NotAPhoto, Photo
from models.users import User, audit

LOGO = "logo"  # the message id of every logo row (LINE's message ids are digits)


def set_logo(session: Session, editor: User, organisation: Organisation, data: bytes,
             content_type: str) -> Photo:
    """The organisation's new logo (members only: NotAllowed); the old one is deleted."""
    if not can_edit(session, editor, organisation.id):
        raise NotAllowed("member")
    if content_type not in PHOTO_TYPES:
        raise NotAPhoto(content_type)
    old = organisation.logo
    organisation.logo = Photo(owner_id=None, message_id=LOGO, sender_id=editor.id,
                              content_type=content_type, size=len(data), data=data,
                              token=secrets.token_urlsafe(32))
    session.flush()
    if old is not None:
        session.delete(old)
    audit(session, "organisation.logo", actor=editor, organisation=organisation.id,
          size=len(data))
    return organisation.logo


def remove_logo(session: Session, editor: User, organisation: Organisation) -> bool:
    """Remove the logo (members only); False when there was none."""
    if not can_edit(session, editor, organisation.id):
        raise NotAllowed("member")
    old = organisation.logo
    if old is None:
        return False
    organisation.logo = None
    session.flush()
    session.delete(old)
    audit(session, "organisation.logo_remove", actor=editor, organisation=organisation.id)
    return True


def keeps_photo() -> ColumnElement[bool]:
    """True of the photos that are some organisation's logo (models.photos.sweep keeps them)."""
    return Photo.id.in_(select(Organisation.logo_photo_id)
                        .where(Organisation.logo_photo_id.is_not(None)))
