"""The little ASGI the mock needs: JSON requests and responses and a route table.

shared/ stays free of web frameworks (the media server and the Lambdas import it), so the
mock speaks raw ASGI through these helpers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl

Message = MutableMapping[str, Any]
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes
    params: dict[str, str] = field(default_factory=dict)  # from the route template

    def json_object(self) -> dict[str, Any]:
        """The body as a JSON object; an empty body reads as {}."""
        if not self.body.strip():
            return {}
        try:
            value = json.loads(self.body)
        except ValueError:
            raise HttpError(400, "invalid_json", "the body is not valid JSON") from None
        if not isinstance(value, dict):
            raise HttpError(422, "invalid_body", "the body must be a JSON object")
        return value


@dataclass(frozen=True)
class Response:
    status: int
    body: object
    headers: dict[str, str] = field(default_factory=dict)


class HttpError(Exception):
    """Raised by handlers; becomes the contract's `{"error", "reason"}` answer."""

    def __init__(self, status: int, code: str, reason: str) -> None:
        super().__init__(reason)
        self.response = Response(status, {"error": code, "reason": reason})


Handler = Callable[[Request], Awaitable[Response]]


class Router:
    """Method + path template ("/trips/{trip_id}") -> handler."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []

    def add(self, method: str, template: str, handler: Handler) -> None:
        pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
        self._routes.append((method, re.compile(f"^{pattern}$"), handler))

    def resolve(self, request: Request) -> tuple[Handler, Request]:
        """The handler and the request with its path parameters, or a 404/405 error."""
        allowed = []
        for method, pattern, handler in self._routes:
            match = pattern.match(request.path)
            if match is None:
                continue
            if method == request.method:
                return handler, replace(request, params=match.groupdict())
            allowed.append(method)
        if allowed:
            raise HttpError(405, "method_not_allowed", f"use {', '.join(allowed)}")
        raise HttpError(404, "not_found", f"no route for {request.path}")


async def read_request(scope: Scope, receive: Receive) -> Request:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return Request(
        method=scope["method"],
        path=scope["path"],
        query=dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"))),
        headers={k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]},
        body=b"".join(chunks),
    )


async def send_response(send: Send, response: Response) -> None:
    body = json.dumps(response.body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    headers += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.items()]
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def run_lifespan(receive: Receive, send: Send) -> None:
    """Nothing to set up; acknowledge so servers do not warn about lifespan support."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
