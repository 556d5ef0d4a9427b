"""Karla never says more than two sentences, and a cut never drops her question."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from media_server.pipeline.turn_cap import fit_turn
from shared.domain.sentences import count_sentences


def test_short_turns_pass_unchanged():
    assert fit_turn("Listo, quedó registrado. ¡Gracias!") == "Listo, quedó registrado. ¡Gracias!"


def test_a_long_turn_keeps_its_opening_and_its_question():
    text = "¡Hola, buen día! Le habla Karla de Transportes del Norte. ¿Hablo con Juan Pérez?"
    assert fit_turn(text) == "¡Hola, buen día! ¿Hablo con Juan Pérez?"


def test_a_long_statement_keeps_the_first_two_sentences():
    assert fit_turn("Uno. Dos. Tres.") == "Uno. Dos."


words = st.text(alphabet="abcdeñó ", min_size=1, max_size=12).filter(str.strip)


@given(st.lists(st.tuples(words, st.sampled_from([".", "?", "!"])), min_size=1, max_size=6))
def test_never_more_than_two_sentences(parts):
    text = " ".join(
        ("¿" + w.strip() + "?") if mark == "?" else (w.strip().capitalize() + mark)
        for w, mark in parts
    )
    assert count_sentences(fit_turn(text)) <= 2
