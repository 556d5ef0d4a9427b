"""A local Deepgram Listen v1 socket (`/v1/listen`) that deepgram-sdk talks to unmodified.

A test (or the benchmark) enqueues what the driver will say. Each `Utterance` is recognised
from the audio that arrives after the previous one ended: an interim result with its first
words once `interim_after_seconds` of audio arrived, then the final with `speech_final`
once `after_seconds` arrived (endpointing), or a final `from_finalize` on Finalize. With
`speech_final=False` the final is followed by an `UtteranceEnd` instead, as when
endpointing never hears silence in a noisy cab. A `Failure` closes the socket with an error
code once its amount of audio arrived, as the real server does; with `error_frame` an
`Error` message (the shape deepgram-sdk 7 parses) comes first.
CloseStream flushes what is pending, sends Metadata and closes with 1000. A wrong key is
refused at the upgrade with HTTP 401.

`latency.first_event_seconds` delays every result after the audio that completed it (the
vendor's recognition latency), without holding back the reading of audio.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from shared.serving import serving

from .deepgram_messages import metadata_message, results_message
from .script import Latency


@dataclass(frozen=True)
class Utterance:
    text: str
    after_seconds: float | None = None  # None: the final comes only on Finalize
    speech_final: bool = True  # False: final without speech_final, then UtteranceEnd
    confidence: float = 0.93


@dataclass(frozen=True)
class Failure:
    code: int = 1011
    reason: str = "NET-0001"
    after_seconds: float = 0.0
    error_frame: bool = False  # first an `Error` message (the SDK 7 model), then the close


@dataclass
class ListenSession:
    """What one connection sent: handshake, control messages in order, audio."""

    headers: dict[str, str]
    query: dict[str, str]
    controls: list[str] = field(default_factory=list)
    audio_bytes: int = 0


class DeepgramFake:
    def __init__(
        self,
        *,
        api_key: str | None = None,
        latency: Latency | None = None,
        interim_after_seconds: float = 0.2,
    ) -> None:
        self.api_key = api_key
        self.latency = latency or Latency()
        self.interim_after_seconds = interim_after_seconds
        self.sessions: list[ListenSession] = []
        self._script: deque[Utterance | Failure] = deque()
        self.app = Starlette(routes=[WebSocketRoute("/v1/listen", self._listen)])

    def enqueue(self, *items: Utterance | Failure) -> None:
        self._script.extend(items)

    def take_utterance(self) -> Utterance | None:
        """The next thing the driver says, unless a failure comes first."""
        head = self._script[0] if self._script else None
        if isinstance(head, Utterance):
            self._script.popleft()
            return head
        return None

    def take_failure(self, received_seconds: float) -> Failure | None:
        """The next failure, once the audio it waits for has arrived."""
        head = self._script[0] if self._script else None
        if isinstance(head, Failure) and received_seconds >= head.after_seconds:
            self._script.popleft()
            return head
        return None

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[str]:
        """Serve on a free local port; yields the ws:// base URL to give the SDK."""
        async with serving(self.app) as url:
            yield "ws" + url.removeprefix("http")

    async def _listen(self, websocket: WebSocket) -> None:
        session = ListenSession(dict(websocket.headers), dict(websocket.query_params))
        self.sessions.append(session)
        if self.api_key is not None and session.headers.get("authorization") != (
            f"Token {self.api_key}"
        ):
            response = PlainTextResponse("Websocket initialized with invalid credentials", 401)
            await websocket.send_denial_response(response)
            return
        await websocket.accept()
        await _Recognition(self, session, websocket).run()


