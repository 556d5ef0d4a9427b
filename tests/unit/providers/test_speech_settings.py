"""Choosing STT and TTS by configuration: keys checked at start-up, factories build them."""

from __future__ import annotations

import pytest

from media_server.providers.stt.deepgram import DeepgramStt
from media_server.providers.stt.factory import build_stt
from media_server.providers.stt.groq_whisper import GroqWhisperStt
from media_server.providers.stt.offline import OfflineStt
from media_server.providers.tts.elevenlabs import ElevenLabsTts
from media_server.providers.tts.factory import build_tts
from media_server.providers.tts.offline import OfflineTts
from shared.config import SettingsError, load_settings


def test_offline_is_the_default_and_needs_no_key():
    settings = load_settings(stt_provider="offline", tts_provider="offline")

    assert isinstance(build_stt(settings), OfflineStt)
    assert isinstance(build_tts(settings), OfflineTts)


def test_production_and_proof_of_concept_are_configuration_only():
    production = load_settings(
        stt_provider="deepgram",
        deepgram_api_key="dg",
        tts_provider="elevenlabs",
        elevenlabs_api_key="el",
        elevenlabs_voice_id="voz",
    )
    poc = load_settings(
        stt_provider="groq",
        groq_api_key="gq",
        tts_provider="elevenlabs",
        elevenlabs_api_key="el",
        elevenlabs_voice_id="voz",
        tts_model="eleven_turbo_v2_5",
    )

    assert isinstance(build_stt(production), DeepgramStt)
    assert isinstance(build_stt(poc), GroqWhisperStt)
    assert isinstance(build_tts(production), ElevenLabsTts)
    assert production.tts_model == "eleven_flash_v2_5"
    assert poc.tts_model == "eleven_turbo_v2_5"


@pytest.mark.parametrize(
    ("choice", "message"),
    [
        (
            {"stt_provider": "deepgram", "deepgram_api_key": ""},
            "STT_PROVIDER=deepgram needs DEEPGRAM_API_KEY",
        ),
        ({"stt_provider": "groq", "groq_api_key": " "}, "STT_PROVIDER=groq needs GROQ_API_KEY"),
        (
            {"tts_provider": "elevenlabs", "elevenlabs_api_key": "", "elevenlabs_voice_id": "v"},
            "TTS_PROVIDER=elevenlabs needs ELEVENLABS_API_KEY",
        ),
        (
            {"tts_provider": "elevenlabs", "elevenlabs_api_key": "el", "elevenlabs_voice_id": ""},
            "TTS_PROVIDER=elevenlabs needs ELEVENLABS_VOICE_ID",
        ),
    ],
)
def test_a_vendor_without_its_key_stops_start_up(choice: dict[str, str], message: str):
    with pytest.raises(SettingsError, match=message):
        load_settings(**choice)
