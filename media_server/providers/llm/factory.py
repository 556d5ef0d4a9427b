"""Builds the agent named by configuration (`LLM_PROVIDER`).

`offline` is the deterministic dialogue manager alone. `anthropic` (production) and `gemini`
(proof of concept) put that LLM in front of the offline agent through a FallbackAgent, so a
provider fault costs a turn's quality, never the call. Each SDK is imported only when its
provider is chosen: offline runs (the demo, CI) never load either.
"""

from __future__ import annotations

from media_server.pipeline.agent import Agent
from shared.config import Settings

from .fallback import FallbackAgent
from .offline import OfflineAgent


def build_agent(settings: Settings) -> Agent:
    offline = OfflineAgent(company=settings.company_name, agent_name=settings.agent_name)
    primary: Agent
    if settings.llm_provider == "anthropic":
        from .anthropic_agent import AnthropicAgent

        primary = AnthropicAgent.from_settings(settings)
    elif settings.llm_provider == "gemini":
        from .gemini_agent import GeminiAgent

        primary = GeminiAgent.from_settings(settings)
    else:
        return offline
    return FallbackAgent(
        primary,
        offline,
        breaker_threshold=settings.llm_breaker_threshold,
        breaker_reset_seconds=settings.llm_breaker_reset_seconds,
        first_event_timeout_seconds=settings.llm_first_token_timeout_seconds,
    )
