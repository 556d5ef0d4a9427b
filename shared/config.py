"""One typed settings object for both planes, read from the environment (and `.env`).

Every process validates its settings at start-up through `load_settings()`, so a bad value
stops the process with one clear message instead of failing mid-call.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_FIELD_MAP: dict[str, str] = {
    "trip_id": "trip_id",
    "driver_id": "driver_id",
    "origin": "origin",
    "destination": "destination",
    "date": "date",
    "status": "status",
}


class SettingsError(RuntimeError):
    """Raised when the environment does not describe a runnable configuration."""


class Settings(BaseSettings):
    """Karla's configuration. Names map to upper-case environment variables."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    environment: Literal["dev", "test", "prod"] = "dev"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    state_dir: Path = Path(".state")

    # --- trigger API -------------------------------------------------------------------
    api_token: SecretStr = SecretStr("")
    api_rate_per_second: float = Field(5.0, gt=0)
    api_rate_burst: int = Field(20, ge=1)
    api_page_size_max: int = Field(200, ge=1)

    # --- data stores (unset: the embedded servers under state_dir) ----------------------
    database_url: str | None = None
    redis_url: str | None = None
    redis_key_prefix: str = "karla:"
    call_session_ttl_seconds: int = Field(7 * 24 * 3600, ge=60)
    idempotency_ttl_seconds: int = Field(24 * 3600, ge=60)

    # --- the client's /trips API --------------------------------------------------------
    client_api_base_url: str = "http://127.0.0.1:8081"
    client_api_token: SecretStr = SecretStr("")
    client_api_timeout_seconds: float = Field(5.0, gt=0)
    client_api_max_attempts: int = Field(3, ge=1, le=10)
    client_api_breaker_threshold: int = Field(5, ge=1)
    client_api_breaker_reset_seconds: float = Field(30.0, gt=0)
    client_api_field_map: Annotated[dict[str, str], NoDecode] = Field(
        default_factory=lambda: dict(DEFAULT_FIELD_MAP)
    )

    # --- speech (production: Deepgram Nova-2 + ElevenLabs Flash; PoC: Groq + Turbo) ------
    # A chosen vendor needs its key (checked below). Base URLs point the SDKs at the local
    # fakes in tests and benchmarks; unset means the vendor's own endpoint.
    deepgram_api_key: SecretStr = SecretStr("")
    deepgram_base_url: str | None = None  # ws://host:port, no path
    deepgram_model: str = "nova-2"
    groq_api_key: SecretStr = SecretStr("")
    groq_base_url: str | None = None  # http://host:port, no path (the SDK adds /openai/v1)
    groq_model: str = "whisper-large-v3-turbo"
    elevenlabs_api_key: SecretStr = SecretStr("")
    elevenlabs_base_url: str | None = None  # http(s)://host:port; its sockets use ws(s)
    elevenlabs_voice_id: str = ""
    elevenlabs_transport: Literal["websocket", "http"] = "websocket"
    tts_model: str = "eleven_flash_v2_5"  # proof of concept: eleven_turbo_v2_5

    # --- conversation -------------------------------------------------------------------
    llm_provider: Literal["offline", "anthropic", "gemini", "loadtest"] = "offline"
    stt_provider: Literal["offline", "deepgram", "groq", "loadtest"] = "offline"
    tts_provider: Literal["offline", "elevenlabs", "loadtest"] = "offline"
    timezone: str = "America/Mexico_City"
    company_name: str = "Transportes del Norte"
    agent_name: str = "Karla"
    max_sentences_per_turn: int = Field(2, ge=1, le=2)
    max_turns_per_call: int = Field(30, ge=4)

    # --- LLM agents (production: Anthropic; proof of concept: Gemini) --------------------
    # A configured LLM runs behind a FallbackAgent: the offline agent answers any turn the
    # provider fails, is too slow to start, or is shut out by the breaker.
    anthropic_api_key: SecretStr = SecretStr("")
    anthropic_base_url: str | None = None  # unset: the SDK's default endpoint
    anthropic_model: str = "claude-haiku-4-5-20251001"  # the snapshot, not the moving alias
    gemini_api_key: SecretStr = SecretStr("")
    gemini_base_url: str | None = None
    gemini_model: str = "gemini-2.5-flash"
    llm_timeout_seconds: float = Field(10.0, gt=0)  # SDK timeout (connect, each read)
    llm_first_token_timeout_seconds: float = Field(2.0, gt=0)  # then the turn falls back
    llm_max_context_messages: int = Field(40, ge=4)
    llm_breaker_threshold: int = Field(3, ge=1)
    llm_breaker_reset_seconds: float = Field(30.0, gt=0)

    # --- RingCentral telephony (ringcentral.md; locally the telephony emulator) ----------
    # Checked by RingCentralClient.from_settings, so only the processes that dial need them.
    ringcentral_server_url: str = "https://platform.ringcentral.com"
    ringcentral_client_id: str = ""
    ringcentral_client_secret: SecretStr = SecretStr("")
    ringcentral_jwt: SecretStr = SecretStr("")  # the Developer Console JWT credential
    ringcentral_bridge_device_id: str = ""  # the media bridge's device: call-out's from.deviceId
    ringcentral_from_number: str = ""  # Karla's number, E.164
    ringcentral_transfer_target: str = ""  # the human queue's extension number
    ringcentral_webhook_url: str = ""  # where telephony-session events are delivered
    ringcentral_webhook_verification_token: SecretStr = SecretStr("")

    # --- media server (the telephony WebSockets; `python -m media_server`) ---------------
    # Media tokens are HMAC-signed with this secret, shared by the dispatcher that issues
    # them and every media-server instance that may take (or resume) the call.
    media_host: str = "127.0.0.1"
    media_port: int = Field(8090, ge=0, le=65535)
    media_token_secret: SecretStr = SecretStr("")
    media_token_ttl_seconds: int = Field(2 * 3600, ge=60)
    media_silence_timeout_seconds: float = Field(6.0, gt=0)  # then Karla asks "¿me escucha?"
    media_drain_seconds: float = Field(30.0, ge=0)  # graceful shutdown: live calls may finish
    # Benchmark aid ONLY: accept `loadtest:<id>` tokens, each with a fresh in-memory session.
    media_accept_unbound_tokens_for_loadtest: bool = False
    # Artificial provider latencies of the `loadtest` providers (vendor-claimed figures).
    loadtest_stt_latency_ms: float = Field(0.0, ge=0)
    loadtest_llm_first_token_ms: float = Field(0.0, ge=0)
    loadtest_tts_first_byte_ms: float = Field(0.0, ge=0)

    # --- control plane: dispatcher, scheduler, telephony webhook ------------------------
    # The SQS queue; empty: the local Redis queue. Locally boto3 reaches moto through its
    # own AWS_ENDPOINT_URL variable.
    dispatch_queue_url: str = ""
    calling_window_start: dt.time = dt.time(8, 0)  # the default window, in TIMEZONE
    calling_window_end: dt.time = dt.time(20, 0)
    dial_rate_per_second: float = Field(10 / 60, gt=0)  # RingCentral Heavy group: 10/min
    dial_rate_burst: int = Field(2, ge=1)
    dial_timeout_seconds: int = Field(180, ge=30)  # no verdict from telephony: the sweep acts
    media_attach_timeout_seconds: int = Field(120, ge=10)  # answered, no media socket
    dispatch_stale_seconds: int = Field(3600, ge=60)  # queued this long: send it again

    @field_validator("client_api_field_map", mode="before")
    @classmethod
    def _parse_field_map(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError as exc:
                raise ValueError(f"CLIENT_API_FIELD_MAP is not JSON: {exc.msg}") from exc
        if not isinstance(value, dict):
            raise ValueError("CLIENT_API_FIELD_MAP must be a JSON object")
        merged = dict(DEFAULT_FIELD_MAP)
        unknown = set(value) - set(DEFAULT_FIELD_MAP)
        if unknown:
            raise ValueError(f"CLIENT_API_FIELD_MAP names unknown fields: {sorted(unknown)}")
        merged.update({str(k): str(v) for k, v in value.items()})
        return merged

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _llm_key_present(self) -> Settings:
        """A provider without its key would only fail on the first call; stop at start-up."""
        keys = {"anthropic": self.anthropic_api_key, "gemini": self.gemini_api_key}
        key = keys.get(self.llm_provider)
        if key is not None and not key.get_secret_value().strip():
            raise ValueError(
                f"LLM_PROVIDER={self.llm_provider} needs {self.llm_provider.upper()}_API_KEY "
                "(or set LLM_PROVIDER=offline)"
            )
        return self

    @model_validator(mode="after")
    def _speech_keys_present(self) -> Settings:
        """A speech vendor without its key or voice would fail the first call; stop now."""
        needs = {
            "STT_PROVIDER=deepgram": {"DEEPGRAM_API_KEY": self.deepgram_api_key},
            "STT_PROVIDER=groq": {"GROQ_API_KEY": self.groq_api_key},
            "TTS_PROVIDER=elevenlabs": {
                "ELEVENLABS_API_KEY": self.elevenlabs_api_key,
                "ELEVENLABS_VOICE_ID": SecretStr(self.elevenlabs_voice_id),
            },
        }
        chosen = {f"STT_PROVIDER={self.stt_provider}", f"TTS_PROVIDER={self.tts_provider}"}
        missing = [
            f"{choice} needs {name} (or set {choice.split('=')[0]}=offline)"
            for choice in sorted(chosen & needs.keys())
            for name, value in needs[choice].items()
            if not value.get_secret_value().strip()
        ]
        if missing:
            raise ValueError("; ".join(missing))
        return self


def load_settings(**overrides: object) -> Settings:
    """Build and validate settings; turn pydantic's report into one readable error."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']).upper() or 'settings'}: {err['msg']}"
            for err in exc.errors()
        )
        raise SettingsError(f"invalid configuration: {problems}") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, validated once."""
    return load_settings()
