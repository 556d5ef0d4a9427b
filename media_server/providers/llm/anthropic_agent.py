"""AnthropicAgent: Karla on Claude Haiku 4.5 through the Messages API, streamed.

The only module that imports the `anthropic` SDK. Each turn is one streamed request:
the cached prefix (the four tools, then the static system prompt, both marked
`cache_control`), the per-call context as a second, uncached system block, and the bounded
conversation. Text deltas are passed on as they arrive, so the pipeline can speak the first
sentence before the reply is complete; a tool_use block becomes one ToolRequest when it
closes, with its streamed partial JSON parsed whole. SDK retries are off: a failed turn is
answered at once by the fallback agent instead of after seconds of backoff.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import anthropic

from media_server.pipeline.agent import AgentEvent, TextDelta, ToolRequest, UsageReport
from shared.config import Settings
from shared.domain.session import CallSession, Usage
from shared.tools.dispatcher import ToolCall
from shared.tools.schemas import tool_definitions

from .history import Part, Text, ToolResult, ToolUse, Turn, to_turns
from .prompts import render_call_context, system_prompt
from .steps import before_reply, end_of_call
from .streaming import StreamTimer

MAX_TOKENS = 300  # two spoken sentences and a tool call fit with room to spare
_CACHED = {"type": "ephemeral"}


class AnthropicAgent:
    name = "anthropic"

    def __init__(
        self,
        *,
        api_key: str,
        model: str,
        base_url: str | None = None,
        timeout_seconds: float = 10.0,
        max_context_messages: int = 40,
        timezone: str = "America/Mexico_City",
        agent_name: str = "Karla",
        company: str = "Transportes del Norte",
    ) -> None:
        self._client = anthropic.AsyncAnthropic(
            api_key=api_key, base_url=base_url, timeout=timeout_seconds, max_retries=0
        )
        self._model = model
        self._max_context = max_context_messages
        self._timezone = timezone
        self._system: dict[str, Any] = {
            "type": "text",
            "text": system_prompt(agent_name, company),
            "cache_control": _CACHED,
        }
        *tools, last = tool_definitions()
        self._tools = [*tools, {**last, "cache_control": _CACHED}]

    @classmethod
    def from_settings(cls, settings: Settings) -> AnthropicAgent:
        return cls(
            api_key=settings.anthropic_api_key.get_secret_value(),
            model=settings.anthropic_model,
            base_url=settings.anthropic_base_url,
            timeout_seconds=settings.llm_timeout_seconds,
            max_context_messages=settings.llm_max_context_messages,
            timezone=settings.timezone,
            agent_name=settings.agent_name,
            company=settings.company_name,
        )

    async def respond(self, session: CallSession) -> AsyncIterator[AgentEvent]:
        step = before_reply(session)
        for hint in step.hints:
            yield hint
        timer = StreamTimer(self.name)
        reader = _StreamReader()
        stream = await self._client.messages.create(**self._request(step.session), stream=True)
        async with stream:
            async for event in stream:
                for out in reader.read(event):
                    if isinstance(out, (TextDelta, ToolRequest)):
                        timer.content()
                    yield out
        timer.done()
        ending = end_of_call(session)
        if ending is not None:
            yield ending

    def _request(self, session: CallSession) -> dict[str, Any]:
        context = {"type": "text", "text": render_call_context(session, self._timezone)}
        return {
            "model": self._model,
            "max_tokens": MAX_TOKENS,
            "system": [self._system, context],
            "tools": self._tools,
            # One tool per reply: Karla makes at most one write per call.
            "tool_choice": {"type": "auto", "disable_parallel_tool_use": True},
            "messages": [_message(turn) for turn in to_turns(session.messages, self._max_context)],
        }


class _StreamReader:
    """Turns raw stream events into agent events, accumulating tool input per block index."""

    def __init__(self) -> None:
        self._tools: dict[int, tuple[str, str, list[str]]] = {}
        self._usage = Usage()

    def read(self, event: Any) -> list[AgentEvent]:
        kind = event.type
        if kind == "message_start":
            self._take_usage(event.message.usage)
        elif kind == "content_block_start" and event.content_block.type == "tool_use":
            block = event.content_block
            self._tools[event.index] = (block.id, block.name, [])
        elif kind == "content_block_delta":
            delta = event.delta
            if delta.type == "text_delta" and delta.text:
                return [TextDelta(delta.text)]
            if delta.type == "input_json_delta" and event.index in self._tools:
                self._tools[event.index][2].append(delta.partial_json)
        elif kind == "content_block_stop" and event.index in self._tools:
            tool_id, name, chunks = self._tools.pop(event.index)
            return [ToolRequest(ToolCall(tool_id, name, _arguments("".join(chunks))))]
        elif kind == "message_delta":
            self._take_usage(event.usage)
            return [UsageReport(self._usage)]
        return []

    def _take_usage(self, usage: Any) -> None:
        """message_start carries the input counts; message_delta the cumulative output (and
        sometimes the input counts again), so later non-null values replace earlier ones."""
        fields = {
            "llm_input_tokens": usage.input_tokens,
            "llm_output_tokens": usage.output_tokens,
            "llm_cache_read_tokens": usage.cache_read_input_tokens,
            "llm_cache_write_tokens": usage.cache_creation_input_tokens,
        }
        updates = {name: value for name, value in fields.items() if value is not None}
        self._usage = self._usage.model_copy(update=updates)


def _arguments(raw: str) -> dict[str, Any]:
    """The tool input; the first partial chunk may be empty, and no input at all means {}."""
    value = json.loads(raw) if raw.strip() else {}
    if not isinstance(value, dict):
        raise ValueError(f"tool input is not a JSON object: {raw[:80]!r}")
    return value


def _message(turn: Turn) -> dict[str, Any]:
    return {"role": turn.role, "content": [_block(part) for part in turn.parts]}


def _block(part: Part) -> dict[str, Any]:
    if isinstance(part, Text):
        return {"type": "text", "text": part.text}
    if isinstance(part, ToolUse):
        return {"type": "tool_use", "id": part.id, "name": part.name, "input": part.input}
    assert isinstance(part, ToolResult)
    return {
        "type": "tool_result",
        "tool_use_id": part.tool_use_id,
        "content": part.content,
        "is_error": part.is_error,
    }
