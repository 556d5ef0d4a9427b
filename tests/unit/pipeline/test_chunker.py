"""Sentences reach TTS as soon as they are complete, and the two-sentence cap still holds."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from media_server.pipeline.chunker import SentenceChunker
from media_server.pipeline.turn_cap import fit_turn

TRIP = "Le llamo para confirmar su viaje de Monterrey, N.L. a Guadalajara, Jal. ¿Es correcto?"


def feed_all(chunker: SentenceChunker, deltas: list[str]) -> list[list[str]]:
    return [chunker.feed(delta) for delta in deltas]


def test_the_first_sentence_is_released_while_the_agent_is_still_writing():
    chunker = SentenceChunker()
    released = feed_all(chunker, ["¡Hola, buen", " día! ", "¿Hablo con", " Juan Pérez?"])
    assert released == [[], [], ["¡Hola, buen día!"], []]
    assert chunker.finish() == ["¿Hablo con Juan Pérez?"]
    assert chunker.text == "¡Hola, buen día! ¿Hablo con Juan Pérez?"


def test_an_abbreviation_is_not_taken_for_the_end_of_a_sentence():
    chunker = SentenceChunker()
    released = feed_all(chunker, list(TRIP))
    assert all(not batch for batch in released[: TRIP.index("¿")])
    assert chunker.released == [TRIP[: TRIP.index(" ¿")]]
    assert chunker.finish() == ["¿Es correcto?"]


def test_a_long_turn_keeps_its_opening_and_its_final_question():
    chunker = SentenceChunker()
    feed_all(chunker, ["Perfecto. ", "Ya lo anoté. ", "Quedó en el sistema. ", "¿Algo más?"])
    assert chunker.released == ["Perfecto."]
    assert chunker.finish() == ["¿Algo más?"]


def test_a_long_turn_without_a_question_stops_after_two_sentences():
    chunker = SentenceChunker()
    feed_all(chunker, ["Perfecto. Ya lo anoté. Quedó en el sistema. Buen viaje."])
    assert chunker.finish() == ["Ya lo anoté."]
    assert chunker.text == "Perfecto. Ya lo anoté."


def test_agent_rounds_are_joined_with_a_space():
    chunker = SentenceChunker()
    chunker.new_part()
    chunker.feed("Perfecto.")
    chunker.new_part()
    chunker.feed("Listo, quedó confirmado.")
    assert chunker.finish() == ["Listo, quedó confirmado."]
    assert chunker.text == "Perfecto. Listo, quedó confirmado."


def test_with_a_one_sentence_cap_nothing_is_released_before_the_end():
    chunker = SentenceChunker(limit=1)
    assert chunker.feed("Perfecto. Ya quedó. ") == []
    chunker.feed("¿Algo más?")
    assert chunker.finish() == ["¿Algo más?"]


sentence = st.sampled_from(
    [
        "Perfecto.",
        "¿Es correcto?",
        "¡Gracias y buen camino!",
        "Salió de Monterrey, N.L. el lunes.",
        "Le habla Karla.",
        "¿Me repite la fecha?",
        "Ya quedó registrado el viaje a Saltillo, Coah.",
    ]
)


@given(st.lists(sentence, min_size=1, max_size=5), st.data(), st.integers(1, 2))
def test_streaming_says_exactly_what_the_cap_keeps(sentences, data, limit):
    text = " ".join(sentences)
    cuts = sorted(data.draw(st.sets(st.integers(1, max(1, len(text) - 1)), max_size=12)))
    deltas = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
    chunker = SentenceChunker(limit)
    spoken = [s for delta in deltas for s in chunker.feed(delta)] + chunker.finish()
    assert " ".join(spoken) == fit_turn(text, limit)
