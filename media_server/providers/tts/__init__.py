"""Text to speech: one module per vendor behind `TtsProvider`."""
