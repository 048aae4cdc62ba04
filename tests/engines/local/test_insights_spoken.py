"""The offline extractor on spontaneous speech: fillers, false starts, requests taken up, things that only sound
like tasks. Every sentence here is made up in the style of real meetings; none comes from an evaluation set."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from bot.engines.local.insights import InsightSet, extract_insights
from bot.engines.local.insights_questions import asks_something
from bot.engines.local.insights_text import tidy_spoken
from bot.models import Message, Person

MEETING = datetime(2026, 3, 2, 10, 0, tzinfo=timezone(timedelta(hours=1)))  # a Monday


def extract(*turns: tuple[str, str]) -> InsightSet:
    messages = [
        Message(id=f"m{i}", text=text, speaker=Person(name=speaker), offset_seconds=5.0 * i, duration_seconds=4.0)
        for i, (speaker, text) in enumerate(turns)
    ]
    return extract_insights(messages, meeting_start=MEETING)


def owners(items) -> list[str | None]:
    return [item.assignee.name if item.assignee else None for item in items]


@pytest.mark.parametrize(
    "said",
    [
        "So we'll have to move the servers over the weekend?",  # a question takes nothing on
        "She said she'll rewrite the parser in Rust.",  # reported speech
        'He told me, "can you send the logs by Friday?"',  # a quoted request asks nobody here
        "Now I'll quickly show you the new dashboard.",  # done during the meeting
        "Okay, let me share my screen.",
        "I'll wait.",
        "We will have some buttons on the side and a scroll wheel.",  # describing a design
        "If anything breaks we'll just roll it back.",  # a condition
        "In general you have to keep the thing simple.",  # generic "you"
        "I think we all know what we need to do now.",
        "Probably close to impossible.",
        "We're gonna go with the yellow one.",  # a decision about the product
        "I think we'll probably end up using the rubber case.",  # a prediction
        "We'll keep it at twelve euros fifty.",
        "You'll notice it's a lot faster.",
        "We're going to be looking at the costs now.",
        "We'll talk about the budget in a minute.",
    ],
)
def test_things_that_only_sound_like_tasks_are_not_action_items(said):
    insights = extract(("Lead", "The rollout went fine last week."), ("Dev", said))
    assert insights.action_items == ()
    assert insights.follow_ups == ()


def test_fillers_and_false_starts_do_not_hide_a_commitment():
    insights = extract(("Dev", "So, I'll, um, I'll actually, uh, after the call I'll update the, the budget sheet."))
    [item] = insights.action_items
    assert item.assignee == Person(name="Dev")
    assert "update the budget sheet" in item.text


@pytest.mark.parametrize(
    ("said", "owner"),
    [
        ("I'm gonna rerun the benchmark tonight.", "Dev"),
        ("Maria and I are gonna work on the migration.", None),  # several people: nobody in particular
        ("Um, Jonas will be doing the, uh, the pricing page.", "Jonas"),
        ("And I will be talking to the suppliers.", "Dev"),
        ("We're supposed to find out about the licence terms.", None),
    ],
)
def test_spoken_forms_of_taking_a_task_on(said, owner):
    insights = extract(("Lead", "Where are we with the release?"), ("Dev", said))
    assert owners(insights.action_items) == [owner]


def test_a_request_and_its_acceptance_are_one_item_owned_by_whoever_accepts():
    insights = extract(
        ("Ann", "The demo went well, I think."),
        ("Raj", "Could you send us the recording afterwards?"),
        ("Lee", "Yes, I will."),
    )
    [item] = insights.action_items
    assert item.assignee == Person(name="Lee")  # not Ann, who spoke before the request
    assert item.message_ids == ("m1",)


def test_a_suggestion_to_you_becomes_a_task_only_when_taken_up():
    taken = extract(("Ann", "Maybe you could look at the failing tests."), ("Raj", "Mm-hmm."), ("Lee", "Sure."))
    assert owners(taken.action_items) == ["Lee"]
    declined = extract(("Ann", "Maybe you could look at the failing tests."), ("Lee", "No, I'm away next week."))
    assert declined.action_items == ()
    unanswered = extract(("Ann", "Maybe you could have a bigger screen on it."), ("Lee", "Hmm."))
    assert unanswered.action_items == ()


def test_work_handed_to_someone_who_answers_is_theirs():
    insights = extract(
        ("Ann", "And you're gonna be working on the user testing."),
        ("Lee", "Okay."),
    )
    assert owners(insights.action_items) == ["Lee"]


def test_a_task_said_again_a_little_later_is_one_item_with_the_date_it_gained():
    insights = extract(
        ("Ann", "Could you draft the announcement?"),
        ("Lee", "Okay."),
        ("Ann", "Great, so you'll draft the announcement by Friday."),
    )
    [item] = insights.action_items
    assert item.assignee == Person(name="Lee")
    assert item.due is not None
    assert item.due.date() == date(2026, 3, 6)  # the Friday after the meeting, not after today


@pytest.mark.parametrize(
    "said",
    [
        "Why don't we meet Monday to go over the numbers.",
        "We'll discuss the pricing at the next meeting.",
        "Then we can have the rest of the discussion again next week.",
        "The next meeting is on Thursday at ten.",
        "I'll talk to you more about it later.",
        "I'm gonna send out the minutes tonight.",
    ],
)
def test_later_meetings_check_ins_and_the_minutes_are_follow_ups(said):
    insights = extract(("Lead", "That covers the budget."), ("Dev", said))
    assert len(insights.follow_ups) == 1
    assert insights.action_items == ()


def test_a_deadline_that_names_the_next_meeting_is_an_action_item_not_a_follow_up():
    insights = extract(("Lead", "Lee, you need to bring the cost estimate by the next meeting."), ("Lee", "Okay."))
    assert insights.follow_ups == ()
    assert owners(insights.action_items) == ["Lee"]


@pytest.mark.parametrize(
    "sentence",
    [
        "so do you guys have any plans for the summer",
        "Okay, any questions for now",
        "you are the one running the tests, am I right",
        "So wha what's the deadline for the report",
        "Yeah, but before we get to the budget, do you have an idea how we sell it",
        "by when do you think you can give me a plan",
        "and the next step is the user survey, or",
    ],
)
def test_questions_are_found_inside_talk_without_a_question_mark(sentence):
    assert asks_something(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "what we need to do is ship it",
        "which is a standard filter",
        "I told them what we are going to do and what it costs",
        "When the build is green, we ship it.",
    ],
)
def test_clauses_inside_statements_are_not_questions(sentence):
    assert not asks_something(sentence)


def test_short_clarifications_are_questions_and_short_answers_are_not():
    insights = extract(
        ("Ann", "The vendor leaves for two weeks."),
        ("Lee", "Or, three weeks"),
        ("Ann", "Two weeks."),
        ("Raj", "You already have the contract"),
        ("Ann", "It is."),
        ("Lee", "And your phone number is"),
    )
    assert [q.message_ids for q in insights.questions] == [("m1",), ("m3",), ("m5",)]


def test_spoken_debris_is_tidied_but_words_said_twice_on_purpose_stay():
    assert tidy_spoken("I I I think we'll we'll see, um, what they do.") == "I think we'll see, what they do."
    assert tidy_spoken("but Did y did you get the invoice") == "but did you get the invoice"
    assert tidy_spoken("Order two two-way radios.") == "Order two two-way radios."


def test_a_sentence_finished_in_the_speakers_next_turn_is_read_whole():
    insights = extract(
        ("Ann", "And I will be, uh"),
        ("Lee", "Mm."),
        ("Ann", "calling the suppliers, basically."),
    )
    [item] = insights.action_items
    assert item.assignee == Person(name="Ann")
    assert item.message_ids == ("m0",)
    assert "calling the suppliers" in item.text


def test_a_turn_that_carries_on_an_earlier_sentence_gives_no_order_of_its_own():
    insights = extract(
        ("Ann", "We need to look at the web page."),
        ("Lee", "Right."),
        ("Ann", "and clean it up by mid-July."),
    )
    assert len(insights.action_items) == 1


def test_you_have_to_is_an_order_once_acknowledged_and_a_general_truth_otherwise():
    general = extract(("Ann", "You have to press the button twice to reset it."), ("Lee", "The old one did that too."))
    assert general.action_items == ()
    order = extract(("Ann", "You need to renew the certificate."), ("Lee", "Yeah."))
    assert owners(order.action_items) == ["Lee"]


@pytest.mark.parametrize(
    ("said", "owner"),
    [
        ("So the action item for me is to update the roadmap.", "Dev"),
        ("Action item: Priya to fix the export.", "Priya"),
        ("My plan is to finish the draft tomorrow.", "Dev"),
        ("Okay, I'll I'll look into the licensing thing.", "Dev"),
    ],
)
def test_tasks_named_as_such_or_taken_on_with_a_stammer(said, owner):
    insights = extract(("Lead", "Anything else?"), ("Dev", said))
    assert owners(insights.action_items) == [owner]


def test_a_request_to_anyone_belongs_to_whoever_takes_it():
    taken = extract(("Ann", "Can somebody ping the vendor about the delivery?"), ("Lee", "Yeah, I can."))
    assert owners(taken.action_items) == ["Lee"]
    open_ = extract(("Ann", "Can somebody ping the vendor about the delivery?"), ("Lee", "The vendor is slow."))
    assert owners(open_.action_items) == [None]


def test_writing_up_the_meeting_is_a_follow_up():
    insights = extract(("Lead", "Good."), ("Dev", "I will summarise the things we discussed and put them on the wiki."))
    assert owners(insights.follow_ups) == ["Dev"]
