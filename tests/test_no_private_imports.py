"""The shipped code imports no third party's private names (``_x``): they change without notice between releases.

granian's signal handling was once patched through its private methods, which pinned granian to one minor version
(issue #11). The project's own modules may share ``_names`` among themselves; the standard library's are not
checked here either.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ("bot", "handlers")


def private_third_party_imports(source: str) -> list[str]:
    """Each ``import`` of ``source`` that reaches a third party's name starting with ``_``, as written."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [(node.module, [alias.name for alias in node.names])]
        else:
            continue  # a relative import is the project's own
        for module, names in modules:
            top = module.split(".")[0]
            if top in SHIPPED or top in sys.stdlib_module_names or top == "__future__":
                continue
            parts = module.split(".") + names
            if any(part.startswith("_") for part in parts):
                found.append(f"{module}: {', '.join(names) or module}")
    return found


def test_the_check_sees_a_private_import():
    assert private_third_party_imports("from granian._signals import set_main_signals")
    assert private_third_party_imports("from granian.server import _internal_helper")
    assert private_third_party_imports("import slack_sdk._private")
    assert not private_third_party_imports("from granian import Granian\nimport os\nfrom bot.render.people import _X")


def test_no_shipped_module_imports_a_private_third_party_name():
    offenders = {
        str(path.relative_to(ROOT)): found
        for package in SHIPPED
        for path in sorted((ROOT / package).rglob("*.py"))
        if (found := private_third_party_imports(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}
