"""Acting for a resident (used by handlers/events.py): whom a paired supporter's turn acts
for, which tables the turn changed, and how it is audit-logged and announced to both."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from bot.kernel.composer import Composer
from bot.kernel.engine import Context, Input
from bot.kernel.i18n import gettext
from dialogs.supporters.live import acting_key, display_name, end_choice, read_json
from models.supporters import can_support
from models.users import AuditLog, User, audit, rights_of

# actions a paired supporter takes as themselves (everything else acts for the resident):
# deleting data among them, which only ever deletes one's own (and ends the pairing first)
OWN_ACTIONS = frozenset({"support", "support_code", "support_end", "support_duty",
                         "my_residents", "help_accept", "grant_supporter", "tab",
                         "delete_data"})
OWN_STEPS = frozenset({"settings.confirm_delete"})


def acting_target(session: Session, supporter: User, inp: Input, step: str | None,
                  fetched: dict[str, str | None]) -> User | None:
    """The resident this supporter's turn acts for, or None when it is their own turn."""
    pair = read_json(fetched.get(acting_key(supporter.line_user_id)))
    if pair is None or inp.kind == "follow" or not can_support(rights_of(supporter)):
        return None
    if inp.action in OWN_ACTIONS or step in OWN_STEPS \
            or (step or "").startswith("supporters."):
        return None
    resident = session.get(User, int(pair.get("n", 0) or 0))
    if resident is None or resident.line_user_id != pair.get("r") or not resident.active:
        return None
    return resident


def track_changes(session: Session) -> set[str]:
    """The tables a turn writes to (audit rows left out), filled as the session works."""
    tables: set[str] = set()

    def on_flush(sess: Session, _context: Any, _instances: Any) -> None:
        dirty = [o for o in sess.dirty if sess.is_modified(o)]
        for obj in (*sess.new, *sess.deleted, *dirty):
            if not isinstance(obj, AuditLog):
                tables.add(getattr(obj, "__tablename__", type(obj).__name__))

    def on_execute(state: Any) -> None:  # bulk UPDATE / DELETE statements
        if state.is_update or state.is_delete:
            table = getattr(state.statement, "table", None)
            name = getattr(table, "name", None)
            if name and name != AuditLog.__tablename__:
                tables.add(name)

    event.listen(session, "before_flush", on_flush)
    event.listen(session, "do_orm_execute", on_execute)
    return tables


def after_proxy_turn(ctx: Context, inp: Input, step_before: str | None, messages: list[dict],
                     changed: set[str]) -> list[dict]:
    """Audit and announce a supporter's turn for a resident; the supporter's messages.

    A turn that changed something is audit-logged (who, for whom, what, when) and its
    confirmation is pushed to the resident, who reads it in their own language: the turn
    ran as the resident, so the replies are already in the resident's language and look.
    """
    supporter, resident = ctx.supporter, ctx.user
    assert supporter is not None
    what = inp.action if inp.action and inp.action != "ans" else (step_before or inp.kind)
    if changed:
        audit(ctx.session, "proxy." + what[:50], actor=supporter, subject=resident,
              step=step_before or "", tables=sorted(changed))
        body = "\n".join(t for t in (_plain(m) for m in messages) if t)
        lead = gettext(resident.locale, "{name}, your supporter, did this for you:",
                       name=display_name(supporter, resident.locale))
        out = Composer(resident.locale, resident.mode, ctx.codec)
        ctx.effects.pushes.append((resident.line_user_id, [out.text(
            f"{lead}\n{body}"[:4000], [end_choice(resident.locale)], back=False)]))
    helper = Composer(supporter.locale, "standard", ctx.codec)
    banner = helper.card(
        gettext(supporter.locale, "Helping {name}", name=display_name(resident, supporter.locale)),
        [gettext(supporter.locale, "What you do now is done for them, and they see it.")],
        [end_choice(supporter.locale)])
    return [banner, *messages]


def _plain(message: dict) -> str:
    if message.get("type") == "text":
        return str(message.get("text", ""))
    texts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "text" and isinstance(node.get("text"), str):
                texts.append(node["text"])
            for part in ("contents", "header", "hero", "body"):
                if part in node:
                    walk(node[part])
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message.get("contents"))
    return "\n".join(texts)
