"""One call's pipeline with fakes at its edges: a cough, a false interruption, a real one.

No socket, no Redis: the phone is an in-memory link fed 20 ms frames in real time, the STT
says what each test scripts for each utterance, the session lives in memory.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from media_server.audio._audioop import audioop
from media_server.loadtest_sessions import MemorySessionStore, NoAudit, NoTools, loadtest_session
from media_server.pipeline.agent import TextDelta
from media_server.pipeline.call_pipeline import CallEnd, CallLink, CallPipeline
from media_server.pipeline.conversation import Conversation
from media_server.providers.stt.base import Transcript
from media_server.providers.stt.feed import TranscriptFeed
from media_server.providers.tts.loadtest import LoadtestTts, LoadtestTtsStream
from media_server.transports.base import Audio, Event, Stop
from media_server.transports.karla_protocol import KarlaCodec
from shared.domain.session import Role

from ..audio.signals import frames, noise, voice

READ_BACK = ["Le llamo por su viaje de Toluca a Morelia.", "¿Es correcto?"]
CLOCK = lambda: dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)  # noqa: E731


@dataclass
class Utterance:
    """What the fake STT makes of one utterance: an interim after a few frames, a final."""

    final: str
    interim: str = ""
    interim_after_frames: int = 14


class ScriptedStt:
    name = "scripted"

    def __init__(self, utterances: list[Utterance]) -> None:
        self.utterances = utterances

    async def open(self, **_: object) -> ScriptedStream:
        return ScriptedStream(self.utterances)


class ScriptedStream:
    def __init__(self, utterances: list[Utterance]) -> None:
        self._utterances = list(utterances)
        self._feed = TranscriptFeed("scripted")
        self._frames = 0

    @property
    def audio_seconds(self) -> float:
        return 0.0

    async def send(self, pcm16: bytes) -> None:
        self._frames += 1
        upcoming = self._utterances[0] if self._utterances else None
        if upcoming and upcoming.interim and self._frames == upcoming.interim_after_frames:
            self._feed.put(Transcript(upcoming.interim, False))

    async def finalize(self) -> None:
        self._frames = 0
        text = self._utterances.pop(0).final if self._utterances else ""
        self._feed.put(Transcript(text, True, True))

    def transcripts(self) -> AsyncIterator[Transcript]:
        return self._feed.transcripts()

    async def close(self) -> None:
        self._feed.end()


class ReadBackAgent:
    name = "scripted"

    async def respond(self, session):
        heard = [m for m in session.messages if m.role is Role.DRIVER]
        yield TextDelta(" ".join(READ_BACK) if len(heard) == 1 else "Perfecto, gracias.")


@dataclass
class Phone:
    """The far end: sends frames in real time, records what Karla sends. On speakerphone
    her voice comes back into the microphone about 100 ms later, 6 dB down."""

    speakerphone: bool = False
    inbound: asyncio.Queue[Event] = field(default_factory=asyncio.Queue)
    karla_frames: int = 0
    controls: list[dict] = field(default_factory=list)
    frames_at_control: list[int] = field(default_factory=list)
    echo_line: deque[bytes] = field(default_factory=deque)

    async def events(self) -> AsyncIterator[Event]:
        while True:
            event = await self.inbound.get()
            yield event
            if isinstance(event, Stop):
                return

    async def receive(self, message: str | bytes) -> None:
        if isinstance(message, bytes):
            self.karla_frames += 1
            if self.speakerphone:
                self.echo_line.append(audioop.mul(message, 2, 0.5))
        else:
            self.controls.append(json.loads(message))
            self.frames_at_control.append(self.karla_frames)

    async def play(self, pcm: list[bytes]) -> None:
        for own in pcm:
            echo = self.echo_line.popleft() if len(self.echo_line) > 5 else None
            self.inbound.put_nowait(Audio(audioop.add(own, echo, 2) if echo else own))
            await asyncio.sleep(0.02)

    async def quiet(self, seconds: float) -> None:
        await self.play(frames(noise(seconds, -70)))

    async def until(self, done) -> None:
        """Line noise until `done()` holds."""
        while not done():
            await self.quiet(0.02)

    def marks(self) -> int:
        return self.kinds().count("mark")

    def kinds(self) -> list[str]:
        return [control["type"] for control in self.controls]


class VoicedTts:
    """A second of a speech-like voice per sentence (webrtcvad ignores a pure tone)."""

    name = "voiced"

    async def open(self, **_: object) -> LoadtestTtsStream:
        return LoadtestTtsStream(0.0, voice(1.0, level=0.3))


async def call(
    utterances: list[Utterance], script, *, speakerphone: bool = False
) -> tuple[Phone, Conversation]:
    phone = Phone(speakerphone=speakerphone)
    store = MemorySessionStore(loadtest_session("loadtest:unit", CLOCK()))

    def conversation(on_sentence):
        return Conversation(
            "loadtest:unit",
            store=store,
            agent=ReadBackAgent(),
            dispatcher=NoTools(),
            turns=NoAudit(),
            clock=CLOCK,
            on_sentence=on_sentence,
        )

    pipeline = CallPipeline(
        CallLink(KarlaCodec(), phone.events(), phone.receive),
        conversation=conversation,
        stt=ScriptedStt(utterances),
        tts=VoicedTts() if speakerphone else LoadtestTts(seconds_per_sentence=0.5),
        clock=CLOCK,
        silence_timeout_ms=10_000,
    )
    running = asyncio.create_task(pipeline.run())
    await script(phone)
    phone.inbound.put_nowait(Stop("hangup"))
    assert await running is CallEnd.DRIVER_HUNG_UP
    return phone, pipeline.conversation


def hello_then(overlap: list[bytes], karla_turns: int):
    """The driver answers, makes `overlap` 300 ms into Karla's read-back, and listens
    until she has finished `karla_turns` turns."""

    async def script(phone: Phone) -> None:
        await phone.play(frames(voice(0.6)))
        await phone.until(lambda: phone.karla_frames > 0)
        await phone.quiet(0.3)
        await phone.play(overlap)
        await phone.until(lambda: phone.marks() >= karla_turns)

    return script


async def test_a_cough_while_karla_speaks_does_not_stop_her():
    cough = frames(voice(0.3, level=0.5))
    phone, conversation = await call([Utterance("¿Bueno?"), Utterance("")], hello_then(cough, 1))
    assert phone.kinds() == ["mark"]
    assert phone.karla_frames == 50  # both sentences, half a second each, in full
    karla = [m for m in (await conversation.session()).messages if m.role is Role.KARLA]
    assert [(m.text, m.interrupted) for m in karla] == [(" ".join(READ_BACK), False)]


async def test_a_real_interruption_cuts_her_off_and_keeps_what_was_heard():
    words = frames(voice(0.8))
    phone, conversation = await call(
        [Utterance("¿Bueno?"), Utterance("No, espere, fue a Celaya.", interim="no espere")],
        hello_then(words, 1),
    )
    assert phone.kinds() == ["clear", "mark"]
    assert phone.frames_at_control[0] < 50
    karla = [m for m in (await conversation.session()).messages if m.role is Role.KARLA]
    assert karla[0].interrupted
    assert " ".join(READ_BACK).startswith(karla[0].text)
    assert karla[0].text != " ".join(READ_BACK)
    assert karla[1].text == "Perfecto, gracias."  # her answer to what he said


async def test_words_that_come_to_nothing_make_her_repeat_the_cut_sentence():
    words = frames(voice(0.5))
    phone, conversation = await call(
        [Utterance("¿Bueno?"), Utterance("", interim="oiga oiga")], hello_then(words, 1)
    )
    assert phone.kinds() == ["clear", "mark"]
    repeated = phone.frames_at_control[1] - phone.frames_at_control[0]
    assert repeated >= 25  # at least the cut sentence again, half a second of audio
    karla = [m for m in (await conversation.session()).messages if m.role is Role.KARLA]
    assert [(m.text, m.interrupted) for m in karla] == [(" ".join(READ_BACK), False)]


async def test_her_own_voice_on_a_speakerphone_does_not_cut_her_off():
    echo_heard = Utterance("", interim="le llamo por su viaje de Toluca", interim_after_frames=5)

    async def answer_and_listen(phone: Phone) -> None:
        await phone.play(frames(voice(0.6)))
        await phone.until(lambda: phone.marks() >= 1)

    phone, conversation = await call(
        [Utterance("¿Bueno?"), echo_heard, echo_heard], answer_and_listen, speakerphone=True
    )
    assert phone.kinds() == ["mark"]
    assert phone.karla_frames == 100  # both sentences, in full
    karla = [m for m in (await conversation.session()).messages if m.role is Role.KARLA]
    assert [(m.text, m.interrupted) for m in karla] == [(" ".join(READ_BACK), False)]
