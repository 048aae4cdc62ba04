"""Realistic inputs for the layout tests and the screenshots (``scripts/render_screenshots.py``).

A 31-minute launch-readiness meeting (6 action items, 3 questions, 2 follow-ups, 8 topics, all in the ledger),
and a week of 3 meetings with 15 open action items for a channel's digest. Names, tasks and dates are made up but
shaped like the offline engine's output on real meetings: owners known by name, some due dates, one item
nobody took.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.digest.model import DigestContent, ItemKind, LedgerEntry, MeetingSummary, OpenQuestion, TopicCount
from bot.models import ActionItem, Conversation, FollowUp, Insights, Message, Person, Question, SummaryItem, Topic

MEETING_START = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)  # a Tuesday, 15:00 in Paris
NOTES_NOW = MEETING_START + timedelta(minutes=40)  # the notes are posted a few minutes after the meeting
DIGEST_NOW = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)  # the next Monday, 09:00 in Paris
PREVIOUS_DIGEST = DIGEST_NOW - timedelta(days=7)
TZ = "Europe/Paris"
PERMALINK = "https://acme.slack.com/archives/C0LAUNCH/p1772546400000100"

MARIA = Person(name="Maria Lopez", email="maria@acme.test")
TOM = Person(name="Tom Becker", email="tom@acme.test")
PRIYA = Person(name="Priya Shah", email="priya@acme.test")
DAN = Person(name="Dan Wu")
OWNERS = {"maria@acme.test": "U0MARIA", "tom@acme.test": "U0TOM", "priya@acme.test": "U0PRIYA"}
NAMES = {"U0MARIA": "Maria Lopez", "U0TOM": "Tom Becker", "U0PRIYA": "Priya Shah", "U0DAN": "Dan Wu"}


def _at(day: int, hour: int = 17, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


def launch_meeting() -> Insights:
    """A 31-minute meeting's insights: 6 action items (4 firm, 2 suggested), 3 questions, 2 follow-ups, 8 topics."""
    actions = (
        ActionItem("a1", "Send the updated launch checklist to the release channel", MARIA, _at(4), True),
        ActionItem("a2", "Fix the signup crash on Android 12 before the code freeze", TOM, _at(5), True),
        ActionItem("a3", "Get sign-off from legal on the new privacy notice", PRIYA, _at(6), True),
        ActionItem("a4", "Book the war room for launch day", DAN, None, True),
        ActionItem("a5", "Look into a backup vendor for push notifications", None, None, False),
        ActionItem("a6", "Maybe record a short demo video for the sales team", TOM, _at(10), False),
    )
    follow_ups = (
        FollowUp("f1", "Check in with support on the FAQ draft", MARIA, _at(5)),
        FollowUp("f2", "Share the load-test results with the team", PRIYA, None),
    )
    questions = (
        Question("q1", "Do we have sign-off from legal on the privacy notice?", TOM),
        Question("q2", "Who is on call during the launch weekend?", DAN),
        Question("q3", "Can we roll back the mobile release within an hour?", MARIA),
    )
    topics = tuple(
        Topic(f"t{i}", text, score=1 - i / 10)
        for i, text in enumerate(
            (
                "launch checklist",
                "code freeze",
                "privacy notice",
                "push notifications",
                "load test",
                "on-call rota",
                "sales demo",
                "rollback plan",
            )
        )
    )
    summary = (
        SummaryItem(
            "s1",
            "The team reviewed launch readiness for Thursday's release. The checklist is nearly complete; the "
            "Android signup crash and legal's sign-off on the privacy notice are the two blockers.",
        ),
        SummaryItem("s2", "Load tests passed at twice the expected traffic. Support needs the final FAQ by Friday."),
    )
    messages = tuple(
        Message(f"m{i}", "…", speaker=person, offset_seconds=i * 60.0, duration_seconds=50.0)
        for i, person in enumerate((MARIA, TOM, PRIYA, DAN) * 8)
    )
    return Insights(
        conversation=Conversation(
            id="5815170693595136",
            name="Launch readiness sync.mp4",
            start=MEETING_START,
            end=MEETING_START + timedelta(minutes=31),
        ),
        messages=messages,
        topics=topics,
        action_items=actions,
        follow_ups=follow_ups,
        questions=questions,
        members=(MARIA, TOM, PRIYA, DAN),
        summary=summary,
    )


