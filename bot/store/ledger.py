"""The action-item ledger: every action item and follow-up of every conversation, and what people did to it.

Rows are keyed by (team, conversation, kind, the engine's item id), so posting a meeting's notes twice, or again
after an append, updates rows instead of adding them. What people did in Slack (done, snoozed, an owner picked)
survives those updates. Items a later run over the same conversation no longer finds are marked superseded, so
digests stop showing them. Every query is scoped by team.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.digest.model import ItemKind, ItemStatus, LedgerEntry
from bot.models import ActionItem
from bot.store.db import Database
from bot.store.tables import ConversationRecord, LedgerItem, OwnerOverride, utcnow


@dataclass(frozen=True)
class NewItem:
    """An item as a meeting's insights give it, before the ledger knows it."""

    kind: ItemKind
    item: ActionItem  # follow-ups share the shape


def person_key(name: str | None, email: str | None = None) -> str | None:
    """How an assignee is recognised across a conversation's items: the email, else the lower-cased name."""
    if email and email.strip():
        return email.strip().lower()
    if name and name.strip():
        return " ".join(name.split()).lower()
    return None


def _entry(row: LedgerItem, conversation: ConversationRecord | None) -> LedgerEntry:
    return LedgerEntry(
        id=row.id,
        kind=ItemKind(row.kind),
        text=row.text,
        conversation_id=row.conversation_id,
        meeting_name=conversation.name if conversation else None,
        assignee_name=row.assignee_name,
        owner_user_id=row.owner_user_id,
        due=row.due_at,
        definitive=row.definitive,
        status=ItemStatus(row.status),
        done_by=row.done_by,
        snoozed_until=row.snoozed_until,
        permalink=conversation.permalink if conversation else None,
        created_at=row.created_at,
    )


def _joined():
    return sa.select(LedgerItem, ConversationRecord).outerjoin(
        ConversationRecord,
        sa.and_(
            ConversationRecord.team_id == LedgerItem.team_id,
            ConversationRecord.conversation_id == LedgerItem.conversation_id,
        ),
    )


