"""Agents: the offline dialogue manager and the LLM-backed ones."""
