"""The call session's messages as provider-neutral chat turns.

Both LLM agents read the conversation through this one conversion, so the rules live in one
place: Karla speaks as the assistant, the driver as the user; silence and barge-in are
written as markers the system prompt explains; every tool call becomes the assistant's
tool use followed at once by the user's tool result (the shape both APIs require). Turns of
the same role are merged, because Anthropic requires strict alternation.

Context is bounded by a number of session messages. A tool message is one unit (its use and
its result travel together), so the bound never splits a pair, and the kept window starts at
a driver line so the model never sees an answer without its question.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from shared.domain.session import Message, Role

CALL_START = "[llamada conectada]"  # opens a call in which the driver has not spoken yet
SILENCE = "[silencio]"
INTERRUPTED = "[interrumpida]"


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class ToolUse:
    id: str
    name: str
    input: dict[str, Any]


@dataclass(frozen=True)
class ToolResult:
    tool_use_id: str
    name: str  # Gemini matches results to calls by name
    result: dict[str, Any]
    is_error: bool

    @property
    def content(self) -> str:
        """The result as JSON text, as Anthropic's tool_result carries it."""
        return json.dumps(self.result, ensure_ascii=False, sort_keys=True)


Part = Text | ToolUse | ToolResult
Speaker = Literal["user", "assistant"]


@dataclass(frozen=True)
class Turn:
    role: Speaker
    parts: tuple[Part, ...]


def to_turns(messages: Sequence[Message], max_messages: int) -> list[Turn]:
    """Alternating turns, starting with the user, from at most `max_messages` recent messages."""
    window = _window(messages, max_messages)
    raw: list[Turn] = []
    if not window or window[0].role is not Role.DRIVER:
        raw.append(Turn("user", (Text(CALL_START),)))
    for message in window:
        raw.extend(_turns_of(message))
    return _merge(raw)


def _window(messages: Sequence[Message], limit: int) -> Sequence[Message]:
    start = max(0, len(messages) - limit)
    if start == 0:
        return messages
    for index in range(start, len(messages)):
        if messages[index].role is Role.DRIVER:
            return messages[index:]
    return messages[start:]  # no driver line within reach: the call-start marker opens it


def _turns_of(message: Message) -> list[Turn]:
    if message.role is Role.DRIVER:
        return [Turn("user", (Text(message.text or SILENCE),))]
    if message.role is Role.KARLA:
        text = f"{message.text} {INTERRUPTED}".strip() if message.interrupted else message.text
        return [Turn("assistant", (Text(text),))] if text else []
    call_id = message.tool_call_id or ""
    name = message.tool_name or ""
    result = message.tool_result or {}
    return [
        Turn("assistant", (ToolUse(call_id, name, dict(message.tool_args or {})),)),
        Turn("user", (ToolResult(call_id, name, result, is_error=not result.get("ok")),)),
    ]


def _merge(turns: list[Turn]) -> list[Turn]:
    merged: list[Turn] = []
    for turn in turns:
        if merged and merged[-1].role == turn.role:
            merged[-1] = Turn(turn.role, merged[-1].parts + turn.parts)
        else:
            merged.append(turn)
    return merged
