"""The two seams stay shut (issue #11): Slack's and requests' errors only at their boundary, engines only by protocol.

- slack_sdk's errors and requests are imported only by ``bot/slack_io.py`` (Slack's boundary, which raises
  ``SlackError``), ``bot/net/`` (links, which raise ``DownloadError``) and ``bot/engines/`` (the Symbl client,
  which raises ``EngineError``); everywhere else sees the project's own errors, so ``bot.retry`` alone decides.
- Nothing outside ``bot/engines/`` asks which engine it has (``engine.name == "local"``) or probes it for a
  method (``getattr(engine, …)``): what an engine can do is the ``Engine`` protocol.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ("bot", "handlers")  # the installed packages (tests and benches may use anything)
SLACK_BOUNDARY = ("bot/slack_io.py", "bot/net/", "bot/engines/")
ENGINES = ("bot/engines/",)
FORBIDDEN_MODULES = ("slack_sdk.errors", "requests")


def _sources() -> list[tuple[str, str]]:
    files = [path for package in SHIPPED for path in sorted((ROOT / package).rglob("*.py"))]
    return [(path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8")) for path in files]


def _imports(source: str) -> set[str]:
    """Every module a file imports, and ``module.name`` for each name taken from one."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _forbidden_imports(source: str) -> list[str]:
    return sorted(
        name
        for name in _imports(source)
        if any(name == module or name.startswith(f"{module}.") for module in FORBIDDEN_MODULES)
        or name.endswith(".SlackApiError")
    )


def test_the_scan_finds_what_it_must_refuse():
    assert _forbidden_imports("import requests\nfrom slack_sdk.errors import SlackApiError\n") == [
        "requests",
        "slack_sdk.errors",
        "slack_sdk.errors.SlackApiError",
    ]
    assert _forbidden_imports("from requests.adapters import HTTPAdapter\n") == [
        "requests.adapters",
        "requests.adapters.HTTPAdapter",
    ]
    assert _forbidden_imports("from bot.errors import SlackError\nimport slack_bolt\n") == []
    assert ENGINE_PROBES.search('if self.engine.name == "local":')
    assert ENGINE_PROBES.search('estimate = getattr(self.engine, "seconds_left", None)')
    assert ENGINE_PROBES.search("getattr(engine, 'close')")
    assert not ENGINE_PROBES.search("engine=self.engine.name,")


def test_slack_and_requests_errors_stay_behind_their_boundary():
    leaks = {
        path: names
        for path, source in _sources()
        if not path.startswith(SLACK_BOUNDARY) and (names := _forbidden_imports(source))
    }
    assert leaks == {}, "raise or catch SlackError (bot.errors) instead, and let bot.retry decide"


# Asking an engine which one it is, or whether it has a method: `engine.name ==` / `!=` and `getattr(… engine …`.
ENGINE_PROBES = re.compile(r"engine\.name\s*[=!]=|getattr\(\s*[\w.]*engine\b")


def test_nothing_outside_the_engines_asks_which_engine_it_has():
    probes = {
        path: lines
        for path, source in _sources()
        if not path.startswith(ENGINES)
        and (lines := [line.strip() for line in source.splitlines() if ENGINE_PROBES.search(line)])
    }
    assert probes == {}, "add what the caller needs to the Engine protocol (bot/engines/base.py) instead"
