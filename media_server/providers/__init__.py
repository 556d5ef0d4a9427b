"""Provider plug-ins per layer (stt, llm, tts), chosen by configuration."""
