"""Cost of a call from what it used, at the providers' list prices (USD).

Prices are the public sticker prices this estimate was seeded with (Deepgram Nova-2
streaming, Claude Haiku 4.5, ElevenLabs Flash v2.5 per character at the volume tier,
RingCentral per minute); offline providers cost nothing. Update them here, in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from shared.domain.session import Usage


@dataclass(frozen=True)
class PriceList:
    stt_per_second: Decimal
    llm_input_per_token: Decimal
    llm_output_per_token: Decimal
    llm_cache_read_per_token: Decimal
    llm_cache_write_per_token: Decimal
    tts_per_character: Decimal
    telephony_per_second: Decimal


_PER_MTOK = Decimal(1_000_000)

STT_PRICES = {"deepgram": Decimal("0.0058") / 60, "groq": Decimal("0.04") / 3600}
LLM_PRICES = {  # input, output, cache read, cache write; per million tokens
    "anthropic": (Decimal("1.00"), Decimal("5.00"), Decimal("0.10"), Decimal("1.25")),
    "gemini": (Decimal("0.30"), Decimal("2.50"), Decimal("0.075"), Decimal("0.30")),
}
TTS_PRICES = {"elevenlabs": Decimal("0.00005")}
TELEPHONY_PER_SECOND = Decimal("0.0038") / 60


def price_list(stt: str, llm: str, tts: str, *, telephony: bool = True) -> PriceList:
    llm_in, llm_out, cache_read, cache_write = LLM_PRICES.get(llm, (Decimal(0),) * 4)
    return PriceList(
        stt_per_second=STT_PRICES.get(stt, Decimal(0)),
        llm_input_per_token=llm_in / _PER_MTOK,
        llm_output_per_token=llm_out / _PER_MTOK,
        llm_cache_read_per_token=cache_read / _PER_MTOK,
        llm_cache_write_per_token=cache_write / _PER_MTOK,
        tts_per_character=TTS_PRICES.get(tts, Decimal(0)),
        telephony_per_second=TELEPHONY_PER_SECOND if telephony else Decimal(0),
    )


def estimate_cost(usage: Usage, prices: PriceList, call_seconds: float = 0.0) -> Decimal:
    """USD for one call, rounded to 1/100,000 of a dollar (the audit column's scale)."""
    total = (
        Decimal(str(usage.stt_audio_seconds)) * prices.stt_per_second
        + usage.llm_input_tokens * prices.llm_input_per_token
        + usage.llm_output_tokens * prices.llm_output_per_token
        + usage.llm_cache_read_tokens * prices.llm_cache_read_per_token
        + usage.llm_cache_write_tokens * prices.llm_cache_write_per_token
        + usage.tts_characters * prices.tts_per_character
        + Decimal(str(call_seconds)) * prices.telephony_per_second
    )
    return total.quantize(Decimal("0.00001"), rounding=ROUND_HALF_UP)
