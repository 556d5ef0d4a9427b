"""Local stand-ins for the paid providers, speaking their documented wire protocols.

The real SDKs talk to them over real sockets, so tests and benchmarks exercise the same
client code as production. The LLM fakes (`anthropic_fake`, `gemini_fake`) answer from a
`script.Script` that says what the fake model answers next.
"""
