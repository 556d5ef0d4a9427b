"""A local Anthropic Messages API that the real `anthropic` SDK talks to unmodified.

`POST /v1/messages` with `stream: true` answers with the documented SSE sequence
(message_start, content_block_start / delta / stop for text and for tool_use with its input
split over several input_json_delta chunks, ping, message_delta with usage, message_stop).
Errors are the documented JSON body with the status the script asks for (529 overloaded,
500, 401...). Prompt caching is simulated on the prefix up to the last `cache_control`
breakpoint (tools -> system -> messages): written the first time it is seen, read after.
Every request is recorded with the usage reported for it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from shared.serving import serving

from .script import Recorded, Reply, Script, estimate_tokens, json_chunks, text_chunks

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


class AnthropicFake:
    def __init__(
        self,
        script: Script | None = None,
        *,
        api_key: str | None = None,
        min_cacheable_tokens: int = 4096,  # Claude Haiku 4.5's minimum cacheable prefix
    ) -> None:
        self.script = script or Script()
        self.api_key = api_key
        self.min_cacheable_tokens = min_cacheable_tokens
        self._cached: set[str] = set()
        self.app = Starlette(routes=[Route("/v1/messages", self._messages, methods=["POST"])])

    @property
    def requests(self) -> list[Recorded]:
        return self.script.requests

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[str]:
        """Serve on a free local port; yields the base URL to give the SDK (no /v1)."""
        async with serving(self.app) as url:
            yield url

    async def _messages(self, request: Request) -> Response:
        body = await request.json()
        recorded = Recorded(request.url.path, dict(request.headers), body)
        self.requests.append(recorded)
        if self.api_key is not None and self.api_key not in _credentials(request):
            return _error(401, "invalid x-api-key")
        scripted = self.script.next()
        if scripted.status != 200:
            return _error(scripted.status, "scripted failure")
        if not body.get("stream"):
            return _error(400, "this fake answers streamed requests only")
        recorded.usage = self._usage(body, scripted)
        return StreamingResponse(
            self._events(body, scripted, recorded.usage),
            media_type="text/event-stream",
            headers={"request-id": f"req_{uuid.uuid4().hex[:20]}"},
        )

    async def _events(
        self, body: dict[str, Any], scripted: Reply, usage: dict[str, int]
    ) -> AsyncIterator[str]:
        await self.script.first_event_wait(scripted)
        start_usage = {**usage, "output_tokens": 1}
        message = {
            "id": f"msg_{uuid.uuid4().hex[:20]}",
            "type": "message",
            "role": "assistant",
            "model": body.get("model", ""),
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": start_usage,
        }
        yield _sse("message_start", {"message": message})
        index = 0
        if scripted.text:
            text_block = {"type": "text", "text": ""}
            yield _sse("content_block_start", {"index": index, "content_block": text_block})
            yield _sse("ping", {})
            for chunk in text_chunks(scripted.text):
                await self.script.between_chunks()
                delta = {"type": "text_delta", "text": chunk}
                yield _sse("content_block_delta", {"index": index, "delta": delta})
            if scripted.break_after_text:
                error = {"type": "overloaded_error", "message": "Overloaded"}
                yield _sse("error", {"error": error})
                return
            yield _sse("content_block_stop", {"index": index})
            index += 1
        if scripted.tool is not None:
            tool = scripted.tool
            block: dict[str, Any] = {
                "type": "tool_use",
                "id": tool.id or f"toolu_{uuid.uuid4().hex[:22]}",
                "name": tool.name,
                "input": {},
            }
            yield _sse("content_block_start", {"index": index, "content_block": block})
            for piece in json_chunks(json.dumps(tool.arguments, ensure_ascii=False)):
                await self.script.between_chunks()
                delta = {"type": "input_json_delta", "partial_json": piece}
                yield _sse("content_block_delta", {"index": index, "delta": delta})
            yield _sse("content_block_stop", {"index": index})
        stop = "tool_use" if scripted.tool is not None else "end_turn"
        yield _sse(
            "message_delta",
            {
                "delta": {"stop_reason": stop, "stop_sequence": None},
                "usage": {"output_tokens": usage["output_tokens"]},
            },
        )
        yield _sse("message_stop", {})

    def _usage(self, body: dict[str, Any], scripted: Reply) -> dict[str, int]:
        total = estimate_tokens(
            json.dumps([body.get("tools"), body.get("system"), body["messages"]])
        )
        prefix = _cached_prefix(body)
        cached = estimate_tokens(prefix) if prefix else 0
        read = write = 0
        if prefix and cached >= self.min_cacheable_tokens:
            key = hashlib.sha256(prefix.encode()).hexdigest()
            read, write = (cached, 0) if key in self._cached else (0, cached)
            self._cached.add(key)
        tool = scripted.tool
        output = scripted.text + (json.dumps(tool.arguments) if tool else "")
        return {
            "input_tokens": max(1, total - read - write),
            "output_tokens": estimate_tokens(output),
            "cache_creation_input_tokens": write,
            "cache_read_input_tokens": read,
        }


def _cached_prefix(body: dict[str, Any]) -> str:
    """The JSON of everything up to the last cache_control breakpoint, or '' if none."""
    system = body.get("system") or []
    if isinstance(system, str):
        system = [{"type": "text", "text": system}]
    blocks: list[Any] = [*(body.get("tools") or []), *system]
    for message in body.get("messages", []):
        content = message.get("content")
        blocks.extend(content if isinstance(content, list) else [content])
    marked = [
        i for i, block in enumerate(blocks) if isinstance(block, dict) and "cache_control" in block
    ]
    return json.dumps(blocks[: marked[-1] + 1], sort_keys=True) if marked else ""


def _credentials(request: Request) -> set[str]:
    """The key as either header carries it (this SDK sends `Authorization: Bearer`)."""
    bearer = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    return {request.headers.get("x-api-key", ""), bearer} - {""}


def _sse(event: str, data: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps({'type': event, **data}, ensure_ascii=False)}\n\n"


def _error(status: int, message: str) -> JSONResponse:
    kind = ERROR_TYPES.get(status, "api_error")
    return JSONResponse(
        {
            "type": "error",
            "error": {"type": kind, "message": message},
            "request_id": f"req_{uuid.uuid4().hex[:20]}",
        },
        status_code=status,
        headers={"x-should-retry": "false"},
    )
