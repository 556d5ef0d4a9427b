"""The media server in-process on loopback, over the local stack, for the demo and the tests.

It is the production `MediaServer` with the stack's stores (Redis sessions, Postgres audit,
the client mock behind the ToolDispatcher) and the configured providers, except that the
offline STT is built per call and kept here, so the simulated driver of that call can tell
it the words of each utterance (its test channel). Any number of servers may share one
`SttChannels`, so a call resumed on a second server keeps its channel (a real recogniser
would simply open a new stream there).
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from pydantic import SecretStr

from media_server.pipeline.agent_timing import timed
from media_server.providers.stt.base import SttProvider
from media_server.providers.stt.offline import OfflineStt, SimulatorTranscriptChannel
from media_server.server import MediaServer
from media_server.services import CallServices, Stores, build_tts_for, stt_factory, wall_clock
from shared.config import Settings

from .stack import LocalStack


def with_media_secret(settings: Settings) -> Settings:
    """`settings` with a media-token secret: a random one for this process when unset."""
    if settings.media_token_secret.get_secret_value():
        return settings
    secret = SecretStr(secrets.token_urlsafe(32))
    return settings.model_copy(update={"media_token_secret": secret})


@dataclass
class SttChannels:
    """One offline STT per call, created on the server's first request for it."""

    settings: Settings
    offline: dict[str, OfflineStt] = field(default_factory=dict)

    def stt_for(self, call_id: str) -> SttProvider:
        if self.settings.stt_provider != "offline":
            return stt_factory(self.settings)(call_id)
        return self.offline.setdefault(call_id, OfflineStt())

    def channel(self, call_id: str) -> SimulatorTranscriptChannel:
        """The TEST CHANNEL of `call_id`'s offline STT, for its simulated driver."""
        stt = self.stt_for(call_id)
        if not isinstance(stt, OfflineStt):
            return SimulatorTranscriptChannel()  # a real recogniser listens for itself
        return stt.channel

    def forget(self, call_id: str) -> None:
        self.offline.pop(call_id, None)


def stack_services(stack: LocalStack, channels: SttChannels) -> CallServices:
    settings = stack.settings
    return CallServices(
        settings=settings,
        agent=timed(stack.agent),
        tts=build_tts_for(settings),
        stt_for=channels.stt_for,
        stores=Stores(
            sessions=stack.sessions,
            turns=stack.audit.turns,
            tools=stack.dispatcher,
            lifecycle=stack.lifecycle,
        ),
        clock=wall_clock(settings),
    )


@dataclass(frozen=True)
class MediaLine:
    """Where simulated phones send their audio: a media server and its calls' STT."""

    server: MediaServer
    channels: SttChannels

    @property
    def urls(self) -> list[str]:
        return [self.server.url("/media")]


@contextlib.asynccontextmanager
async def serving_media(
    stack: LocalStack, channels: SttChannels | None = None
) -> AsyncIterator[MediaLine]:
    """A media server on a free loopback port for the duration of the block."""
    channels = channels or SttChannels(stack.settings)
    server = MediaServer(stack_services(stack, channels))
    await server.start("127.0.0.1", 0)
    try:
        yield MediaLine(server, channels)
    finally:
        await server.stop()
