"""Karla's voice on one call: sentences -> TTS -> 20 ms frames -> pacer, and the cut.

Each sentence gets its own TTS stream, synthesised in order by one worker per turn while
earlier sentences play (the next one is ready before the current one ends, so there is no
gap). One stream per sentence is what makes the barge-in exact: the pacer counts frames
per sentence, so the text the driver heard is the sentences fully played plus the words of
the cut one in proportion to its frames played. The cost is a TTS connection per sentence,
whose set-up hides behind the audio of the previous one.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from media_server.audio.codec import FrameSlicer
from media_server.providers.errors import TtsError
from media_server.providers.tts.base import TtsProvider, TtsStream
from shared.observability.logging import get_logger

from .pacer import Pacer, Segment
from .turns import words_of

_log = get_logger(__name__)
FRAMES_PER_CHARACTER = 3.25  # ~65 ms a character: a sentence's length while TTS still runs


@dataclass
class Playback:
    """How one Karla turn reached the driver."""

    sentences: list[str] = field(default_factory=list)
    heard: str = ""  # all of it, unless the driver cut her off
    interrupted: bool = False
    remaining: list[str] = field(default_factory=list)  # from the cut sentence on
    first_frame_at: float | None = None  # perf_counter when her first frame left
    tts_first_byte_ms: float | None = None
    characters: int = 0


def heard_text(sentences: list[str], cut: int, sent: int, total: int) -> str:
    """Sentences before `cut`, then the words of sentence `cut` that `sent` of its `total`
    frames covered (a word counts once its last character has played)."""
    heard = list(sentences[:cut])
    if cut < len(sentences) and sent > 0:
        sentence = sentences[cut]
        reached = len(sentence) * min(1.0, sent / max(total, 1))
        words, position = [], 0
        for word in sentence.split():
            position = sentence.index(word, position) + len(word)
            if position > reached:
                break
            words.append(word)
        heard += [" ".join(words)] if words else []
    return " ".join(heard)


class Speaker:
    def __init__(self, tts: TtsProvider, pacer: Pacer, clear: Callable[[], Awaitable[None]]):
        self._tts = tts
        self._pacer = pacer
        self._clear = clear
        self._turn = Playback()
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None
        self._stream: TtsStream | None = None
        self._said_at: float | None = None
        self._segments: list[Segment] = []  # this turn's, one per sentence begun
        self._open = False  # a turn is under way: sentences may still be queued
        self.last_sent_at = -1e9  # perf_counter of her last frame sent

    @property
    def speaking(self) -> bool:
        """Karla has something to say this turn and has not finished or been cut off.

        Not while she is only thinking: what the driver says before her first sentence is a
        turn of his own (answered next), not an overlap to judge as barge-in or backchannel.
        """
        return self._open and bool(self._turn.sentences)

    def on_frame_sent(self, frame: bytes) -> None:
        """The pacer sent one of Karla's frames (called just before it goes out)."""
        if self._turn.first_frame_at is None and self.speaking:
            self._turn.first_frame_at = time.perf_counter()
        self.last_sent_at = time.perf_counter()

    def words_now(self) -> set[str]:
        """Words of the sentence playing and the one before: what an echo could contain."""
        playing = self._pacer.playing
        ours = playing is not None and any(s is playing for s in self._segments)
        index = playing.label if ours and playing else len(self._turn.sentences) - 1
        return {w for s in self._turn.sentences[max(0, index - 1) : index + 1] for w in words_of(s)}

    def start_turn(self) -> None:
        self._turn = Playback()
        self._queue = asyncio.Queue()
        self._said_at = None
        self._segments = []
        self._open = True
        self._worker = asyncio.create_task(self._synthesise(self._queue, self._turn))

    async def say(self, sentence: str) -> None:
        """Queue a sentence of this turn (ignored once the driver has cut her off)."""
        if self._open and not self._turn.interrupted:
            if self._said_at is None:
                self._said_at = time.perf_counter()
            self._turn.sentences.append(sentence)
            self._queue.put_nowait(sentence)

    async def finish(self) -> Playback:
        """No more sentences this turn: wait until they are all played, or cut."""
        self._queue.put_nowait(None)
        if self._worker is not None:
            await asyncio.wait({self._worker})
        await self._pacer.wait_idle()
        self._open = False
        turn = self._turn
        if not turn.interrupted:
            turn.heard = " ".join(turn.sentences)
        return turn

    async def cut(self) -> Playback:
        """Barge-in: silence now, at the far end too; keep what the driver heard."""
        turn = self._turn
        if not self.speaking or turn.interrupted:
            return turn
        current = self._pacer.clear()
        self._open = False
        index = current.label if current is not None else len(self._segments)
        total = 0
        if current is not None:
            guess = round(len(turn.sentences[index]) * FRAMES_PER_CHARACTER)
            total = current.queued if current.complete else max(current.queued, guess)
        turn.interrupted = index < len(turn.sentences)
        turn.heard = heard_text(turn.sentences, index, current.sent if current else 0, total)
        turn.remaining = turn.sentences[index:]
        await self._stop_synthesis()
        await self._clear()
        return turn

    async def close(self) -> None:
        self._open = False
        self._pacer.clear()
        await self._stop_synthesis()

    async def _stop_synthesis(self) -> None:
        if self._stream is not None:
            with contextlib.suppress(TtsError):
                await self._stream.cancel()
        if self._worker is not None and not self._worker.done():
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker

    async def _synthesise(self, queue: asyncio.Queue[str | None], turn: Playback) -> None:
        while (sentence := await queue.get()) is not None:
            segment = self._pacer.begin(len(self._segments))
            self._segments.append(segment)
            try:
                await self._speak(sentence, segment, turn)
            except TtsError:
                # One lost sentence beats a silent call: log it and go on with the next.
                _log.exception("tts_failed", sentence=sentence)
            finally:
                if self._stream is not None:  # billed for what was sent, even if cut
                    turn.characters += self._stream.characters
                self._stream = None
                self._pacer.end(segment)

    async def _speak(self, sentence: str, segment: Segment, turn: Playback) -> None:
        self._stream = stream = await self._tts.open()
        await stream.send_text(sentence)
        await stream.end_input()
        slicer = FrameSlicer()
        async for chunk in stream.audio():
            if turn.tts_first_byte_ms is None and self._said_at is not None:
                turn.tts_first_byte_ms = (time.perf_counter() - self._said_at) * 1000
            for frame in slicer.push(chunk):
                self._pacer.push(segment, frame)
        for frame in slicer.flush():
            self._pacer.push(segment, frame)