class LedgerStore:
    """Reads and writes of ``ledger_items`` and ``owner_overrides``."""

    def __init__(self, database: Database):
        self.db = database

    # -- from a meeting's insights ----------------------------------------------------------------------------

    def sync_conversation(
        self, *, team_id: str, channel_id: str, conversation_id: str, items: Sequence[NewItem]
    ) -> dict[str, LedgerEntry]:
        """Bring the conversation's rows in line with its latest insights; entries by the engine's item id.

        Safe to run twice (the pipeline's posting step may be retried): the same items update the same rows.
        """
        for attempt in range(2):  # two writers adding the same new item at once: the loser reads the winner's row
            try:
                return self._sync(team_id, channel_id, conversation_id, items)
            except IntegrityError:
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def _sync(
        self, team_id: str, channel_id: str, conversation_id: str, items: Sequence[NewItem]
    ) -> dict[str, LedgerEntry]:
        with self.db.session() as s:
            existing = {
                (row.kind, row.item_key): row
                for row in s.scalars(
                    sa.select(LedgerItem).where(
                        LedgerItem.team_id == team_id, LedgerItem.conversation_id == conversation_id
                    )
                )
            }
            seen: set[tuple[str, str]] = set()
            for new in items:
                key = (new.kind.value, new.item.id[:128])
                seen.add(key)
                fields = {
                    "text": new.item.text,
                    "assignee_name": new.item.assignee.name if new.item.assignee else None,
                    "assignee_email": new.item.assignee.email if new.item.assignee else None,
                    "due_at": new.item.due,
                    "definitive": new.item.definitive,
                }
                row = existing.get(key)
                if row is None:
                    row = LedgerItem(
                        id=str(uuid.uuid4()),
                        team_id=team_id,
                        channel_id=channel_id,
                        conversation_id=conversation_id,
                        item_key=key[1],
                        kind=key[0],
                        status=ItemStatus.OPEN.value,
                        owner_picked=False,
                        **fields,
                    )
                    s.add(row)
                    existing[key] = row
                else:
                    for name, value in fields.items():
                        setattr(row, name, value)
                    if row.status == ItemStatus.SUPERSEDED.value:
                        row.status = ItemStatus.OPEN.value
            for key, row in existing.items():
                if key not in seen and row.status == ItemStatus.OPEN.value:
                    row.status = ItemStatus.SUPERSEDED.value
            s.flush()
            conversation = s.get(ConversationRecord, (team_id, conversation_id))
            return {row.item_key: _entry(row, conversation) for key, row in existing.items() if key in seen}

    def set_owners(self, team_id: str, owners: dict[str, str | None]) -> None:
        """Record resolved owners (item id -> Slack user id) on items nobody picked an owner for by hand."""
        if not owners:
            return
        with self.db.session() as s:
            for item_id, user_id in owners.items():
                s.execute(
                    sa.update(LedgerItem)
                    .where(LedgerItem.id == item_id, LedgerItem.team_id == team_id, LedgerItem.owner_picked.is_(False))
                    .values(owner_user_id=user_id)
                )

    # -- what people do in Slack ------------------------------------------------------------------------------

    def get(self, team_id: str, item_id: str) -> LedgerEntry | None:
        with self.db.session(writes=False) as s:
            row = s.execute(_joined().where(LedgerItem.id == item_id, LedgerItem.team_id == team_id)).first()
            return _entry(*row) if row else None

    def place(self, team_id: str, item_id: str) -> tuple[str, str] | None:
        """(channel id, conversation id) where the item's meeting was processed, or None when there is no item."""
        with self.db.session(writes=False) as s:
            row = s.execute(
                sa.select(LedgerItem.channel_id, LedgerItem.conversation_id).where(
                    LedgerItem.id == item_id, LedgerItem.team_id == team_id
                )
            ).first()
            return (row.channel_id, row.conversation_id) if row else None

    def mark_done(self, team_id: str, item_id: str, user_id: str) -> bool:
        """Close an open item; False when there is no such open item in this workspace.

        A snooze is kept, so *Undo* gives back exactly the item as it was.
        """
        return self._update(
            team_id,
            item_id,
            only_status=ItemStatus.OPEN,
            status=ItemStatus.DONE.value,
            done_by=user_id,
            done_at=utcnow(),
        )

    def reopen(self, team_id: str, item_id: str) -> bool:
        """Undo *Mark done*: the item is open again, as before; False unless it is a done item of this workspace."""
        return self._update(
            team_id, item_id, only_status=ItemStatus.DONE, status=ItemStatus.OPEN.value, done_by=None, done_at=None
        )

    def snooze(self, team_id: str, item_id: str, until: datetime) -> bool:
        """Hide an open item from digests until ``until``."""
        return self._update(team_id, item_id, only_status=ItemStatus.OPEN, snoozed_until=until)

    def unsnooze(self, team_id: str, item_id: str) -> bool:
        """Show a snoozed item in digests again."""
        return self._update(team_id, item_id, only_status=ItemStatus.OPEN, snoozed_until=None)

    def assign(self, team_id: str, item_id: str, user_id: str) -> LedgerEntry | None:
        """Give the item to a Slack user, and remember that person-to-user choice for the whole conversation."""
        with self.db.session() as s:
            row = s.scalars(
                sa.select(LedgerItem).where(LedgerItem.id == item_id, LedgerItem.team_id == team_id)
            ).first()
            if row is None:
                return None
            row.owner_user_id, row.owner_picked = user_id, True
            if key := person_key(row.assignee_name, row.assignee_email):
                override = s.get(OwnerOverride, (team_id, row.conversation_id, key))
                if override is None:
                    s.add(
                        OwnerOverride(
                            team_id=team_id, conversation_id=row.conversation_id, person_key=key, user_id=user_id
                        )
                    )
                else:
                    override.user_id = user_id
                # Items of this conversation for the same person follow, unless someone chose for them by hand.
                s.execute(
                    sa.update(LedgerItem)
                    .where(
                        LedgerItem.team_id == team_id,
                        LedgerItem.conversation_id == row.conversation_id,
                        LedgerItem.id != row.id,
                        LedgerItem.owner_picked.is_(False),
                        sa.func.lower(sa.func.coalesce(LedgerItem.assignee_email, LedgerItem.assignee_name)) == key,
                    )
                    .values(owner_user_id=user_id)
                )
            conversation = s.get(ConversationRecord, (team_id, row.conversation_id))
            return _entry(row, conversation)

    def overrides(self, team_id: str, conversation_id: str) -> dict[str, str]:
        """person key -> Slack user id, as people chose them for this conversation."""
        with self.db.session(writes=False) as s:
            rows = s.execute(
                sa.select(OwnerOverride.person_key, OwnerOverride.user_id).where(
                    OwnerOverride.team_id == team_id, OwnerOverride.conversation_id == conversation_id
                )
            )
            return dict(rows.all())

    def _update(self, team_id: str, item_id: str, *, only_status: ItemStatus | None = None, **values) -> bool:
        """One conditional UPDATE: a double click, or two people at once, change the row once."""
        where = [LedgerItem.id == item_id, LedgerItem.team_id == team_id]
        if only_status is not None:
            where.append(LedgerItem.status == only_status.value)
        with self.db.session() as s:
            return bool(s.execute(sa.update(LedgerItem).where(*where).values(**values)).rowcount)

    # -- what digests and messages show -----------------------------------------------------------------------

    def for_conversation(self, team_id: str, conversation_id: str) -> dict[str, LedgerEntry]:
        """The conversation's current entries, by the engine's item id (for re-rendering its notes)."""
        with self.db.session(writes=False) as s:
            rows = s.execute(
                _joined().where(LedgerItem.team_id == team_id, LedgerItem.conversation_id == conversation_id)
            ).all()
            return {
                item.item_key: _entry(item, conv) for item, conv in rows if item.status != ItemStatus.SUPERSEDED.value
            }

    def by_ids(self, team_id: str, item_ids: Iterable[str]) -> list[LedgerEntry]:
        """Entries in the order of ``item_ids`` (missing ones left out)."""
        ids = list(item_ids)
        if not ids:
            return []
        with self.db.session(writes=False) as s:
            rows = s.execute(_joined().where(LedgerItem.team_id == team_id, LedgerItem.id.in_(ids))).all()
            found = {item.id: _entry(item, conv) for item, conv in rows}
        return [found[i] for i in ids if i in found]

    def open_items(self, team_id: str, channel_id: str, *, now: datetime, kind: ItemKind) -> list[LedgerEntry]:
        """Open items of the channel that are not snoozed at ``now``, oldest first."""
        with self.db.session(writes=False) as s:
            rows = s.execute(
                _joined()
                .where(
                    LedgerItem.team_id == team_id,
                    LedgerItem.channel_id == channel_id,
                    LedgerItem.status == ItemStatus.OPEN.value,
                    LedgerItem.kind == kind.value,
                    sa.or_(LedgerItem.snoozed_until.is_(None), LedgerItem.snoozed_until <= now),
                )
                .order_by(LedgerItem.created_at, LedgerItem.id)
            ).all()
            return [_entry(item, conv) for item, conv in rows]
