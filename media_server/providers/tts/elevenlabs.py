"""ElevenLabs TTS: Flash v2.5 in production, Turbo v2.5 in the proof of concept (`TTS_MODEL`).

Two transports, chosen by `ELEVENLABS_TRANSPORT`, with the same voice, model, language and
output format:
- `websocket` (default): the stream-input socket, one per turn, each sentence flushed as it
  arrives. The SDK's helper for it is synchronous, so that leg is `elevenlabs_ws.py` on the
  `websockets` library, following elevenlabs.md.
- `http`: the SDK's async streaming endpoint (`AsyncElevenLabs.text_to_speech`), one POST
  per sentence in order over the SDK's pooled connection, the previous sentence passed as
  `previous_text` so the prosody carries across. No socket handshake per turn; each
  sentence waits for the previous one's audio to have arrived (not played).
This is the only module that imports the `elevenlabs` SDK.

Audio is asked for in `ulaw_8000` at 8 kHz (no resampling for telephony) and decoded to
PCM16; `characters` counts the text sent, which is what ElevenLabs bills.
"""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

import httpx
from elevenlabs.client import AsyncElevenLabs
from elevenlabs.core.api_error import ApiError
from elevenlabs.types import VoiceSettings

from media_server.providers.errors import TtsError
from media_server.providers.tts.base import TtsStream
from media_server.providers.tts.elevenlabs_ws import (
    PROVIDER,
    AudioDecoder,
    ElevenLabsWsStream,
    bytes_per_second,
    output_format_for,
    stream_input_url,
)
from media_server.providers.tts.feed import SentenceByRequestStream

DEFAULT_BASE_URL = "https://api.elevenlabs.io"
DEFAULT_VOICE_SETTINGS: dict[str, Any] = {"stability": 0.5, "similarity_boost": 0.75, "speed": 1.0}


class ElevenLabsTts:
    name = PROVIDER

    def __init__(
        self,
        *,
        api_key: str,
        voice_id: str,
        model: str = "eleven_flash_v2_5",
        base_url: str | None = None,
        transport: Literal["websocket", "http"] = "websocket",
        language_code: str = "es",
        voice_settings: dict[str, Any] | None = None,
        timeout_seconds: float = 10.0,
    ) -> None:
        self._api_key = api_key
        self._voice_id = voice_id
        self._model = model
        self._base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self._transport = transport
        self._language_code = language_code
        self._voice_settings = dict(voice_settings or DEFAULT_VOICE_SETTINGS)
        self._client = AsyncElevenLabs(
            api_key=api_key, base_url=self._base_url, timeout=timeout_seconds
        )

    async def open(self, *, sample_rate: int = 8000) -> TtsStream:
        output_format = output_format_for(sample_rate)
        if self._transport == "http":
            return ElevenLabsHttpStream(
                self._client,
                voice_id=self._voice_id,
                model=self._model,
                language_code=self._language_code,
                voice_settings=VoiceSettings(**self._voice_settings),
                output_format=output_format,
            )
        query = {
            "model_id": self._model,
            "output_format": output_format,
            "language_code": self._language_code,
        }
        return await ElevenLabsWsStream.connect(
            stream_input_url(_websocket_base(self._base_url), self._voice_id, query),
            api_key=self._api_key,
            voice_settings=self._voice_settings,
            output_format=output_format,
        )


class ElevenLabsHttpStream(SentenceByRequestStream):
    def __init__(
        self,
        client: AsyncElevenLabs,
        *,
        voice_id: str,
        model: str,
        language_code: str,
        voice_settings: VoiceSettings,
        output_format: str,
    ) -> None:
        self._client = client
        self._request: dict[str, Any] = {
            "voice_id": voice_id,
            "model_id": model,
            "language_code": language_code,
            "voice_settings": voice_settings,
            "output_format": output_format,
        }
        # httpx hands out chunks of this size only: 20 ms of audio, so the SDK's 1024-byte
        # default (128 ms of mu-law) never holds the first audio back.
        self._chunk_bytes = bytes_per_second(output_format) // 50
        super().__init__(PROVIDER)

    async def _speak(self, text: str, previous: str | None) -> None:
        decode = AudioDecoder(self._request["output_format"])
        try:
            async with self._client.text_to_speech.with_raw_response.stream(
                text=text,
                previous_text=previous,
                request_options={"chunk_size": self._chunk_bytes},
                **self._request,
            ) as response:
                async for chunk in response.data:
                    self._feed.put(decode(chunk))
        except ApiError as exc:
            raise TtsError(PROVIDER, f"HTTP {exc.status_code}: {exc.body}") from exc
        except httpx.HTTPError as exc:
            raise TtsError(PROVIDER, f"request failed: {exc!r}") from exc


def _websocket_base(base_url: str) -> str:
    parts = urlsplit(base_url)
    return urlunsplit(parts._replace(scheme="wss" if parts.scheme == "https" else "ws"))
