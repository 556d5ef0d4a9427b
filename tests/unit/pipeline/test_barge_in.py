"""Karla yields to a real interruption only: not to "ajá", a cough, or her own echo."""

from __future__ import annotations

import pytest

from media_server.audio.vad import VadEvent
from media_server.pipeline.barge_in import BargeInPolicy, Verdict, is_backchannel, is_echo_of
from media_server.pipeline.turns import words_of

KARLA_NOW = set(words_of("Le llamo para confirmar su viaje de Toluca a Morelia, ayer lunes 23."))


def voiced(policy: BargeInPolicy, frames: int, *, echo: bool = False) -> list[Verdict]:
    verdicts = []
    for n in range(frames):
        decision = policy.on_frame(True, echo, VadEvent.SPEECH_START if n == 0 else None)
        if decision is not None:
            verdicts.append(decision.verdict)
    return verdicts


@pytest.mark.parametrize(
    "text", ["ajá", "Mhm.", "sí", "Sí, sí.", "ok", "Órale.", "ándale", "ajá, sí"]
)
def test_backchannels(text):
    assert is_backchannel(text)


@pytest.mark.parametrize("text", ["no", "Sí, soy yo.", "espere", "ajá, pero no fue ayer"])
def test_not_backchannels(text):
    assert not is_backchannel(text)


def test_a_backchannel_does_not_cut_karla_off():
    policy = BargeInPolicy()
    voiced(policy, 20)
    decision = policy.on_transcript("Ajá, sí.", KARLA_NOW)
    assert decision is not None and decision.verdict is Verdict.BACKCHANNEL


def test_her_own_words_coming_back_are_echo():
    policy = BargeInPolicy()
    voiced(policy, 20)
    decision = policy.on_transcript("su viaje de Toluca", KARLA_NOW)
    assert decision is not None and decision.verdict is Verdict.ECHO
    assert is_echo_of("de Toluca a Morelia", KARLA_NOW)
    assert not is_echo_of("no, fue a Morelia no", KARLA_NOW)


def test_echo_frames_do_not_count_as_the_driver_speaking():
    policy = BargeInPolicy(min_voiced_ms=240)
    voiced(policy, 50, echo=True)
    assert policy.on_transcript("oiga una cosa", KARLA_NOW) is None


def test_a_cough_without_words_is_noise_and_nothing_stops():
    policy = BargeInPolicy(words_within_ms=600)
    verdicts = voiced(policy, 15)  # 300 ms of voiced noise
    for _ in range(30):
        decision = policy.on_frame(False, False, None)
        if decision is not None:
            verdicts.append(decision.verdict)
    assert verdicts == [Verdict.NOISE]


def test_real_words_over_enough_voice_cut_her_off():
    policy = BargeInPolicy(min_voiced_ms=240)
    voiced(policy, 20)
    decision = policy.on_transcript("No, espere, fue a Celaya", KARLA_NOW)
    assert decision is not None
    assert (decision.verdict, decision.text) == (Verdict.BARGE_IN, "No, espere, fue a Celaya")


def test_early_words_wait_for_enough_voice():
    policy = BargeInPolicy(min_voiced_ms=240)
    voiced(policy, 3)
    assert policy.on_transcript("no espere", KARLA_NOW) is None
    verdicts = voiced_more(policy, 12)
    assert verdicts == [Verdict.BARGE_IN]


def voiced_more(policy: BargeInPolicy, frames: int) -> list[Verdict]:
    verdicts = []
    for _ in range(frames):
        decision = policy.on_frame(True, False, None)
        if decision is not None:
            verdicts.append(decision.verdict)
    return verdicts
