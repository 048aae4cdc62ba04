"""End-to-end: ``/symbl voice on|off`` over HTTP against the real app, on both databases; the test reads the
database itself to prove that ``off`` leaves no row of that person's voice (and touches nobody else's)."""

from __future__ import annotations

import sqlalchemy as sa

from tests.e2e.harness import CHANNEL, TEAM_ID, USER, command_answer

OTHER = "U0OTHER"


def _sql(stack, statement: str, **params) -> list[tuple]:
    engine = sa.create_engine(stack.app.env["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.begin() as conn:
            result = conn.execute(sa.text(statement), params)
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        engine.dispose()


def _voice_rows(stack, user: str) -> int:
    prints = _sql(stack, "SELECT count(*) FROM voice_prints WHERE user_id = :u", u=user)[0][0]
    consents = _sql(stack, "SELECT count(*) FROM voice_consents WHERE user_id = :u", u=user)[0][0]
    return prints + consents


def _print_for(stack, user: str, conversation: str) -> None:
    """A remembered print, as naming the person as a speaker leaves it (192 float32 numbers)."""
    _sql(
        stack,
        "INSERT INTO voice_prints (team_id, user_id, conversation_id, speaker_id, vector, created_at) "
        "VALUES (:t, :u, :c, 'Speaker 1', :v, CURRENT_TIMESTAMP)",
        t=TEAM_ID,
        u=user,
        c=conversation,
        v=b"\x00\x00\x80\x3f" * 192,
    )


def _say(stack, text: str, user: str = USER) -> str:
    ack, _ = command_answer(stack.app, stack.slack, text, user=user, channel=CHANNEL)
    assert ack["response_type"] == "ephemeral"
    return ack["text"]


def test_voice_on_then_off_leaves_no_row_of_that_voice(stack):
    assert "Nothing of your voice is stored" in _say(stack, "voice")
    assert _voice_rows(stack, USER) == 0  # asking stores nothing

    assert "will be remembered" in _say(stack, "voice on")
    assert "will be remembered" in _say(stack, "voice on", user=OTHER)
    _print_for(stack, USER, "conv1")
    _print_for(stack, USER, "conv2")
    _print_for(stack, OTHER, "conv3")
    shown = _say(stack, "voice")
    assert "remembered here since" in shown and "2 voice prints" in shown

    assert "deleted" in _say(stack, "voice off")
    assert _voice_rows(stack, USER) == 0
    assert _voice_rows(stack, OTHER) == 2  # another person's consent and print stay
    assert "Nothing of your voice is stored" in _say(stack, "voice")