def ledger_for(insights: Insights, **changes: dict) -> dict[str, LedgerEntry]:
    """Every action item of ``insights`` as the ledger holds it right after posting; ``changes`` by item id."""
    entries = {}
    for item in insights.action_items:
        user = OWNERS.get(item.assignee.email or "") if item.assignee else None
        fields = {
            "id": f"L-{item.id}",
            "kind": ItemKind.ACTION,
            "text": item.text,
            "conversation_id": insights.conversation.id,
            "meeting_name": insights.conversation.name,
            "assignee_name": item.assignee.name if item.assignee else None,
            "owner_user_id": user,
            "due": item.due,
            "definitive": item.definitive,
            "permalink": PERMALINK,
            "created_at": MEETING_START,
        }
        fields.update(changes.get(item.id, {}))
        entries[item.id] = LedgerEntry(**fields)
    return entries


def _open(n: int, text: str, meeting: int, *, owner: str | None = None, name: str | None = None, due=None):
    names = ("Launch readiness sync", "Design review", "Weekly planning")
    return LedgerEntry(
        id=f"item-{n:02d}",
        kind=ItemKind.ACTION,
        text=text,
        conversation_id=f"conv-{meeting}",
        meeting_name=names[meeting],
        assignee_name=name or NAMES.get(owner or ""),
        owner_user_id=owner,
        due=due,
        definitive=True,
        permalink=PERMALINK.replace("0100", f"010{meeting}"),
        created_at=PREVIOUS_DIGEST + timedelta(days=1 + meeting, minutes=n),
    )


def week_digest() -> DigestContent:
    """A week of 3 meetings with 15 open action items among 4 people and nobody, some overdue, some due soon."""
    items = (
        _open(1, "Send the updated launch checklist", 0, owner="U0MARIA", due=_at(27, month=2)),  # overdue already
        _open(2, "Fix the signup crash on Android 12", 0, owner="U0TOM", due=_at(6)),  # became overdue
        _open(3, "Get sign-off from legal on the privacy notice", 0, owner="U0PRIYA", due=_at(9)),  # due today
        _open(4, "Book the war room for launch day", 0, owner="U0DAN", due=_at(10)),
        _open(5, "Look into a backup vendor for push notifications", 0),
        _open(6, "Record a short demo video for sales", 0, owner="U0TOM", due=_at(20)),
        _open(7, "Update the onboarding mockups", 1, owner="U0MARIA", due=_at(11)),
        _open(8, "Write up the accessibility findings", 1, owner="U0PRIYA"),
        _open(9, "Ask the brand team for the new icon set", 1, owner="U0MARIA"),
        _open(10, "Prototype the empty states", 1, owner="U0DAN", due=_at(13)),
        _open(11, "Draft the Q2 hiring plan", 2, owner="U0PRIYA", due=_at(16)),
        _open(12, "Estimate the billing migration", 2, owner="U0TOM"),
        _open(13, "Review the vendor contract", 2, name="Alex"),
        _open(14, "Clean up the stale feature flags", 2, owner="U0DAN", due=_at(8)),  # became due and overdue
        _open(15, "Plan the team offsite", 2),
    )
    return DigestContent(
        channel_id="C0LAUNCH",
        period_start=PREVIOUS_DIGEST,
        period_end=DIGEST_NOW,
        meetings=(
            MeetingSummary("conv-0", "Launch readiness sync", 31 * 60, PERMALINK, _at(3, 15)),
            MeetingSummary("conv-1", "Design review", 47 * 60, PERMALINK, _at(4, 10)),
            MeetingSummary("conv-2", "Weekly planning", 25 * 60, PERMALINK, _at(6, 9)),
        ),
        open_items=items,
        follow_ups=(
            LedgerEntry(
                "fu-1",
                ItemKind.FOLLOW_UP,
                "Check in with support on the FAQ draft",
                "conv-0",
                "Launch readiness sync",
                owner_user_id="U0MARIA",
                due=_at(6),
                permalink=PERMALINK,
            ),
        ),
        questions=(
            OpenQuestion("Who is on call during the launch weekend?", "Dan Wu", "Launch readiness sync", PERMALINK),
            OpenQuestion("Do we keep the old onboarding for existing users?", "Maria Lopez", "Design review"),
        ),
        topics=(
            TopicCount("launch checklist", 2.1, 2),
            TopicCount("onboarding", 1.6, 2),
            TopicCount("hiring plan", 0.9, 1),
            TopicCount("billing migration", 0.8, 1),
        ),
        previous_digest_at=PREVIOUS_DIGEST,
        owner_names=NAMES,
    )
