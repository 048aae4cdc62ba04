"""Block Kit validation for the fake Slack, as strict as Slack's own ``invalid_blocks`` check.

slack_sdk's models carry Slack's documented limits (3000-char section text, 150-char header, 10 fields, …) and
check them in ``to_dict()``. They are more forgiving than Slack in a few places (a bare string as a section's
``text``, a mrkdwn header, unknown properties), so those are checked here as well.
"""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import Block

MAX_BLOCKS_PER_MESSAGE = 50
MAX_BLOCK_ID_LENGTH = 255
TEXT_OBJECT_TYPES = {"plain_text", "mrkdwn"}


def decode_blocks(raw: Any) -> tuple[list[Any] | None, list[str]]:
    """The ``blocks`` argument as a list, accepting a JSON string (form bodies) or a list (JSON bodies).

    Returns (blocks, problems); blocks is None when the argument was absent.
    """
    if raw is None:
        return None, []
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            return [], [f"[ERROR] blocks is not valid JSON: {exc.msg}"]
    if not isinstance(raw, list):
        return [], ["[ERROR] blocks must be an array"]
    return raw, []


def validate_blocks(blocks: list[Any], *, max_blocks: int = MAX_BLOCKS_PER_MESSAGE) -> list[str]:
    """Readable problems with a message's blocks (empty when Slack would accept them)."""
    problems: list[str] = []
    if len(blocks) > max_blocks:
        problems.append(f"[ERROR] no more than {max_blocks} items allowed [json-pointer:/blocks]")
    seen_ids: set[str] = set()
    for index, block in enumerate(blocks):
        where = f"[json-pointer:/blocks/{index}]"
        problems.extend(f"[ERROR] {problem} {where}" for problem in _block_problems(block, seen_ids))
    return problems


def _block_problems(block: Any, seen_ids: set[str]) -> list[str]:
    if not isinstance(block, dict):
        return ["block must be an object"]
    problems: list[str] = []
    block_id = block.get("block_id")
    if block_id is not None:
        if not isinstance(block_id, str) or not block_id or len(block_id) > MAX_BLOCK_ID_LENGTH:
            problems.append(f"block_id must be a string of 1 to {MAX_BLOCK_ID_LENGTH} characters")
        elif block_id in seen_ids:
            problems.append(f"duplicate block_id {block_id!r}")
        else:
            seen_ids.add(block_id)
    try:
        parsed = Block.parse(block)
        if parsed is None:
            return [*problems, f"unknown block type {block.get('type')!r}"]
        unknown = set(block) - set(parsed.attributes)
        if unknown:
            problems.append(f"unsupported properties {sorted(unknown)}")
        parsed.to_dict()  # runs slack_sdk's validators (Slack's documented length and count limits)
    except Exception as exc:  # any model error means Slack would refuse the block
        problems.append(f"{type(exc).__name__}: {exc}")
    problems.extend(_text_object_problems(block))
    return problems


def _text_object_problems(block: dict) -> list[str]:
    kind = block.get("type")
    problems: list[str] = []
    if kind == "section":
        if "text" in block:
            problems.extend(_check_text_object(block["text"], "text"))
        for i, item in enumerate(block.get("fields") or []):
            problems.extend(_check_text_object(item, f"fields/{i}"))
    elif kind == "header":
        problems.extend(_check_text_object(block.get("text"), "text", plain_only=True))
    elif kind == "context":
        for i, element in enumerate(block.get("elements") or []):
            if isinstance(element, dict) and element.get("type") != "image":
                problems.extend(_check_text_object(element, f"elements/{i}"))
    return problems


def _check_text_object(obj: Any, where: str, *, plain_only: bool = False) -> list[str]:
    if not isinstance(obj, dict):
        return [f"{where} must be a text object, not {type(obj).__name__}"]
    allowed = {"plain_text"} if plain_only else TEXT_OBJECT_TYPES
    if obj.get("type") not in allowed:
        return [f"{where}.type must be one of {sorted(allowed)}"]
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        return [f"{where}.text must be a non-empty string"]
    return []
