"""What travels on the dispatch queue: a pointer to the calls row, never the call itself.

The row in Postgres is the truth; the message only says "look at this call now", so a
duplicate or stale message is harmless once the dispatcher re-reads the row.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class DispatchMessage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    call_id: str = Field(min_length=1, max_length=64)
    attempt: int = Field(default=1, ge=1)
    not_before: dt.datetime | None = None  # for the consumer: do not dial earlier than this
