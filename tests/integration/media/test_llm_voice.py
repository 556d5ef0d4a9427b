"""A voice call with the production agent: Claude (the real `anthropic` SDK against the local
Messages API fake, streaming slowly) behind the media server.

Three things only a streamed voice call shows: the first sentence of a reply is already
playing while the model is still writing the rest; a reply longer than two sentences is
cut to two in what is said (and billed, and kept); and the call's usage (STT seconds, LLM
tokens, TTS characters) reaches the audit's calls row.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest

from devstack.fakes.anthropic_fake import AnthropicFake
from devstack.fakes.script import Latency, Script, call_tool, reply
from devstack.media_link import serving_media
from devstack.stack import local_stack
from media_server.pipeline.agent import Agent, AgentEvent
from media_server.providers.llm.factory import build_agent
from shared.config import load_settings
from shared.domain.sentences import split_sentences
from shared.domain.session import CallSession

from ..calls.helpers import mock_trip, mock_writes, trip
from .conftest import CONFIRM, JUAN, place_voice_call

API_KEY = "test-llm-key"
LONG_READ_BACK = (
    "Le llamo por su viaje de ayer lunes. Salió usted de Monterrey, Nuevo León, temprano "
    "en la mañana. Llegó a Guadalajara, Jalisco, por la tarde del mismo día. ¿Es correcto?"
)
READ_BACK_SAID = "Le llamo por su viaje de ayer lunes. ¿Es correcto?"
CHUNK_SECONDS = 0.1  # between streamed chunks of three words: a slow model, on purpose


class Watched:
    """The configured agent, noting when each of its replies finished streaming."""

    def __init__(self, agent: Agent) -> None:
        self.name = agent.name
        self._agent = agent
        self.finished_at: list[float] = []

    async def respond(self, session: CallSession) -> AsyncIterator[AgentEvent]:
        async for event in self._agent.respond(session):
            yield event
        self.finished_at.append(time.monotonic())


@pytest.fixture
async def claude() -> AsyncIterator[tuple[AnthropicFake, str]]:
    fake = AnthropicFake(
        Script(latency=Latency(between_chunks_seconds=CHUNK_SECONDS)), api_key=API_KEY
    )
    async with fake.running() as url:
        yield fake, url


async def test_a_streamed_reply_plays_early_keeps_two_sentences_and_is_billed(
    voice_settings, redis_client, brisk_voice, claude
):
    fake, url = claude
    fake.script.enqueue(
        reply("¡Hola, buen día, le habla Karla de Transportes del Norte! ¿Hablo con Juan Pérez?"),
        reply(LONG_READ_BACK),
        call_tool("validar_viaje", {}),
        reply("Listo, quedó validado. ¡Gracias y buen camino!"),
    )
    settings = load_settings(
        **{
            **voice_settings.model_dump(),
            "llm_provider": "anthropic",
            "anthropic_api_key": API_KEY,
            "anthropic_base_url": url,
        }
    )
    agent = Watched(build_agent(settings))
    async with local_stack(settings, agent=agent) as stack, serving_media(stack) as media:
        stack.mock.reset(
            [trip("T-5001", "D-1001", "Monterrey, N.L.", "Guadalajara, Jal.", "2026-11-23")]
        )
        call_id, result = await place_voice_call(stack, media, JUAN, "T-5001", CONFIRM)
        turns = await stack.audit.turns.list(call_id)
        record = await stack.audit.calls.get(call_id)

    assert result.outcome == "confirmed"
    assert mock_trip(stack, "T-5001")["status"] == "validated" and len(mock_writes(stack)) == 1

    # Her read-back began to play while the model was still streaming it.
    read_back_heard_at = result.recording.started_at[1]
    assert read_back_heard_at < agent.finished_at[1]

    # Four sentences asked for, two said: the opening and the question.
    karla = [t.text for t in turns if t.speaker.value == "karla"]
    assert karla[1] == READ_BACK_SAID
    assert all(len(split_sentences(text)) <= 2 for text in karla)

    # The calls row holds what the call used from each paid provider.
    usage = record.usage
    billed = [r.usage for r in fake.requests if r.usage is not None]
    assert len(billed) == 4
    assert usage.llm_input_tokens == sum(u["input_tokens"] for u in billed)
    assert usage.llm_output_tokens == sum(u["output_tokens"] for u in billed)
    assert usage.tts_characters == sum(len(s) for text in karla for s in split_sentences(text))
    assert usage.stt_audio_seconds > 0
    assert record.cost_usd is not None and record.cost_usd > 0
