"""Audio on the wire: PCM16 / mu-law at 8 kHz mono in 20 ms frames, and what converts it."""

SAMPLE_RATE = 8000
FRAME_MS = 20
SAMPLES_PER_FRAME = SAMPLE_RATE * FRAME_MS // 1000  # 160
PCM16_FRAME_BYTES = SAMPLES_PER_FRAME * 2  # 320
MULAW_FRAME_BYTES = SAMPLES_PER_FRAME  # 160
