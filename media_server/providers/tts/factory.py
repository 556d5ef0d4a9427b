"""Builds the TTS provider named by configuration (`TTS_PROVIDER`).

`elevenlabs` runs the model in `TTS_MODEL`: Flash v2.5 in production, Turbo v2.5 in the
proof of concept; `offline` (the keyless default) speaks with espeak-ng when installed.
The SDK is imported only when its provider is chosen.
"""

from __future__ import annotations

from media_server.providers.tts.base import TtsProvider
from media_server.providers.tts.offline import OfflineTts
from shared.config import Settings


def build_tts(settings: Settings) -> TtsProvider:
    if settings.tts_provider == "elevenlabs":
        from media_server.providers.tts.elevenlabs import ElevenLabsTts

        return ElevenLabsTts(
            api_key=settings.elevenlabs_api_key.get_secret_value(),
            voice_id=settings.elevenlabs_voice_id,
            model=settings.tts_model,
            base_url=settings.elevenlabs_base_url,
            transport=settings.elevenlabs_transport,
        )
    return OfflineTts()
