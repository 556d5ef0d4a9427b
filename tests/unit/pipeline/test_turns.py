"""The driver's turn ends when he is done, not at his first pause."""

from __future__ import annotations

import pytest

from media_server.audio.vad import VadEvent
from media_server.pipeline.turns import (
    DriverSilent,
    FinalizeStt,
    TurnEnded,
    TurnManager,
    sounds_unfinished,
)
from media_server.providers.stt.base import Transcript


class Line:
    """Drives a TurnManager as the listener would: frames, VAD events, transcripts."""

    def __init__(self, **settings: int) -> None:
        self.turns = TurnManager(**settings)
        self.signals: list[object] = []

    def speak(self, frames: int) -> None:
        self.signals += self.turns.on_frame(True, VadEvent.SPEECH_START)
        for _ in range(frames - 1):
            self.signals += self.turns.on_frame(True, None)

    def pause(self, frames: int, *, vad_end_after: int | None = 25) -> None:
        for n in range(1, frames + 1):
            event = VadEvent.SPEECH_END if n == vad_end_after else None
            self.signals += self.turns.on_frame(False, event)

    def final(self, text: str, *, speech_final: bool = True) -> None:
        self.signals += self.turns.on_transcript(Transcript(text, True, speech_final))

    def ended(self) -> list[TurnEnded]:
        return [s for s in self.signals if isinstance(s, TurnEnded)]


@pytest.mark.parametrize(
    "text",
    ["el", "de", "Salí de Monterrey el", "fue el día", "el dos mil", "treinta y", "este...", "a,"],
)
def test_a_transcript_that_stops_mid_phrase_sounds_unfinished(text):
    assert sounds_unfinished(text)


@pytest.mark.parametrize("text", ["Sí, soy yo.", "el veintidós", "De Monterrey.", "No.", ""])
def test_a_complete_answer_does_not(text):
    assert not sounds_unfinished(text)


def test_a_complete_answer_ends_the_turn_as_soon_as_the_final_arrives():
    line = Line()
    line.speak(40)
    line.pause(25)  # VAD ends the utterance on the 25th silent frame
    assert isinstance(line.signals[-1], FinalizeStt)
    line.final("Sí, soy yo.")
    (turn,) = line.ended()
    assert turn.text == "Sí, soy yo."
    assert (turn.started_ms, turn.ended_ms) == (
        0,
        40 * 20,
    )  # from its first to its last voiced frame


def test_a_driver_who_pauses_after_el_gets_time_to_say_the_date():
    line = Line(unfinished_grace_ms=1500)
    line.speak(30)
    line.pause(25)
    line.final("Salí el")
    line.pause(20, vad_end_after=None)  # 900 ms of silence so far: still his turn
    assert line.ended() == []
    line.speak(30)
    line.pause(25)
    line.final("veintidós de noviembre.")
    (turn,) = line.ended()
    assert turn.text == "Salí el veintidós de noviembre."


def test_an_unfinished_phrase_still_ends_after_the_grace_period():
    line = Line(unfinished_grace_ms=1500)
    line.speak(30)
    line.pause(25)
    line.final("De")
    line.pause(50, vad_end_after=None)
    (turn,) = line.ended()
    assert turn.text == "De"


def test_the_provider_may_end_the_turn_before_our_vad_does():
    line = Line()
    line.speak(40)
    line.pause(10, vad_end_after=None)  # 200 ms: our VAD's hangover still runs
    line.final("Sí, así es.")
    assert [t.text for t in line.ended()] == ["Sí, así es."]


def test_without_the_final_the_turn_waits_then_ends_on_what_was_heard():
    line = Line(final_timeout_ms=1000)
    line.speak(30)
    line.signals += line.turns.on_transcript(Transcript("ya llegué", False))
    line.pause(25)
    assert line.ended() == []
    line.pause(60, vad_end_after=None)
    assert [t.text for t in line.ended()] == ["ya llegué"]


def test_a_cough_with_no_words_is_no_turn():
    line = Line()
    line.speak(10)
    line.pause(25)
    line.final("")
    line.pause(50, vad_end_after=None)
    assert line.ended() == []


def test_silence_after_karla_asks_is_reported_once():
    line = Line(silence_timeout_ms=1000)
    line.turns.listen()
    line.pause(49, vad_end_after=None)
    assert not any(isinstance(s, DriverSilent) for s in line.signals)
    line.pause(200, vad_end_after=None)
    assert sum(isinstance(s, DriverSilent) for s in line.signals) == 1


def test_no_silence_is_counted_while_karla_holds_the_turn():
    line = Line(silence_timeout_ms=1000)
    line.turns.listen()
    line.turns.hold()
    line.pause(200, vad_end_after=None)
    assert not any(isinstance(s, DriverSilent) for s in line.signals)
