"""The deterministic offline dialogue manager: no keys, also the fallback agent."""

from .agent import OfflineAgent

__all__ = ["OfflineAgent"]
