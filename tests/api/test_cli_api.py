"""``symbl-bot api`` refuses to start without clients, saying which variable to set."""

from __future__ import annotations

import io

from bot.cli import main


def test_api_without_clients_names_the_missing_setting() -> None:
    err = io.StringIO()
    assert main(["api"], environ={}, err=err) == 2
    assert "API_CLIENTS" in err.getvalue()


def test_api_with_a_malformed_client_pair_says_how_to_write_one() -> None:
    err = io.StringIO()
    assert main(["api"], environ={"API_CLIENTS": "id-without-secret"}, err=err) == 2
    assert "appId:appSecret" in err.getvalue()
