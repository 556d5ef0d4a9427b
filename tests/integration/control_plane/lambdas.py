"""The control plane's functions as one Lambda execution environment sees them."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from functions.call_events.handler import handler as call_events_handler
from functions.dispatcher.handler import handler as dispatcher_handler
from functions.scheduler.handler import handler as scheduler_handler
from shared.aws.runtime import RUNTIME
from shared.queue.event_source import SqsEventSource
from tests.integration.control_plane.support import (
    WEBHOOK_TOKEN,
    FakeLambdaContext,
    scheduler_event,
    webhook_event,
)


@dataclass(frozen=True)
class Queues:
    client: Any
    url: str
    dead_letter_url: str

    def depth(self, url: str | None = None) -> int:
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        attributes = self.client.get_queue_attributes(
            QueueUrl=url or self.url, AttributeNames=names
        )["Attributes"]
        return sum(int(attributes[name]) for name in names)


class Lambdas:
    """The four functions on one thread, invoked with real event shapes."""

    def __init__(self, queues: Queues) -> None:
        self.queues = queues
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="lambda")
        self._source = SqsEventSource(queues.client, queues.url, dispatcher_handler, self._thread)

    async def _run(self, function: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._thread, function, *args)

    async def dispatcher(self, event: dict[str, Any]) -> dict[str, Any]:
        return await self._run(dispatcher_handler, event, FakeLambdaContext())

    async def dispatch_queued(self) -> int:
        """What Lambda's event source mapping does until the queue has nothing visible."""
        handled = 0
        while batch := await self._source.poll_once(context=FakeLambdaContext()):
            handled += batch
        return handled

    async def scheduler(self, action: str) -> dict[str, Any]:
        return await self._run(scheduler_handler, scheduler_event(action), FakeLambdaContext())

    async def webhook(
        self, body: dict[str, Any] | None, headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        sent = {"verification-token": WEBHOOK_TOKEN} if headers is None else headers
        event = webhook_event(body, sent)
        return await self._run(call_events_handler, event, FakeLambdaContext())

    async def api(self, event: dict[str, Any]) -> tuple[int, Any]:
        response = await self._run(_invoke_api, event)
        return response["statusCode"], json.loads(response["body"] or "null")

    async def close(self) -> None:
        await self._run(RUNTIME.close)
        self._thread.shutdown(wait=True)


def _invoke_api(event: dict[str, Any]) -> dict[str, Any]:
    """The API handler as the Lambda runtime calls it: synchronously, on its own loop."""
    from functions.api.handler import handler

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        return handler(event, FakeLambdaContext())
    finally:
        asyncio.set_event_loop(None)
        loop.close()
