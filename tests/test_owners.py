"""Placing a meeting's people among the channel's Slack users: only a name that fits exactly one member counts."""

from __future__ import annotations

from bot.models import Person
from bot.owners import OwnerResolver, match_member, owners_mapping
from bot.slack_io import Member

MEMBERS = [
    Member("UBOB", ("Bob Stone", "bob")),
    Member("UALICE", ("Alice Martin", "alice.m")),
    Member("UALEX1", ("Alex Kim", "alex")),
    Member("UALEX2", ("Alex Roy", "aroy")),
]


def test_a_full_name_or_handle_matches_its_member():
    assert match_member("Bob Stone", MEMBERS) == "UBOB"
    assert match_member("alice m", MEMBERS) == "UALICE"  # the handle alice.m, read as words
    assert match_member("  BOB  ", MEMBERS) == "UBOB"


def test_a_first_name_matches_only_when_one_member_has_it():
    assert match_member("Alice", MEMBERS) == "UALICE"
    assert match_member("Alex", MEMBERS) == "UALEX1"  # handle "alex" is an exact match for one member
    assert match_member("Roy", MEMBERS) is None  # a last name alone is not enough
    assert match_member("Carol", MEMBERS) is None
    assert match_member("", MEMBERS) is None


def test_two_members_with_the_same_first_name_and_no_exact_match_stay_unresolved():
    members = [Member("U1", ("Sam Lee",)), Member("U2", ("Sam Park",))]
    assert match_member("Sam", members) is None
    assert match_member("Sam Park", members) == "U2"


def test_the_renderers_mapping_answers_by_email_and_by_name():
    people = [Person(name="Bob", email="Bob@Example.com"), Person(name="Ann")]
    mapping = owners_mapping(people, {"bob@example.com": "UBOB", "ann": "UANN"})
    assert mapping["bob@example.com"] == "UBOB" and mapping["Bob"] == "UBOB"
    assert mapping["Ann"] == "UANN" and mapping["ann"] == "UANN"


class MembersSlack:
    """Just enough of SlackIO for listing a channel's members; ``members`` None means Slack refuses."""

    def __init__(self, members: list[Member] | None):
        self.members, self.calls = members, 0

    def channel_members(self, channel_id: str) -> list[Member]:
        self.calls += 1
        if self.members is None:
            raise RuntimeError("not_in_channel")
        return self.members


def test_the_channels_member_names_are_their_first_listed_names():
    resolver = OwnerResolver(MembersSlack([*MEMBERS, Member("UANON", ())]))
    assert resolver.member_names("C1") == ("Bob Stone", "Alice Martin", "Alex Kim", "Alex Roy")


def test_a_channel_that_cannot_be_listed_has_no_member_names_and_is_not_asked_again_at_once():
    slack = MembersSlack(None)
    resolver = OwnerResolver(slack)
    assert resolver.member_names("C1") == ()
    assert resolver.member_names("C1") == ()
    assert slack.calls == 1
