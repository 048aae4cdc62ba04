"""``build_engine`` picks the Symbl engine from settings and names every missing credential."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.engines import build_engine
from bot.engines.symbl import SymblEngine
from bot.errors import ConfigError


def test_symbl_needs_both_credentials_and_says_so_one_line_each():
    with pytest.raises(ConfigError) as caught:
        build_engine(Settings(engine="symbl"))
    lines = str(caught.value).splitlines()
    assert [line.split(":")[0] for line in lines] == ["Set SYMBL_APP_ID", "Set SYMBL_APP_SECRET"]


def test_symbl_engine_uses_the_configured_api_url():
    engine = build_engine(
        Settings(engine="symbl", symbl_app_id="id", symbl_app_secret="secret", symbl_api_url="http://127.0.0.1:9/")
    )
    assert isinstance(engine, SymblEngine)
    assert engine.name == "symbl"
    assert engine.http.base_url == "http://127.0.0.1:9"


def test_an_unknown_engine_is_a_config_error():
    with pytest.raises(ConfigError, match="ENGINE"):
        build_engine(Settings(engine="cloud"))
