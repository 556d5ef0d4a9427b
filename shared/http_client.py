"""The closing protocol every client that owns an `httpx.AsyncClient` shares."""

from __future__ import annotations

from types import TracebackType
from typing import Self

import httpx


class OwnsHttpClient:
    """`async with Client(...)` closes the client's connection pool on the way out."""

    _http: httpx.AsyncClient

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
