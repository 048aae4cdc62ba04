"""What the offline engine extracts from a transcript: action items, follow-ups, questions, names, topics."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from bot.engines.local.insights import InsightSet, extract_insights
from bot.engines.local.insights_questions import is_question
from bot.models import Message, Person

MEETING = datetime(2026, 3, 2, 10, 0, tzinfo=timezone(timedelta(hours=-5)))  # a Monday


def transcript(*turns: tuple[str, str]) -> list[Message]:
    """Messages from (speaker, text) pairs, ten seconds apart."""
    return [
        Message(id=f"m{i}", text=text, speaker=Person(name=speaker), offset_seconds=10.0 * i, duration_seconds=8.0)
        for i, (speaker, text) in enumerate(turns)
    ]


def extract(*turns: tuple[str, str]) -> InsightSet:
    return extract_insights(transcript(*turns), meeting_start=MEETING)


def test_a_named_request_is_a_firm_action_item_for_that_person_with_its_due_date():
    insights = extract(("Speaker 1", "Bob, can you send the budget to finance by Friday?"), ("Speaker 2", "Sure."))
    [item] = insights.action_items
    assert item.assignee == Person(name="Bob")
    assert item.definitive
    assert item.due is not None
    assert item.due.date() == date(2026, 3, 6)
    assert item.message_ids == ("m0",)
    assert "budget" in item.text


def test_i_will_is_assigned_to_the_speaker_whose_name_the_conversation_reveals():
    insights = extract(
        ("Speaker 1", "Hi everyone, this is Alice."),
        ("Speaker 2", "Thanks Alice. I'll update the roadmap tomorrow."),
    )
    [item] = insights.action_items
    assert insights.speaker_names == {"Speaker 1": "Alice"}
    assert item.assignee == Person(name="Speaker 2")  # nobody named Speaker 2: the label stays
    assert item.due is not None
    assert item.due.date() == date(2026, 3, 3)


def test_a_speaker_addressed_by_name_who_answers_is_that_person():
    insights = extract(
        ("Speaker 1", "Carol, could you review the contract?"),
        ("Speaker 2", "Yes. I'll also send the signed copy to legal on Wednesday."),
    )
    assert insights.speaker_names == {"Speaker 2": "Carol"}
    owners = {item.assignee.name for item in insights.action_items if item.assignee}
    assert owners == {"Carol"}
    send = next(item for item in insights.action_items if "signed copy" in item.text)
    assert send.due is not None
    assert send.due.date() == date(2026, 3, 4)


def test_tentative_ideas_are_action_items_that_are_not_definitive():
    insights = extract(
        ("Speaker 1", "Maybe we could add a nightly build."),
        ("Speaker 2", "It would be nice to rewrite the welcome email."),
        ("Speaker 1", "We might want to drop the pie chart."),
        ("Speaker 2", "I will fix the login bug."),
    )
    by_text = {item.text: item.definitive for item in insights.action_items}
    assert by_text == {
        "Maybe we could add a nightly build.": False,
        "It would be nice to rewrite the welcome email.": False,
        "We might want to drop the pie chart.": False,
        "I will fix the login bug.": True,
    }
    assert all(item.assignee is None for item in insights.action_items if not item.definitive)


@pytest.mark.parametrize(
    "said",
    [
        "I sent the test report to the design team yesterday.",
        "Last sprint we said we would clean up the old flags, and we never did.",
        "I wrote the press release last week and sent it to legal on Monday.",
        "I already updated the wiki.",
        "Yes, I will do that.",  # only acknowledges; the request it answers is the item
        "Bob, can you walk us through the timeline?",  # done in the meeting itself
    ],
)
def test_past_tense_acknowledgements_and_in_meeting_asks_are_not_action_items(said):
    assert extract(("Speaker 1", said)).action_items == ()


def test_a_reply_with_a_date_completes_the_request_it_answers():
    insights = extract(("Speaker 1", "Carol, please add a check for empty rotations. Can you do it by Thursday?"))
    [item] = insights.action_items
    assert item.assignee == Person(name="Carol")
    assert item.due is not None
    assert item.due.date() == date(2026, 3, 5)


def test_an_unnamed_request_goes_to_whoever_spoke_last():
    insights = extract(
        ("Speaker 1", "The export keeps failing for large reports."),
        ("Speaker 2", "Can you send me an example file?"),
    )
    [item] = insights.action_items
    assert item.assignee == Person(name="Speaker 1")


def test_two_people_in_one_sentence_make_two_items():
    insights = extract(
        ("Speaker 1", "Dave, do we have budget for new servers?"),
        ("Speaker 2", "Send me a short proposal and I'll review it."),
    )
    owners = {item.text: item.assignee.name for item in insights.action_items}
    assert owners == {"Send me a short proposal": "Speaker 1", "I'll review it.": "Dave"}
    assert insights.speaker_names == {"Speaker 2": "Dave"}


def test_follow_ups_are_later_meetings_check_ins_and_getting_back():
    insights = extract(
        ("Speaker 1", "Let's meet again on Thursday to pick a date."),
        ("Speaker 2", "I'll check with IT and get back to you by the end of the week."),
        ("Speaker 1", "Let's circle back next week."),
        ("Speaker 2", "I will review the design tomorrow."),  # work done alone: an action item
    )
    follow_ups = {item.text: (item.assignee, item.due.date() if item.due else None) for item in insights.follow_ups}
    assert follow_ups == {
        "Let's meet again on Thursday to pick a date.": (None, date(2026, 3, 5)),
        "I'll check with IT and get back to you by the end of the week.": (
            Person(name="Speaker 2"),
            date(2026, 3, 6),
        ),
        "Let's circle back next week.": (None, date(2026, 3, 13)),
    }
    assert [item.text for item in insights.action_items] == ["I will review the design tomorrow."]


@pytest.mark.parametrize(
    "sentence",
    [
        "Is the password reset flow blocked by anything",
        "Who is reviewing the analytics change",
        "Can you remove the old flags by March twentieth",
        "Do we need an accessibility review before the launch",
        "Hi Tom, how are you doing this week",
        "Also, have you thought about mentoring one of the new hires",
        "By how much",
        "What about the second candidate",
        "Does anyone know when the laptops arrive?",
    ],
)
def test_questions_are_found_without_a_question_mark(sentence):
    assert is_question(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "What didn't go well was the flaky test suite.",
        "Will do.",
        "Have a good new year.",
        "When the build is green, we ship it.",
        "I will review it tomorrow.",
    ],
)
def test_statements_that_start_like_questions_are_not_questions(sentence):
    assert not is_question(sentence)


def test_questions_keep_their_message_and_asker():
    insights = extract(("Speaker 1", "I'm Bob. What went well this sprint"), ("Speaker 2", "The release."))
    [question] = insights.questions
    assert question.text == "What went well this sprint"
    assert question.asked_by == Person(name="Bob")
    assert question.message_ids == ("m0",)


def test_topics_rank_phrases_spread_over_the_meeting_and_the_summary_keeps_their_sentences_in_order():
    insights = extract(
        ("Speaker 1", "The flaky tests broke the build three times this week."),
        ("Speaker 2", "We should quarantine the flaky tests and fix the payment service."),
        ("Speaker 1", "The payment service ran out of disk space on Saturday."),
        ("Speaker 2", "I will look at the flaky tests tomorrow."),
    )
    texts = [topic.text for topic in insights.topics]
    assert texts[0] == "flaky tests"
    assert "payment service" in texts
    assert all(0.0 < topic.score <= 1.0 for topic in insights.topics)
    assert insights.topics[0].score == 1.0
    assert set(insights.topics[0].message_ids) == {"m0", "m1", "m3"}
    summary_ids = [item.message_ids[0] for item in insights.summary]
    assert summary_ids == sorted(summary_ids)
    assert 0 < len(insights.summary) <= 4


def test_an_empty_transcript_gives_empty_insights_and_naive_dates_are_refused():
    assert extract_insights([], meeting_start=MEETING) == InsightSet()
    with pytest.raises(ValueError, match="timezone-aware"):
        extract_insights([], meeting_start=datetime(2026, 3, 2, 10, 0))  # naive on purpose


@pytest.mark.parametrize(
    ("said", "owner", "definitive"),
    [
        ("Let me check what the other vendors would charge.", "Speaker 2", True),
        ("Don't forget to ask Bob about the fall schedule.", "Speaker 1", True),
        ("No problem, I can have it to you by Thursday.", "Speaker 2", True),
        ("It might be worth writing a short welcome guide.", None, False),
        ("I was hoping Alice could mentor one of the new hires.", "Alice", False),
        ("Someone should fix the salary range.", None, False),
    ],
)
def test_common_ways_of_taking_or_suggesting_a_task(said, owner, definitive):
    insights = extract(("Speaker 1", "The renewal offer is twenty percent higher."), ("Speaker 2", said))
    [item] = insights.action_items
    assert (item.assignee.name if item.assignee else None) == owner
    assert item.definitive is definitive


def test_a_dated_reply_dates_the_request_it_answers_instead_of_repeating_it():
    insights = extract(
        ("Speaker 1", "Bob, could you set up the new laptops?"),
        ("Speaker 2", "Sure, I'm going to do that tomorrow morning."),
    )
    [item] = insights.action_items
    assert item.assignee == Person(name="Bob")
    assert item.due is not None
    assert item.due.date() == date(2026, 3, 3)


def test_an_answer_merged_into_the_askers_turn_is_credited_to_the_person_asked():
    # The diarizer sometimes glues a short answer onto the question's turn.
    insights = extract(
        ("Speaker 1", "I'd like to talk at the conference."),
        ("Speaker 2", "Please submit a proposal before May first. Okay, I will write the proposal this weekend."),
    )
    owners = {item.text: item.assignee.name for item in insights.action_items}
    assert owners == {
        "Please submit a proposal before May first.": "Speaker 1",
        "I will write the proposal this weekend.": "Speaker 1",
    }


def test_the_last_unnamed_voice_takes_the_last_name_greeted():
    insights = extract(
        ("Speaker 1", "Hi Alice, thanks for joining. This is Dave."),
        ("Speaker 2", "Hi Dave. Hi Tom. The export keeps failing."),
        ("Speaker 3", "Sorry about that. I'll roll out a fix by Thursday."),
    )
    assert insights.speaker_names == {"Speaker 1": "Dave", "Speaker 2": "Alice", "Speaker 3": "Tom"}
    [item] = insights.action_items
    assert item.assignee == Person(name="Tom")


def test_a_name_addressed_inside_whisper_comma_joined_sentences_names_who_answers():
    # Whisper often strings sentences together with commas; the request still goes to the name before it
    insights = extract(
        ("Speaker 1", "The new laptops came in this morning, Nina, could you image them before Thursday?"),
        ("Speaker 2", "Sure, I'll do it tomorrow."),
        ("Speaker 1", "Great, Omar, please file the tickets for the docks, so we don't lose track."),
        ("Speaker 3", "Will do."),
    )
    assert insights.speaker_names == {"Speaker 2": "Nina", "Speaker 3": "Omar"}


def test_a_name_thanked_before_an_unaddressed_question_does_not_name_who_answers():
    insights = extract(
        ("Speaker 1", "I sent the draft around yesterday."),
        ("Speaker 2", "Thanks, Nina, I saw the draft, so where are we on the budget?"),
        ("Speaker 3", "The budget is done."),
    )
    assert insights.speaker_names == {"Speaker 1": "Nina"}


def test_a_name_said_as_its_own_sentence_before_a_request_names_who_answers():
    insights = extract(
        ("Speaker 1", "We need the slides for the board."),
        ("Speaker 2", "I like that. Nina. Would you be able to draft them by Friday?"),
        ("Speaker 3", "Yes, I'll take care of it."),
    )
    assert insights.speaker_names == {"Speaker 3": "Nina"}


def test_the_last_unnamed_voice_takes_the_name_someone_claimed_but_lost():
    # Two voices claim a name (a mis-heard "And Priya" became "I'm Priya"); the other claim wins for that
    # voice, and the name that is left over goes to the one voice nobody named.
    insights = extract(
        ("Speaker 1", "Hi everyone, it's Dave. The new hires start on Monday."),
        ("Speaker 2", "Are their laptops ready?"),
        ("Speaker 1", "Yes. Bob, could you set them up?"),
        ("Speaker 3", "Sure."),
        ("Speaker 4", "Who will mentor them?"),
        ("Speaker 1", "Alice, would that work for you?"),
        ("Speaker 2", "Happy to."),
        ("Speaker 1", "Great. I'm Priya, send me the training list by Friday."),
        ("Speaker 4", "Will do."),
    )
    assert insights.speaker_names == {
        "Speaker 1": "Dave",
        "Speaker 2": "Alice",
        "Speaker 3": "Bob",
        "Speaker 4": "Priya",
    }


def test_a_misheard_name_written_as_the_word_name_is_nobodys_name():
    insights = extract(
        ("Speaker 1", "Hi all, this is Carol. Name, could you send the report by Friday?"),
        ("Speaker 2", "Sure, I will."),
    )
    assert "Name" not in insights.speaker_names.values()
    assert all(item.assignee != Person(name="Name") for item in insights.action_items)
