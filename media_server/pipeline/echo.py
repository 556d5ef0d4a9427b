"""Is what the driver's line carries right now Karla's own voice coming back?

On a speakerphone (most drivers, in the cab) Karla's audio leaves the phone's loudspeaker
and re-enters its microphone a little later and quieter. Carriers' echo cancellers leave
some of it, and a voice agent that takes it for the driver interrupts itself.

Echo is Karla's waveform through a (roughly linear) path: a delay, a loss, some colouring.
So the guard cross-correlates the last 400 ms of inbound audio with the last 800 ms of what
Karla sent, with the phase transform (GCC-PHAT, the classic delay estimator of echo
cancellers): every frequency weighs the same, so the correlation peaks sharply at the echo
path's delay whatever the voice's spectrum, while two unrelated voices (the driver talking
over her) leave no peak. Loudness envelopes are not enough: speech has a 4-5 Hz syllable
rhythm, so any two voices line up at some delay now and then.

Calling the driver an echo would cut his turn short, which is worse than missing an echo
(a barge-in still needs words that are not Karla's), so the verdict leans towards "not
echo": a peak must stand out in `confirmations` analyses in a row, with the inbound quieter
than Karla by `min_loss_db`; once found, echo is let go after `releases` analyses without
it (her quieter syllables sink into the cab's noise, the echo path does not go away).

Double talk, the driver speaking over her echo, still shows her peak; it is told by level:
the path's loss is learnt while only her echo comes back (at the delay found), and inbound
audio louder than that by `double_talk_db` is the driver, at once.

One analysis (three FFTs of 8192 points, ~0.2 ms) runs every `every_frames` frames, and
only when the pipeline asks: while Karla is audible and the driver's line carries voice.
Echo is recognised within about a second of her voice; until then a barge-in still needs
words that are not hers.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from media_server.audio import SAMPLE_RATE, SAMPLES_PER_FRAME
from media_server.audio._audioop import audioop

BAND_HZ = (200.0, 3600.0)  # where telephone speech has energy; other bins are only noise


class EchoGuard:
    def __init__(
        self,
        *,
        window_frames: int = 20,
        reference_frames: int = 40,
        every_frames: int = 5,
        min_peak: float = 0.25,
        min_loss_db: float = 3.0,
        confirmations: int = 2,
        releases: int = 3,
        double_talk_db: float = 6.0,
    ) -> None:
        self._window = window_frames
        self._inbound: deque[bytes] = deque(maxlen=window_frames)
        self._reference: deque[bytes] = deque(maxlen=reference_frames)
        self._every = every_frames
        self._min_peak = min_peak
        self._min_loss = min_loss_db
        self._confirmations = confirmations
        self._releases = releases
        self._double_talk = double_talk_db
        self._path_loss: float | None = None  # Karla's level minus her echo's, once heard
        self._delay: int | None = None  # the echo path's delay in samples, once found
        self._size = 1 << math.ceil(
            math.log2((window_frames + reference_frames) * SAMPLES_PER_FRAME)
        )
        hz = np.fft.rfftfreq(self._size, 1 / SAMPLE_RATE)
        self._band = (hz >= BAND_HZ[0]) & (hz <= BAND_HZ[1])
        self._ticks = 0
        self._hits = 0  # analyses in a row that found Karla in the inbound audio
        self._misses = 0  # ... that did not
        self._verdict = False

    def karla_sent(self, frame: bytes) -> None:
        """One of Karla's frames left for the driver's phone."""
        self._reference.append(frame)

    def karla_silent(self) -> None:
        """Karla has been quiet for a while: what she said before can no longer come back,
        and her next words start a new timeline (the pacer sends nothing between turns)."""
        self._reference.clear()

    def observe(self, frame: bytes) -> None:
        """One inbound frame from the driver's line."""
        self._inbound.append(frame)

    def is_echo(self) -> bool:
        """Whether the recent inbound audio is Karla's, delayed (re-analysed every few calls)."""
        self._ticks += 1
        if self._ticks % self._every == 0 or self._ticks == 1:
            self._analyse()
        return self._verdict

    def _analyse(self) -> None:
        if len(self._inbound) < self._window // 2 or not self._reference:
            return
        inbound = b"".join(self._inbound)
        reference = b"".join(self._reference)
        heard = _level(inbound)
        if self._path_loss is not None and self._delay is not None:
            loss = _level(self._aligned(reference, len(inbound), self._delay)) - heard
            if loss < self._path_loss - self._double_talk:
                # Much louder than her echo has been: the driver is talking over her.
                self._hits, self._misses, self._verdict = 0, self._releases, False
                return
        delay = self._delay_of(inbound, reference)
        found = False
        if delay is not None:
            loss = _level(self._aligned(reference, len(inbound), delay)) - heard
            found = loss >= self._min_loss  # echo comes back quieter than it left
        if found:
            assert delay is not None
            self._delay = delay
            self._path_loss = loss if self._path_loss is None else max(loss, self._path_loss - 0.5)
        self._hits = self._hits + 1 if found else 0
        self._misses = 0 if found else self._misses + 1
        if self._hits >= self._confirmations:
            self._verdict = True
        elif self._misses >= self._releases:
            self._verdict = False

    def _delay_of(self, inbound: bytes, reference: bytes) -> int | None:
        """GCC-PHAT: the delay (in samples) at which the inbound holds Karla's waveform."""
        x = np.fft.rfft(np.frombuffer(inbound, dtype=np.int16), self._size)
        y = np.fft.rfft(np.frombuffer(reference, dtype=np.int16), self._size)
        cross = x * np.conj(y)
        magnitude = np.abs(cross)
        usable = self._band & (magnitude > 1e-6)
        cross = np.divide(cross, magnitude, out=np.zeros_like(cross), where=usable)
        # Scaled so that a clean delayed copy peaks at 1 and unrelated audio stays near 0.
        correlation = np.fft.irfft(cross, self._size) * self._size / max(int(usable.sum()), 1) / 2
        # Lag k = delay - (reference length - inbound length), for delays 0 .. that span.
        span = (len(reference) - len(inbound)) // 2
        lags = np.concatenate([correlation[self._size - span :], correlation[:1]])
        best = int(np.argmax(lags))
        return best if lags[best] >= self._min_peak else None

    @staticmethod
    def _aligned(reference: bytes, length: int, delay: int) -> bytes:
        """The part of Karla's audio that, `delay` samples later, is the inbound window."""
        end = len(reference) - 2 * delay
        return reference[max(0, end - length) : end]


def _level(pcm16: bytes) -> float:
    rms = audioop.rms(pcm16, 2)
    return 20.0 * math.log10(rms) if rms else -math.inf
