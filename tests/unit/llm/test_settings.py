"""Choosing an LLM provider: its key is required, and the factory wires the fallback."""

from __future__ import annotations

import pytest

from media_server.providers.llm.anthropic_agent import AnthropicAgent
from media_server.providers.llm.factory import build_agent
from media_server.providers.llm.fallback import FallbackAgent
from media_server.providers.llm.gemini_agent import GeminiAgent
from media_server.providers.llm.offline import OfflineAgent
from shared.config import SettingsError, load_settings


@pytest.mark.parametrize("provider", ["anthropic", "gemini"])
def test_a_provider_without_its_key_stops_at_start_up(provider):
    with pytest.raises(SettingsError, match=f"{provider.upper()}_API_KEY"):
        load_settings(llm_provider=provider, anthropic_api_key="", gemini_api_key="")


def test_offline_needs_no_key_and_builds_the_offline_agent():
    settings = load_settings(llm_provider="offline", anthropic_api_key="", gemini_api_key="")

    assert isinstance(build_agent(settings), OfflineAgent)


@pytest.mark.parametrize(
    ("provider", "agent_type"), [("anthropic", AnthropicAgent), ("gemini", GeminiAgent)]
)
def test_an_llm_provider_runs_behind_the_offline_fallback(provider, agent_type):
    settings = load_settings(llm_provider=provider, **{f"{provider}_api_key": "test-key"})

    agent = build_agent(settings)

    assert isinstance(agent, FallbackAgent)
    assert isinstance(agent._primary, agent_type)
    assert isinstance(agent._fallback, OfflineAgent)
    assert agent.name == provider
