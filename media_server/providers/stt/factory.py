"""Builds the STT provider named by configuration (`STT_PROVIDER`).

`deepgram` is production, `groq` the proof of concept, `offline` the keyless default for
the demo and the tests. Each vendor SDK is imported only when its provider is chosen, so
offline runs never load one. Build one provider per call when it is `offline`: its
`channel` belongs to that call's simulated driver.
"""

from __future__ import annotations

from media_server.providers.stt.base import SttProvider
from media_server.providers.stt.offline import OfflineStt
from shared.config import Settings


def build_stt(settings: Settings) -> SttProvider:
    if settings.stt_provider == "deepgram":
        from media_server.providers.stt.deepgram import DeepgramStt

        return DeepgramStt(
            api_key=settings.deepgram_api_key.get_secret_value(),
            base_url=settings.deepgram_base_url,
            model=settings.deepgram_model,
        )
    if settings.stt_provider == "groq":
        from media_server.providers.stt.groq_whisper import GroqWhisperStt

        return GroqWhisperStt(
            api_key=settings.groq_api_key.get_secret_value(),
            base_url=settings.groq_base_url,
            model=settings.groq_model,
        )
    return OfflineStt()
