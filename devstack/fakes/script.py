"""What a fake LLM server answers next: a queue of scripted replies, shared by every fake.

A test (or the media-plane benchmark) enqueues replies in the order the agent will ask:
"say this", "call this tool with these arguments", "fail with 529", "hang for 30 s first".
When the queue is empty the fake answers with its default reply, so a long benchmark run
needs no script at all. Latency is a property of the fake, applied to every reply, so the
same script can be played fast in tests and at provider-like speed in a benchmark.
"""

from __future__ import annotations

import asyncio
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ToolUse:
    name: str
    arguments: dict[str, Any]
    id: str | None = None  # None: the fake makes one up (Gemini: sends none)


@dataclass(frozen=True)
class Reply:
    """One scripted model answer."""

    text: str = ""
    tool: ToolUse | None = None
    status: int = 200  # any other status: an error response instead of a stream
    hang_seconds: float = 0.0  # extra wait before the first event
    break_after_text: bool = False  # the stream fails once the text is sent


def reply(text: str) -> Reply:
    return Reply(text=text)


def call_tool(
    name: str, arguments: dict[str, Any] | None = None, *, say: str = "", id: str | None = None
) -> Reply:
    return Reply(text=say, tool=ToolUse(name, dict(arguments or {}), id))


def fail(status: int = 529) -> Reply:
    return Reply(status=status)


def hang(seconds: float, then: str = "Perdón, se me fue la señal.") -> Reply:
    return Reply(text=then, hang_seconds=seconds)


def break_midway(text: str) -> Reply:
    """Stream `text`, then fail the stream (an error event, or a dropped connection)."""
    return Reply(text=text, break_after_text=True)


@dataclass
class Latency:
    first_event_seconds: float = 0.0
    between_chunks_seconds: float = 0.0


@dataclass
class Recorded:
    """One request the fake received, and the usage it reported for it (None if it failed)."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    usage: dict[str, int] | None = None


@dataclass
class Script:
    default: Reply = field(default_factory=lambda: reply("Perdón, ¿me lo repite?"))
    latency: Latency = field(default_factory=Latency)
    requests: list[Recorded] = field(default_factory=list)
    _queue: deque[Reply] = field(default_factory=deque)

    def enqueue(self, *replies: Reply) -> None:
        self._queue.extend(replies)

    def next(self) -> Reply:
        return self._queue.popleft() if self._queue else self.default

    @property
    def pending(self) -> int:
        return len(self._queue)

    async def first_event_wait(self, scripted: Reply) -> None:
        await asyncio.sleep(self.latency.first_event_seconds + scripted.hang_seconds)

    async def between_chunks(self) -> None:
        await asyncio.sleep(self.latency.between_chunks_seconds)


def text_chunks(text: str, words: int = 3) -> list[str]:
    """`text` in pieces of a few words (spacing kept), the way models stream it."""
    tokens = re.findall(r"\s*\S+\s*", text)
    return ["".join(tokens[i : i + words]) for i in range(0, len(tokens), words)] or [text]


def json_chunks(raw: str, size: int = 7) -> Iterator[str]:
    """Partial JSON as Anthropic streams it: an empty first piece, then small slices."""
    yield ""
    for start in range(0, len(raw), size):
        yield raw[start : start + size]


def estimate_tokens(value: object) -> int:
    """About four characters a token: enough for usage accounting to be non-trivial."""
    return max(1, len(str(value)) // 4)