class _Recognition:
    """One connection: turns arriving audio and control messages into scripted results."""

    def __init__(self, fake: DeepgramFake, session: ListenSession, websocket: WebSocket) -> None:
        self.fake = fake
        self.session = session
        self.websocket = websocket
        query = session.query
        sample_bytes = 1 if query.get("encoding", "").lower() == "mulaw" else 2
        self.bytes_per_second = (
            sample_bytes * int(query.get("sample_rate", "16000")) * int(query.get("channels", "1"))
        )
        self.interims = query.get("interim_results", "").lower() == "true"
        self.utterance_ends = self.interims and "utterance_end_ms" in query
        self.current: Utterance | None = None
        self.started = 0.0  # stream seconds where the current utterance began
        self.interim_sent = False
        self.outbox: asyncio.Queue[tuple[float, dict[str, Any] | tuple[int, str]]] = asyncio.Queue()
        self.last_due = 0.0
        self.request_id = str(uuid.uuid4())

    @property
    def received(self) -> float:
        return self.session.audio_bytes / self.bytes_per_second

    async def run(self) -> None:
        sender = asyncio.create_task(self._send_outbox())
        try:
            while not sender.done():
                message = await self.websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                if message.get("bytes") is not None:
                    self.session.audio_bytes += len(message["bytes"])
                    self._hear()
                elif message.get("text") is not None:
                    self._control(json.loads(message["text"]).get("type", ""))
            await asyncio.wait([sender], timeout=5.0)
        finally:
            sender.cancel()

    def _hear(self) -> None:
        failure = self.fake.take_failure(self.received)
        if failure is not None:
            if failure.error_frame:
                error = {"type": "Error", "variant": "ServerError", "description": failure.reason}
                self._post(error)
            self._post((failure.code, failure.reason))
            return
        if self.current is None:
            self.current = self.fake.take_utterance()
            self.interim_sent = False
        if self.current is None:
            return
        heard = self.received - self.started
        due = self.current.after_seconds
        if self.interims and not self.interim_sent and heard >= self.fake.interim_after_seconds:
            self.interim_sent = True
            words = self.current.text.split()
            self._result(" ".join(words[: max(1, len(words) // 2)]), is_final=False)
        if due is not None and heard >= due:
            self._final(speech_final=self.current.speech_final)

    def _control(self, kind: str) -> None:
        self.session.controls.append(kind)
        if kind == "Finalize":
            if self.current is None:
                self._result("", is_final=True, from_finalize=True)
            else:
                self._final(speech_final=False, from_finalize=True)
        elif kind == "CloseStream":
            if self.current is not None:
                self._final(speech_final=False)
            self._post(metadata_message(self.request_id, self.received))
            self._post((1000, ""))

    def _final(self, *, speech_final: bool, from_finalize: bool = False) -> None:
        utterance, self.current = self.current, None
        if utterance is None:
            return
        self._result(
            utterance.text,
            is_final=True,
            speech_final=speech_final,
            from_finalize=from_finalize,
            confidence=utterance.confidence,
        )
        if not speech_final and not from_finalize and self.utterance_ends:
            self._post({"type": "UtteranceEnd", "channel": [0, 1], "last_word_end": self.received})

    def _result(
        self,
        text: str,
        *,
        is_final: bool,
        speech_final: bool = False,
        from_finalize: bool = False,
        confidence: float = 0.93,
    ) -> None:
        self._post(
            results_message(
                text,
                self.started,
                self.received,
                flags={
                    "is_final": is_final,
                    "speech_final": speech_final,
                    "from_finalize": from_finalize,
                },
                confidence=confidence,
                request_id=self.request_id,
            )
        )
        if is_final:
            self.started = self.received

    def _post(self, item: dict[str, Any] | tuple[int, str]) -> None:
        """Queue a message (or a close: code, reason) in order, due after the latency."""
        now = asyncio.get_running_loop().time()
        self.last_due = max(self.last_due, now + self.fake.latency.first_event_seconds)
        self.outbox.put_nowait((self.last_due, item))

    async def _send_outbox(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            due, item = await self.outbox.get()
            await asyncio.sleep(max(0.0, due - loop.time()))
            if isinstance(item, tuple):
                await self.websocket.close(code=item[0], reason=item[1])
                return
            await self.websocket.send_text(json.dumps(item))
