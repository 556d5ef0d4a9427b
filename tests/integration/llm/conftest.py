"""LLM agents against the local fakes over real sockets, inside the whole local stack."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any, NamedTuple

import pytest

from devstack.eval.scenario import DriverLine
from devstack.fakes.anthropic_fake import AnthropicFake
from devstack.fakes.gemini_fake import GeminiFake
from devstack.stack import LocalStack, local_stack, shifted_clock
from devstack.text_calls import TextCallResult, run_text_call
from shared.calls.lifecycle import CallParty
from shared.config import Settings, load_settings
from shared.domain.call import CallStatus, Direction
from shared.domain.trip import Driver
from shared.observability.metrics import REGISTRY

from ..calls.helpers import CALL_TIME, trip

API_KEY = "test-llm-key"
JUAN = Driver(driver_id="D-1001", name="Juan Pérez", phone="+528112345678")
SEED = [
    trip("T-5001", "D-1001", "Monterrey, N.L.", "Guadalajara, Jal.", "2026-11-23"),
    trip("T-999", "D-2002", "Tijuana, B.C.", "Mexicali, B.C.", "2026-11-22"),
]


class Served(NamedTuple):
    fake: Any
    url: str


@pytest.fixture
async def claude() -> AsyncIterator[Served]:
    fake = AnthropicFake(api_key=API_KEY, min_cacheable_tokens=1)
    async with fake.running() as url:
        yield Served(fake, url)


@pytest.fixture
async def gemini() -> AsyncIterator[Served]:
    fake = GeminiFake(api_key=API_KEY)
    async with fake.running() as url:
        yield Served(fake, url)


def llm_settings(settings: Settings, provider: str, served: Served, **overrides: object):
    """The test settings with `provider` chosen and pointed at its fake, validated again."""
    return load_settings(
        **{
            **settings.model_dump(),
            "llm_provider": provider,
            f"{provider}_api_key": API_KEY,
            f"{provider}_base_url": served.url,
            **overrides,
        }
    )


@contextlib.asynccontextmanager
async def llm_stack(
    settings: Settings, provider: str, served: Served, **overrides: object
) -> AsyncIterator[LocalStack]:
    """The local stack with `provider` configured against its fake (agent from the factory)."""
    async with local_stack(llm_settings(settings, provider, served, **overrides)) as stack:
        stack.mock.reset([dict(t) for t in SEED])
        yield stack


async def place_call(stack: LocalStack, lines: Sequence[str]) -> tuple[str, TextCallResult]:
    """Juan's outbound call about T-5001, played line by line to the end."""
    call_id = str(uuid.uuid4())
    await stack.audit.drivers.upsert(JUAN.driver_id, JUAN.phone, JUAN.name)
    await stack.audit.calls.create(
        call_id, JUAN.driver_id, "T-5001", JUAN.phone, Direction.OUTBOUND, CallStatus.QUEUED
    )
    result = await run_text_call(
        stack,
        call_id,
        CallParty(JUAN, Direction.OUTBOUND),
        "T-5001",
        [DriverLine.parse(line) for line in lines],
        shifted_clock(CALL_TIME),
    )
    return call_id, result


async def open_conversation(stack: LocalStack):
    """Juan's call opened and answered, ready for `hear`, without a script."""
    call_id = str(uuid.uuid4())
    await stack.audit.drivers.upsert(JUAN.driver_id, JUAN.phone, JUAN.name)
    await stack.audit.calls.create(
        call_id, JUAN.driver_id, "T-5001", JUAN.phone, Direction.OUTBOUND, CallStatus.QUEUED
    )
    await stack.lifecycle.open_session(call_id, CallParty(JUAN), "T-5001", CALL_TIME)
    conversation = stack.conversation(call_id, shifted_clock(CALL_TIME))
    await conversation.answer()
    return conversation


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def mock_trips(stack: LocalStack) -> dict[str, dict]:
    return {t["trip_id"]: dict(t) for t in stack.mock.trips}
