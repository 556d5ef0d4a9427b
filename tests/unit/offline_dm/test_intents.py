"""How drivers answer: slang yes/no, urgent intents first."""

from __future__ import annotations

import pytest

from media_server.providers.llm.offline.intents import Intent, classify


@pytest.mark.parametrize(
    "line",
    [
        "Sí.",
        "Simón",
        "Sale pues",
        "Ándale, así quedó",
        "Ajá",
        "Yo mero",
        "A la orden",
        "Correcto",
        "Así es",
        "Claro que sí",
        "Ok",
        "Eso mero",
        "Sip",
    ],
)
def test_yes_in_many_forms(line):
    assert classify(line) is Intent.YES


@pytest.mark.parametrize("line", ["No.", "Nel", "N'ombre", "Para nada", "No, nada más"])
def test_no_in_many_forms(line):
    assert classify(line) is Intent.NO


@pytest.mark.parametrize(
    ("line", "intent"),
    [
        ("Pásame con una persona", Intent.HUMAN),
        ("¿Me comunica con un supervisor?", Intent.HUMAN),
        ("Sí, pero me asaltaron", Intent.INCIDENT),
        ("Tuve un accidente en la carretera", Intent.INCIDENT),
        ("Sí, soy yo, pero se me descompuso el camión", Intent.INCIDENT),
        ("Ya me tienen harto", Intent.ANGRY),
        ("No, está equivocada", Intent.WRONG_PERSON),
        ("Aquí no vive nadie con ese nombre", Intent.WRONG_PERSON),
        ("¿Cómo dice? No le entiendo", Intent.CONFUSED),
        ("No sé de qué me habla", Intent.CONFUSED),
    ],
)
def test_urgent_and_special_intents_win_over_yes_and_no(line, intent):
    assert classify(line) is intent


def test_a_no_that_starts_the_line_is_not_a_yes():
    assert classify("No, sí salí pero de Xalapa") is Intent.NO
