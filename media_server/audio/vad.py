"""Voice activity on the caller's audio: when the driver starts and stops talking.

Two small pieces, each testable alone. `Hangover` turns noisy per-frame voiced/unvoiced
decisions into speech start/end events: one click or a breath must not start a turn (nor
barge in on Karla), and the pause between two words must not end one. `VoiceActivity` feeds
it with webrtcvad's decision on each 8 kHz 20 ms frame, gated by an energy floor, because
webrtcvad adapts to the line and calls faint hiss "speech" for its first frames.

Pure state machines over frames with no clock: N frames are N x 20 ms of audio, which is
what makes them reproducible in tests and identical under load.
"""

from __future__ import annotations

import enum

import webrtcvad

from media_server.audio import PCM16_FRAME_BYTES, SAMPLE_RATE
from media_server.audio._audioop import audioop
from media_server.audio.codec import FULL_SCALE


class VadEvent(enum.Enum):
    SPEECH_START = "speech_start"
    SPEECH_END = "speech_end"


class Hangover:
    """Speech starts after `start_frames` voiced frames in a row, ends after `end_frames`
    unvoiced frames in a row; each event is reported on the frame that completes the run.
    """

    def __init__(self, start_frames: int = 3, end_frames: int = 25) -> None:
        if start_frames < 1 or end_frames < 1:
            raise ValueError("start_frames and end_frames must be at least 1")
        self.start_frames = start_frames
        self.end_frames = end_frames
        self._in_speech = False
        self._run = 0  # consecutive frames that disagree with the current state

    @property
    def in_speech(self) -> bool:
        return self._in_speech

    def push(self, voiced: bool) -> VadEvent | None:
        if voiced == self._in_speech:
            self._run = 0
            return None
        self._run += 1
        if self._run < (self.end_frames if self._in_speech else self.start_frames):
            return None
        self._run = 0
        self._in_speech = voiced
        return VadEvent.SPEECH_START if voiced else VadEvent.SPEECH_END


class VoiceActivity:
    """One caller's VAD: `push` each 20 ms PCM16 8 kHz frame, act on the events.

    SPEECH_START is reported `start_frames` frames after the speech began (the pipeline keeps
    that much audio to hand to STT); SPEECH_END `end_frames` frames after it stopped.
    """

    def __init__(
        self,
        *,
        aggressiveness: int = 2,
        start_frames: int = 3,
        end_frames: int = 25,
        energy_floor_dbfs: float = -50.0,
    ) -> None:
        self._vad = webrtcvad.Vad(aggressiveness)  # raises ValueError outside 0..3
        self._hangover = Hangover(start_frames, end_frames)
        # Compare raw RMS against a precomputed threshold: no logarithm per frame.
        self._floor_rms = FULL_SCALE * 10.0 ** (energy_floor_dbfs / 20.0)

    @property
    def in_speech(self) -> bool:
        return self._hangover.in_speech

    def is_voiced(self, frame: bytes) -> bool:
        """The raw decision for one frame, before smoothing."""
        if len(frame) != PCM16_FRAME_BYTES:
            raise ValueError(f"VAD takes {PCM16_FRAME_BYTES}-byte frames, got {len(frame)}")
        if audioop.rms(frame, 2) < self._floor_rms:
            return False
        voiced: bool = self._vad.is_speech(frame, SAMPLE_RATE)
        return voiced

    def push(self, frame: bytes) -> VadEvent | None:
        return self._hangover.push(self.is_voiced(frame))
