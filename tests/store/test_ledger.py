"""The action-item ledger on SQLite and PostgreSQL: one row per item however often notes are posted, people's
changes kept across re-runs, corrections remembered for the conversation, and workspaces kept apart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.digest.model import ItemKind, ItemStatus
from bot.models import ActionItem, FollowUp, Person
from bot.store.jobs import JobStore
from bot.store.ledger import LedgerStore, NewItem

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def action(item_id: str, text: str, who: str | None = None, email: str | None = None) -> NewItem:
    assignee = Person(name=who, email=email) if who or email else None
    return NewItem(ItemKind.ACTION, ActionItem(id=item_id, text=text, assignee=assignee, definitive=True))


def sync(ledger: LedgerStore, items, team="T1", conversation="conv-1"):
    return ledger.sync_conversation(team_id=team, channel_id="C1", conversation_id=conversation, items=items)


def test_posting_the_same_notes_twice_keeps_one_row_per_item(database):
    ledger = LedgerStore(database)
    first = sync(ledger, [action("a1", "Send the budget", "Bob"), action("a2", "Book the room")])
    again = sync(ledger, [action("a1", "Send the budget", "Bob"), action("a2", "Book the room")])
    assert {k: e.id for k, e in first.items()} == {k: e.id for k, e in again.items()}
    assert len(ledger.open_items("T1", "C1", now=NOW, kind=ItemKind.ACTION)) == 2


def test_done_survives_a_rerun_and_dropped_items_leave_the_open_list(database):
    ledger = LedgerStore(database)
    entries = sync(ledger, [action("a1", "Send the budget"), action("a2", "Book the room")])
    assert ledger.mark_done("T1", entries["a1"].id, "U9")
    sync(ledger, [action("a1", "Send the budget"), action("a3", "Call the vendor")])  # an append re-ran extraction
    open_texts = [e.text for e in ledger.open_items("T1", "C1", now=NOW, kind=ItemKind.ACTION)]
    assert open_texts == ["Call the vendor"]
    done = ledger.get("T1", entries["a1"].id)
    assert done.status == ItemStatus.DONE and done.done_by == "U9"


def test_snoozed_items_come_back_when_the_snooze_ends(database):
    ledger = LedgerStore(database)
    entry = sync(ledger, [action("a1", "Send the budget")])["a1"]
    ledger.snooze("T1", entry.id, NOW + timedelta(days=1))
    assert ledger.open_items("T1", "C1", now=NOW, kind=ItemKind.ACTION) == []
    assert [e.id for e in ledger.open_items("T1", "C1", now=NOW + timedelta(days=2), kind=ItemKind.ACTION)] == [
        entry.id
    ]


def test_picking_an_owner_is_remembered_for_that_person_across_the_conversation(database):
    ledger = LedgerStore(database)
    entries = sync(ledger, [action("a1", "Send the budget", "Bob"), action("a2", "Draft the memo", "bob")])
    ledger.set_owners("T1", {entries["a1"].id: "UWRONG", entries["a2"].id: "UWRONG"})
    ledger.assign("T1", entries["a1"].id, "UBOB")
    assert ledger.overrides("T1", "conv-1") == {"bob": "UBOB"}
    assert ledger.get("T1", entries["a2"].id).owner_user_id == "UBOB"  # same person, same conversation
    ledger.set_owners("T1", {entries["a1"].id: "UAUTO"})  # an automatic resolution never undoes a human choice
    assert ledger.get("T1", entries["a1"].id).owner_user_id == "UBOB"
    sync(ledger, [action("a1", "Send the budget", "Bob")], conversation="conv-2")
    assert ledger.overrides("T1", "conv-2") == {}  # other meetings are not affected


def test_follow_ups_are_kept_apart_from_action_items(database):
    ledger = LedgerStore(database)
    follow_up = NewItem(ItemKind.FOLLOW_UP, FollowUp(id="f1", text="Meet again on Friday"))
    sync(ledger, [action("a1", "Send the budget"), follow_up])
    assert [e.text for e in ledger.open_items("T1", "C1", now=NOW, kind=ItemKind.FOLLOW_UP)] == ["Meet again on Friday"]


def test_one_workspace_cannot_see_or_change_anothers_items(database):
    ledger = LedgerStore(database)
    entry = sync(ledger, [action("a1", "Send the budget")], team="T1")["a1"]
    assert ledger.get("T2", entry.id) is None
    assert not ledger.mark_done("T2", entry.id, "U9")
    assert ledger.assign("T2", entry.id, "U9") is None
    assert ledger.open_items("T2", "C1", now=NOW, kind=ItemKind.ACTION) == []
    assert ledger.get("T1", entry.id).status == ItemStatus.OPEN


def test_entries_carry_the_meetings_name_and_permalink(database):
    store, ledger = JobStore(database), LedgerStore(database)
    store.record_conversation(
        team_id="T1", conversation_id="conv-1", channel_id="C1", thread_ts="1.1", name="Weekly sync", engine="local"
    )
    entry = sync(ledger, [action("a1", "Send the budget")])["a1"]
    assert entry.meeting_name == "Weekly sync"


def test_mark_done_then_undo_gives_back_the_item_as_it_was_snooze_included(database):
    ledger = LedgerStore(database)
    entry = sync(ledger, [action("a1", "Send the budget", "Bob")])["a1"]
    ledger.snooze("T1", entry.id, NOW + timedelta(days=1))
    before = ledger.get("T1", entry.id)
    assert ledger.mark_done("T1", entry.id, "U9")
    assert not ledger.mark_done("T1", entry.id, "U8")  # a second click changes nothing
    assert ledger.get("T1", entry.id).done_by == "U9"
    assert not ledger.reopen("T2", entry.id)  # another workspace cannot undo it
    assert ledger.reopen("T1", entry.id)
    assert ledger.get("T1", entry.id) == before
    assert not ledger.reopen("T1", entry.id)  # only a done item can be reopened


def test_snooze_then_un_snooze_brings_the_item_back_to_the_digests(database):
    ledger = LedgerStore(database)
    entry = sync(ledger, [action("a1", "Send the budget")])["a1"]
    before = ledger.get("T1", entry.id)
    assert ledger.snooze("T1", entry.id, NOW + timedelta(days=3))
    assert ledger.open_items("T1", "C1", now=NOW, kind=ItemKind.ACTION) == []
    assert not ledger.unsnooze("T2", entry.id)
    assert ledger.unsnooze("T1", entry.id)
    assert ledger.get("T1", entry.id) == before
    assert [e.id for e in ledger.open_items("T1", "C1", now=NOW, kind=ItemKind.ACTION)] == [entry.id]
