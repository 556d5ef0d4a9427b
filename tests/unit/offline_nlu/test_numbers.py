"""Spanish numbers: words as said for dates and trip numbers, and digits."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from media_server.providers.llm.offline.numbers import find_numbers, parse_number

UNITS = ["cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve"]
TEENS = ["diez", "once", "doce", "trece", "catorce", "quince", "dieciséis", "diecisiete"]
TEENS += ["dieciocho", "diecinueve"]
TWENTIES = ["veinte", "veintiuno", "veintidós", "veintitrés", "veinticuatro", "veinticinco"]
TWENTIES += ["veintiséis", "veintisiete", "veintiocho", "veintinueve"]
TENS = ["", "", "", "treinta", "cuarenta", "cincuenta", "sesenta", "setenta", "ochenta"]
TENS += ["noventa"]
HUNDREDS = ["", "ciento", "doscientos", "trescientos", "cuatrocientos", "quinientos"]
HUNDREDS += ["seiscientos", "setecientos", "ochocientos", "novecientos"]


def spell(n: int) -> str:
    """A reference speller for 0..999, written independently of the parser's tables."""
    if n == 100:
        return "cien"
    hundreds, rest = divmod(n, 100)
    words = [HUNDREDS[hundreds]] if hundreds else []
    if rest == 0:
        return " ".join(words) or "cero"
    if rest < 10:
        words.append(UNITS[rest])
    elif rest < 20:
        words.append(TEENS[rest - 10])
    elif rest < 30:
        words.append(TWENTIES[rest - 20])
    else:
        tens, unit = divmod(rest, 10)
        words.append(TENS[tens] + (f" y {UNITS[unit]}" if unit else ""))
    return " ".join(words)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("veintidós", 22),
        ("veintidos", 22),
        ("veinti dos", 22),
        ("treinta y uno", 31),
        ("primero", 1),
        ("uno", 1),
        ("un", 1),
        ("quince", 15),
        ("diez y seis", 16),
        ("veinte y cinco", 25),
        ("cien", 100),
        ("ciento uno", 101),
        ("novecientos noventa y nueve", 999),
        ("quinientas", 500),
        ("mil", 1000),
        ("dos mil veintiséis", 2026),
        ("22", 22),
        ("0", 0),
        ("1ro", 1),
        ("2do", 2),
        ("6002", 6002),
        ("  Veintitrés ", 23),
    ],
)
def test_parse_number(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["", "el 5", "hola", "veinte perros", "diez y dos", "y"])
def test_parse_number_rejects_anything_else(text):
    assert parse_number(text) is None


@given(st.integers(min_value=0, max_value=999))
def test_every_number_below_a_thousand_round_trips(n):
    assert parse_number(spell(n)) == n
    assert parse_number(str(n)) == n


def test_find_numbers_spans():
    text = "hace tres días, el 22 de noviembre, viaje 999 y veinti dos más"
    found = find_numbers(text)
    assert [(n.value, n.surface) for n in found] == [
        (3, "tres"),
        (22, "22"),
        (999, "999"),
        (22, "veinti dos"),
    ]
    for number in found:
        assert text[number.start : number.end] == number.surface


def test_find_numbers_takes_the_longest_reading():
    assert [n.value for n in find_numbers("treinta y uno y dos")] == [31, 2]
    assert [n.value for n in find_numbers("el primero de diciembre")] == [1]
