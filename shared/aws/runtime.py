"""One event loop and one control plane per Lambda execution environment.

The Lambda runtime calls handlers synchronously. asyncpg pools and Redis connections
belong to the loop that opened them, so a fresh `asyncio.run` per invocation would pay a
reconnect every time; instead the runtime keeps one loop for the environment's life and
opens the plane on the first invocation (not at import: a cold start only pays for
imports, and a missing secret fails an invocation, visibly, rather than the init phase).

Tests and the local stack `install` their own opener (a fake dialer, moto's queue, a
controllable clock); nothing else changes between them and AWS.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from typing import Any, TypeVar

from shared.aws.secrets import load_secrets_into_environment
from shared.calls.plane import ControlPlane, open_control_plane
from shared.config import load_settings

T = TypeVar("T")
Opener = Callable[[], AbstractAsyncContextManager[ControlPlane]]


def open_from_environment() -> AbstractAsyncContextManager[ControlPlane]:
    """The AWS opener: secrets into the environment, then settings, then connections."""
    load_secrets_into_environment()
    return open_control_plane(load_settings())


class LambdaRuntime:
    def __init__(self, opener: Opener = open_from_environment) -> None:
        self._opener = opener
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stack: AsyncExitStack | None = None
        self._plane: ControlPlane | None = None
        self._workers: dict[Callable[..., Any], Any] = {}

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        """Run `work` to completion on the environment's loop."""
        if self._loop is None or self._loop.is_closed():
            self._loop = asyncio.new_event_loop()
        return self._loop.run_until_complete(work)

    def plane(self) -> ControlPlane:
        if self._plane is None:
            stack = AsyncExitStack()
            self._plane = self.run(stack.enter_async_context(self._opener()))
            self._stack = stack
        return self._plane

    def worker(self, build: Callable[[LambdaRuntime], T]) -> T:
        """The object `build(self)` made on first use, kept until the plane changes."""
        made: T | None = self._workers.get(build)
        if made is None:
            made = self._workers[build] = build(self)
        return made

    def install(self, opener: Opener) -> None:
        """Use another opener from the next invocation on (tests, the local stack)."""
        self.close()
        self._opener = opener

    def close(self) -> None:
        """Close the plane and the loop; the next invocation opens them again."""
        if self._stack is not None:
            self.run(self._stack.aclose())
        self._stack = None
        self._plane = None
        self._workers.clear()
        if self._loop is not None and not self._loop.is_closed():
            self._loop.close()
        self._loop = None


RUNTIME = LambdaRuntime()
