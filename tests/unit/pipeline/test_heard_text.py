"""What the driver heard of a cut turn: whole sentences played, then words in proportion."""

from __future__ import annotations

from media_server.pipeline.speaker import heard_text

GREETING = ["¡Hola, buen día, le habla Karla de Transportes del Norte!", "¿Hablo con Juan Pérez?"]


def test_cut_between_sentences_keeps_the_first_whole():
    assert heard_text(GREETING, 1, 0, 50) == GREETING[0]


def test_cut_mid_sentence_keeps_the_words_already_played():
    half = heard_text(GREETING, 0, 50, 100)
    assert half == "¡Hola, buen día, le habla"
    assert GREETING[0].startswith(half)


def test_nothing_played_nothing_heard():
    assert heard_text(GREETING, 0, 0, 100) == ""


def test_everything_played_everything_heard():
    assert heard_text(GREETING, 2, 0, 0) == " ".join(GREETING)
