"""What the API tests share besides fixtures: the token and the running-API handle."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

import httpx

from functions.api.deps import ApiDependencies
from shared.queue.local import RedisDispatchQueue

TOKEN = "test-token_0123456789.abc~+/="
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@dataclass
class RunningApi:
    client: httpx.AsyncClient  # sends the bearer token on every request
    deps: ApiDependencies
    queue: RedisDispatchQueue  # the queue the API sends to, for reading back


StartApi = Callable[..., AbstractAsyncContextManager[RunningApi]]
