"""The Spanish sentence splitter: inverted marks, Mexican abbreviations, and no lost text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.domain.sentences import cap_sentences, count_sentences, split_sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("¿Me confirma el viaje?", ["¿Me confirma el viaje?"]),
        ("Sí. ¿Bueno?", ["Sí.", "¿Bueno?"]),
        ("Sí.¿Bueno?", ["Sí.", "¿Bueno?"]),
        ("¡Ándale! Gracias.", ["¡Ándale!", "Gracias."]),
        ("¡¿Qué?! No puede ser.", ["¡¿Qué?!", "No puede ser."]),
        ("Oye, mejor pásame con una persona, ¿no?", ["Oye, mejor pásame con una persona, ¿no?"]),
        ("Y usted, ¿ya llegó? Bueno, gracias.", ["Y usted, ¿ya llegó?", "Bueno, gracias."]),
        ("¡Ay!, qué susto.", ["¡Ay!, qué susto."]),
        ("¿Fue a Monterrey... Saltillo?", ["¿Fue a Monterrey... Saltillo?"]),
        ("¿Bueno. Sí. ¿Me escucha?", ["¿Bueno.", "Sí.", "¿Me escucha?"]),
        ('Me dijo "ya llegué." Luego colgó.', ['Me dijo "ya llegué."', "Luego colgó."]),
        ("  Hola.\n\n  ¿Bueno?  ", ["Hola.", "¿Bueno?"]),
        ("sin punto final", ["sin punto final"]),
        ("", []),
        ("   ", []),
    ],
)
def test_marks(text: str, expected: list[str]):
    assert split_sentences(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Su viaje de Monterrey, N.L. a Guadalajara, Jal. fue el domingo.",
        "De Toluca, Edo. Méx. a San Luis Potosí, S.L.P. el 23.",
        "Salió de Manzanillo, Col. el viernes.",
        "Hablé con el Sr. Pérez, la Sra. Ruiz, el Lic. Gómez y el Ing. Salas.",
        "Entregué en Av. Juárez No. 5, en el km. 45 de la carretera.",
        "Cargamos 3.5 toneladas a las 10:30 de la mañana.",
        "Pues… no sé, creo que fue ayer.",
        "Este... no, fue antier.",
        "Cajas, botellas, etc. y ya.",
        "Lo recibió Juan J. Pérez en Cancún, Q. Roo.",
        "Fue en Cd. Juárez, Chih. y ya.",
    ],
)
def test_abbreviations_decimals_and_times_do_not_split(text: str):
    assert split_sentences(text) == [text]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Salí de Monterrey, N.L. Llegué ayer.", ["Salí de Monterrey, N.L.", "Llegué ayer."]),
        ("Es en Guadalajara, Jal. ¿Correcto?", ["Es en Guadalajara, Jal.", "¿Correcto?"]),
        ("No. Fue antier.", ["No.", "Fue antier."]),
        ("Fueron 300 km. Luego descansé.", ["Fueron 300 km.", "Luego descansé."]),
        ("Este… Sí, fue ayer.", ["Este…", "Sí, fue ayer."]),
        ("Eran 3 cajas. 2 llegaron rotas.", ["Eran 3 cajas.", "2 llegaron rotas."]),
    ],
)
def test_abbreviation_or_ellipsis_ends_a_sentence_before_a_new_one(text: str, expected: list[str]):
    assert split_sentences(text) == expected


def test_count_and_cap():
    text = "Hola, Juan. Le llamo por su viaje a Guadalajara, Jal. ¿Me confirma que fue ayer?"
    assert count_sentences(text) == 3
    assert cap_sentences(text) == "Hola, Juan. Le llamo por su viaje a Guadalajara, Jal."
    assert cap_sentences(text, 1) == "Hola, Juan."
    assert cap_sentences(text, 5) == text
    assert cap_sentences("  Sí.\n¿Bueno?  ") == "Sí. ¿Bueno?"


def test_cap_refuses_an_empty_turn():
    with pytest.raises(ValueError, match="at least one"):
        cap_sentences("Hola.", 0)


_ALPHABET = st.sampled_from(list("aábcdeéfinñoóstuúyzABJLMNPQRSÉÑ0123456789 \n\t.,:;!?…¿¡\"'”»)-"))
texts = st.text(_ALPHABET, max_size=120) | st.text(max_size=60)


def _squeeze(text: str) -> str:
    return "".join(text.split())


@given(texts)
def test_splitting_keeps_every_character(text: str):
    sentences = split_sentences(text)
    assert _squeeze("".join(sentences)) == _squeeze(text)
    assert all(sentence and sentence == sentence.strip() for sentence in sentences)


@given(texts, st.integers(min_value=1, max_value=4))
def test_cap_keeps_the_first_sentences_and_never_more_than_limit(text: str, limit: int):
    capped = cap_sentences(text, limit)
    assert count_sentences(capped) <= limit
    assert split_sentences(capped) == split_sentences(text)[:limit]


_OPENINGS = ["Sí", "Le llamo", "Ya quedó", "Fue ayer", "Juan", "El viaje", "2 cajas"]
_MIDDLES = [
    "de Monterrey, N.L. a Guadalajara, Jal.",
    "desde Toluca, Edo. Méx.",
    "con el Lic. Gómez",
    "en el km. 45",
    "con 3.5 toneladas",
    "a las 10:30",
    "pues… no sé",
    "a San Luis Potosí, S.L.P. el domingo",
    "o no, ¿verdad?",
    "y ya",
]
_ENDINGS = [("", "."), ("", "…"), ("¿", "?"), ("¡", "!"), ("¡", "!!")]


@st.composite
def spanish_sentence(draw: st.DrawFn) -> str:
    opener, closer = draw(st.sampled_from(_ENDINGS))
    words = [draw(st.sampled_from(_OPENINGS)), *draw(st.lists(st.sampled_from(_MIDDLES)))]
    return f"{opener}{' '.join(words)}, bueno{closer}"


@given(st.lists(spanish_sentence(), min_size=1, max_size=5), st.sampled_from([" ", "\n", "  "]))
def test_well_formed_sentences_split_back_apart(sentences: list[str], gap: str):
    assert split_sentences(gap.join(sentences)) == sentences
