"""A local Gemini API (generateContent, streamed) that the real `google-genai` SDK talks to.

`POST /v1beta/models/{model}:streamGenerateContent?alt=sse` (also under /v1/, which
google-genai 3.x uses by default) answers with SSE `data:` chunks,
each a GenerateContentResponse: text parts a few words at a time, a functionCall part for a
scripted tool call, and the last chunk with finishReason and usageMetadata. Errors are the
documented `{"error": {"code", "message", "status"}}` body. A broken stream is a dropped
connection, the way a Gemini stream dies mid-way. Every request is recorded.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from shared.serving import serving

from .script import Recorded, Reply, Script, estimate_tokens, text_chunks

API_VERSIONS = ("v1beta", "v1")  # the documented one, and the default of google-genai 3.x
ERROR_STATUSES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


class StreamBroken(ConnectionError):
    """Raised inside a response stream to drop the connection mid-reply."""


class GeminiFake:
    def __init__(self, script: Script | None = None, *, api_key: str | None = None) -> None:
        self.script = script or Script()
        self.api_key = api_key
        self.app = Starlette(
            routes=[Route("/{version}/models/{target}", self._models, methods=["POST"])]
        )

    @property
    def requests(self) -> list[Recorded]:
        return self.script.requests

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[str]:
        """Serve on a free local port; yields the base URL (the SDK adds the version)."""
        async with serving(self.app) as url:
            yield url

    async def _models(self, request: Request) -> Response:
        model, _, method = request.path_params["target"].partition(":")
        body = await request.json()
        recorded = Recorded(request.url.path, dict(request.headers), body)
        self.requests.append(recorded)
        version = request.path_params["version"]
        if version not in API_VERSIONS or method != "streamGenerateContent":
            return _error(404, "this fake serves only {v1,v1beta}/models/*:streamGenerateContent")
        if request.query_params.get("alt") != "sse":
            return _error(400, "this fake streams only as SSE (alt=sse)")
        if self.api_key is not None and request.headers.get("x-goog-api-key") != self.api_key:
            return _error(401, "API key not valid")
        scripted = self.script.next()
        if scripted.status != 200:
            return _error(scripted.status, "scripted failure")
        recorded.usage = _usage(body, scripted)
        return StreamingResponse(
            self._chunks(model, scripted, recorded.usage), media_type="text/event-stream"
        )

    async def _chunks(
        self, model: str, scripted: Reply, usage: dict[str, int]
    ) -> AsyncIterator[str]:
        await self.script.first_event_wait(scripted)
        parts: list[dict[str, Any]] = [{"text": chunk} for chunk in text_chunks(scripted.text)]
        if scripted.text and scripted.break_after_text:
            for part in parts:
                yield _data(_response(model, [part]))
            raise StreamBroken("scripted broken stream")
        if scripted.tool is not None:
            call: dict[str, Any] = {"name": scripted.tool.name, "args": scripted.tool.arguments}
            if scripted.tool.id:
                call["id"] = scripted.tool.id
            parts.append({"functionCall": call})
        parts = parts or [{"text": ""}]
        for number, part in enumerate(parts, start=1):
            await self.script.between_chunks()
            chunk = _response(model, [part])
            if number == len(parts):
                chunk["candidates"][0]["finishReason"] = "STOP"
                chunk["usageMetadata"] = usage
            yield _data(chunk)


def _response(model: str, parts: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "candidates": [{"content": {"role": "model", "parts": parts}, "index": 0}],
        "modelVersion": model,
        "responseId": uuid.uuid4().hex[:16],
    }


def _usage(body: dict[str, Any], scripted: Reply) -> dict[str, int]:
    prompt = estimate_tokens(json.dumps([body.get("systemInstruction"), body.get("contents")]))
    tool = scripted.tool
    output = estimate_tokens(scripted.text + (json.dumps(tool.arguments) if tool else ""))
    return {
        "promptTokenCount": prompt,
        "candidatesTokenCount": output,
        "totalTokenCount": prompt + output,
    }


def _data(chunk: dict[str, Any]) -> str:
    return f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse(
        {
            "error": {
                "code": status,
                "message": message,
                "status": ERROR_STATUSES.get(status, "UNKNOWN"),
            }
        },
        status_code=status,
    )
