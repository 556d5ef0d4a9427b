"""GeminiAgent: Karla on Gemini 2.5 Flash (the proof of concept), streamed.

The only module that imports `google.genai`. It reads the same prompts, history and step
rules as the Anthropic agent, so switching providers is configuration only. The system
instruction is two parts, the static prompt first: Gemini's implicit caching keys on the
request prefix, so the byte-stable part must lead. Thinking is off (budget 0): on a phone
line the first word matters more than deliberation, and no thought signatures need echoing.
Automatic function calling is off too: the ToolDispatcher, not the SDK, runs the tools.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

from google import genai
from google.genai import types

from media_server.pipeline.agent import AgentEvent, TextDelta, ToolRequest, UsageReport
from shared.config import Settings
from shared.domain.session import CallSession, Usage
from shared.tools.dispatcher import ToolCall
from shared.tools.schemas import tool_definitions

from .history import Part, Text, ToolResult, ToolUse, Turn, to_turns
from .prompts import render_call_context, system_prompt
from .steps import before_reply, end_of_call
from .streaming import StreamTimer

MAX_OUTPUT_TOKENS = 300
TEMPERATURE = 0.2
LOCAL_ID_PREFIX = "gemini-local-"  # ids we made up for calls Gemini gave none; never sent back

# The subset of JSON Schema the Gemini API accepts for parameters. `format: date` (only
# enum / date-time are allowed for strings) and `additionalProperties` are refused by it.
_SCHEMA_KEYS = {
    "type": "type",
    "description": "description",
    "enum": "enum",
    "properties": "properties",
    "required": "required",
    "minLength": "min_length",
    "maxLength": "max_length",
    "minProperties": "min_properties",
}


class GeminiAgent:
    name = "gemini"

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
        self._client = genai.Client(
            api_key=api_key,
            vertexai=False,
            http_options=types.HttpOptions(
                base_url=base_url,
                timeout=round(timeout_seconds * 1000),  # milliseconds
                retry_options=types.HttpRetryOptions(attempts=1),  # the fallback is the retry
            ),
        )
        self._model = model
        self._max_context = max_context_messages
        self._timezone = timezone
        self._system = system_prompt(agent_name, company)
        self._tools = [types.Tool(function_declarations=function_declarations())]

    @classmethod
    def from_settings(cls, settings: Settings) -> GeminiAgent:
        return cls(
            api_key=settings.gemini_api_key.get_secret_value(),
            model=settings.gemini_model,
            base_url=settings.gemini_base_url,
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
        usage: Usage | None = None
        stream = await self._client.aio.models.generate_content_stream(
            model=self._model,
            contents=[
                _content(turn) for turn in to_turns(step.session.messages, self._max_context)
            ],
            config=self._config(step.session),
        )
        async for chunk in stream:
            for out in _events(chunk):
                timer.content()
                yield out
            if chunk.usage_metadata is not None:
                usage = _usage(chunk.usage_metadata)
        timer.done()
        if usage is not None:
            yield UsageReport(usage)
        ending = end_of_call(session)
        if ending is not None:
            yield ending

    def _config(self, session: CallSession) -> types.GenerateContentConfig:
        context = render_call_context(session, self._timezone)
        return types.GenerateContentConfig(
            system_instruction=types.Content(
                parts=[types.Part(text=self._system), types.Part(text=context)]
            ),
            tools=list(self._tools),
            tool_config=types.ToolConfig(
                function_calling_config=types.FunctionCallingConfig(
                    mode=types.FunctionCallingConfigMode.AUTO
                )
            ),
            automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
            thinking_config=types.ThinkingConfig(thinking_budget=0),
            max_output_tokens=MAX_OUTPUT_TOKENS,
            temperature=TEMPERATURE,
        )


def function_declarations() -> list[types.FunctionDeclaration]:
    """The shared tool schemas in Gemini's subset. An object with no properties is sent as no
    parameters at all: the API rejects an OBJECT whose `properties` is empty."""
    declarations = []
    for tool in tool_definitions():
        schema = tool["input_schema"]
        declarations.append(
            types.FunctionDeclaration(
                name=tool["name"],
                description=tool["description"],
                parameters=types.Schema(**_gemini_schema(schema))
                if schema.get("properties")
                else None,
            )
        )
    return declarations


def _gemini_schema(schema: dict[str, Any]) -> dict[str, Any]:
    converted: dict[str, Any] = {
        _SCHEMA_KEYS[key]: value for key, value in schema.items() if key in _SCHEMA_KEYS
    }
    if "type" in converted:
        converted["type"] = converted["type"].upper()
    if "properties" in converted:
        converted["properties"] = {
            name: types.Schema(**_gemini_schema(sub)) for name, sub in schema["properties"].items()
        }
    return converted


def _events(chunk: types.GenerateContentResponse) -> list[AgentEvent]:
    content = chunk.candidates[0].content if chunk.candidates else None
    events: list[AgentEvent] = []
    for part in (content.parts if content else None) or []:
        if part.thought:
            continue
        if part.text:
            events.append(TextDelta(part.text))
        call = part.function_call
        if call is not None and call.name:
            call_id = call.id or f"{LOCAL_ID_PREFIX}{uuid.uuid4().hex[:12]}"
            events.append(ToolRequest(ToolCall(call_id, call.name, dict(call.args or {}))))
    return events


def _usage(meta: types.GenerateContentResponseUsageMetadata) -> Usage:
    """Gemini's prompt count includes cached tokens; Usage counts them apart (priced apart)."""
    cached = meta.cached_content_token_count or 0
    return Usage(
        llm_input_tokens=max(0, (meta.prompt_token_count or 0) - cached),
        llm_output_tokens=(meta.candidates_token_count or 0) + (meta.thoughts_token_count or 0),
        llm_cache_read_tokens=cached,
    )


def _content(turn: Turn) -> types.Content:
    return types.Content(
        role="user" if turn.role == "user" else "model",
        parts=[_part(part) for part in turn.parts],
    )


def _part(part: Part) -> types.Part:
    if isinstance(part, Text):
        return types.Part(text=part.text)
    if isinstance(part, ToolUse):
        return types.Part(
            function_call=types.FunctionCall(
                id=_sent_id(part.id), name=part.name, args=dict(part.input)
            )
        )
    assert isinstance(part, ToolResult)
    return types.Part(
        function_response=types.FunctionResponse(
            id=_sent_id(part.tool_use_id), name=part.name, response=dict(part.result)
        )
    )


def _sent_id(call_id: str) -> str | None:
    return None if not call_id or call_id.startswith(LOCAL_ID_PREFIX) else call_id
