"""A local Groq (OpenAI-compatible) transcription endpoint that the `groq` SDK talks to.

`POST /openai/v1/audio/transcriptions` takes the multipart form the SDK sends, parses the
uploaded file as WAV (so tests can check rate, width and channels) and answers with the
next enqueued transcription in the requested `response_format` (`json`, `verbose_json`
with one segment, or `text`). An enqueued status answers with the OpenAI-style error body
instead. A wrong bearer key gets 401. `latency.first_event_seconds` delays every answer
(the vendor's transcription time).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import uuid
import wave
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from shared.serving import serving

from .script import Latency

PATH = "/openai/v1/audio/transcriptions"


@dataclass(frozen=True)
class Transcription:
    text: str
    no_speech_prob: float = 0.01
    avg_logprob: float = -0.15
    status: int = 200  # any other: an error answer


@dataclass(frozen=True)
class WavInfo:
    channels: int
    sample_width: int
    rate: int
    frames: int

    @property
    def seconds(self) -> float:
        return self.frames / self.rate


@dataclass
class Upload:
    """One request: headers, form fields, the file's name, and the file read as WAV."""

    headers: dict[str, str]
    fields: dict[str, str]
    filename: str | None = None
    wav: WavInfo | None = None
    file_bytes: bytes = field(default=b"", repr=False)


class GroqFake:
    def __init__(self, *, api_key: str | None = None, latency: Latency | None = None) -> None:
        self.api_key = api_key
        self.latency = latency or Latency()
        self.uploads: list[Upload] = []
        self._script: deque[Transcription] = deque()
        self.app = Starlette(routes=[Route(PATH, self._transcribe, methods=["POST"])])

    def enqueue(self, *items: Transcription | str) -> None:
        self._script.extend(Transcription(i) if isinstance(i, str) else i for i in items)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[str]:
        """Serve on a free local port; yields the base URL to give the SDK (no path)."""
        async with serving(self.app) as url:
            yield url

    async def _transcribe(self, request: Request) -> Response:
        upload = _parse_form(dict(request.headers), await request.body())
        self.uploads.append(upload)
        if self.api_key is not None and upload.headers.get("authorization") != (
            f"Bearer {self.api_key}"
        ):
            return _error(401, "Invalid API Key", "invalid_api_key")
        if upload.wav is None:
            return _error(400, "file must be a readable audio file", "invalid_request_error")
        scripted = self._script.popleft() if self._script else Transcription("")
        await asyncio.sleep(self.latency.first_event_seconds)
        if scripted.status != 200:
            return _error(scripted.status, "scripted failure", "api_error")
        return _answer(upload, scripted)


def _parse_form(headers: dict[str, str], body: bytes) -> Upload:
    upload = Upload(headers=headers, fields={})
    head = f"Content-Type: {headers.get('content-type', '')}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    if not isinstance(message, EmailMessage) or not message.is_multipart():
        return upload
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if not isinstance(name, str) or not isinstance(payload, bytes):
            continue
        if part.get_filename() is None:
            upload.fields[name] = payload.decode()
            continue
        upload.filename, upload.file_bytes = part.get_filename(), payload
        with contextlib.suppress(wave.Error, EOFError), wave.open(io.BytesIO(payload)) as wav:
            upload.wav = WavInfo(
                wav.getnchannels(), wav.getsampwidth(), wav.getframerate(), wav.getnframes()
            )
    return upload


def _answer(upload: Upload, scripted: Transcription) -> Response:
    response_format = upload.fields.get("response_format", "json")
    if response_format == "text":
        return PlainTextResponse(scripted.text)
    body: dict[str, Any] = {"text": scripted.text, "x_groq": {"id": f"req_{uuid.uuid4().hex}"}}
    if response_format == "verbose_json":
        duration = upload.wav.seconds if upload.wav else 0.0
        body |= {
            "task": "transcribe",
            "language": "Spanish",
            "duration": duration,
            "segments": [
                {
                    "id": 0,
                    "seek": 0,
                    "start": 0.0,
                    "end": duration,
                    "text": f" {scripted.text}",
                    "tokens": [],
                    "temperature": 0.0,
                    "avg_logprob": scripted.avg_logprob,
                    "compression_ratio": 1.0,
                    "no_speech_prob": scripted.no_speech_prob,
                }
            ],
        }
    return JSONResponse(body)


def _error(status: int, message: str, kind: str) -> Response:
    return JSONResponse({"error": {"message": message, "type": kind}}, status_code=status)
