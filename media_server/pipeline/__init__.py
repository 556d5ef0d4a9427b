"""The per-call pipeline: turn-taking, the agent loop, chunking (audio stages come later)."""
