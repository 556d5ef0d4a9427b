"""Builds the agent named by configuration (`LLM_PROVIDER`)."""

from __future__ import annotations

from media_server.pipeline.agent import Agent
from shared.config import Settings

from .offline import OfflineAgent


def build_agent(settings: Settings) -> Agent:
    return OfflineAgent(company=settings.company_name, agent_name=settings.agent_name)
