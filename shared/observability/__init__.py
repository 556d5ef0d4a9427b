"""Metrics and logs shared by both planes."""
