"""Spanish numbers as drivers say them: "veintidós", "veinti dos", "treinta y uno", "22".

Enough for days of the month, "hace N días", trip numbers and years: 0..999 in words,
"mil" for years ("dos mil veintiséis"), any digits, "primero" (the 1st of a month is said
"el primero"), and digit ordinals ("1ro", "2do"). Words are folded (text.py), so accents
do not matter: "veintidos" is "veintidós".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .text import tokenize

_UNITS = {
    "cero": 0, "un": 1, "uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5,
    "seis": 6, "siete": 7, "ocho": 8, "nueve": 9,
}  # fmt: skip
_WHOLE = {  # single words from 10 to 29 that take no "y"
    "diez": 10, "once": 11, "doce": 12, "trece": 13, "catorce": 14, "quince": 15,
    "dieciseis": 16, "diecisiete": 17, "dieciocho": 18, "diecinueve": 19, "veinte": 20,
    "veintiuno": 21, "veintiun": 21, "veintiuna": 21, "veintidos": 22, "veintitres": 23,
    "veinticuatro": 24, "veinticinco": 25, "veintiseis": 26, "veintisiete": 27,
    "veintiocho": 28, "veintinueve": 29,
}  # fmt: skip
_TENS = {  # take "y" + unit: "treinta y uno"; "diez y seis" and "veinte y dos" are old forms
    "diez": 10, "veinte": 20, "treinta": 30, "cuarenta": 40, "cincuenta": 50,
    "sesenta": 60, "setenta": 70, "ochenta": 80, "noventa": 90,
}  # fmt: skip
_SPLIT_PREFIXES = {"veinti": 20, "venti": 20, "dieci": 10}  # "veinti dos" as two words
_HUNDREDS = {
    "cien": 100, "ciento": 100, "doscientos": 200, "doscientas": 200, "trescientos": 300,
    "trescientas": 300, "cuatrocientos": 400, "cuatrocientas": 400, "quinientos": 500,
    "quinientas": 500, "seiscientos": 600, "seiscientas": 600, "setecientos": 700,
    "setecientas": 700, "ochocientos": 800, "ochocientas": 800, "novecientos": 900,
    "novecientas": 900,
}  # fmt: skip
_ORDINALS = {"primero": 1, "primer": 1, "primera": 1}
_DIGITS = re.compile(r"(\d+)(?:ro|ero|er|ra|do|da|to|ta|vo|va|no|na|mo|o|a)?")


@dataclass(frozen=True, slots=True)
class NumberMention:
    value: int
    start: int
    end: int
    surface: str


def number_at(words: Sequence[str], index: int) -> tuple[int, int] | None:
    """(value, end index) of the number whose first word is words[index], or None."""
    if index >= len(words):
        return None
    digits = _DIGITS.fullmatch(words[index])
    if digits:
        return int(digits.group(1)), index + 1
    if words[index] in _ORDINALS:
        return _ORDINALS[words[index]], index + 1
    below = _below_thousand(words, index)
    mil_at = below[1] if below else index
    if mil_at < len(words) and words[mil_at] == "mil":
        return _thousands(words, index, below)
    return below


def _thousands(
    words: Sequence[str], index: int, multiplier: tuple[int, int] | None
) -> tuple[int, int]:
    """'mil', 'dos mil', 'dos mil veintiséis'."""
    factor, mil_index = multiplier if multiplier else (1, index)
    rest = _below_thousand(words, mil_index + 1)
    if rest is None:
        return factor * 1000, mil_index + 1
    return factor * 1000 + rest[0], rest[1]


def _below_thousand(words: Sequence[str], index: int) -> tuple[int, int] | None:
    """[hundreds] [tens part]: 'ciento veinte', 'novecientos noventa y nueve', 'quince'."""
    if index < len(words) and words[index] in _HUNDREDS:
        hundreds = _HUNDREDS[words[index]]
        if words[index] == "cien":
            return hundreds, index + 1
        rest = _below_hundred(words, index + 1)
        if rest is None:
            return hundreds, index + 1
        return hundreds + rest[0], rest[1]
    return _below_hundred(words, index)


def _below_hundred(words: Sequence[str], index: int) -> tuple[int, int] | None:
    if index >= len(words):
        return None
    word = words[index]
    following = words[index + 1] if index + 1 < len(words) else ""
    if word in _SPLIT_PREFIXES and following in _UNITS and _UNITS[following] > 0:
        return _SPLIT_PREFIXES[word] + _UNITS[following], index + 2
    if word in _TENS and following == "y" and index + 2 < len(words):
        unit = _UNITS.get(words[index + 2], 0)
        if unit > 0 and not (word == "diez" and unit < 6):
            return _TENS[word] + unit, index + 3
    if word in _WHOLE:
        return _WHOLE[word], index + 1
    if word in _TENS:
        return _TENS[word], index + 1
    if word in _UNITS:
        return _UNITS[word], index + 1
    return None


def find_numbers(text: str) -> list[NumberMention]:
    """Every number in `text`, words or digits, with its span, in order."""
    tokens = tokenize(text)
    words = [token.word for token in tokens]
    found: list[NumberMention] = []
    index = 0
    while index < len(words):
        parsed = number_at(words, index)
        if parsed is None:
            index += 1
            continue
        value, end = parsed
        start_char, end_char = tokens[index].start, tokens[end - 1].end
        found.append(NumberMention(value, start_char, end_char, text[start_char:end_char]))
        index = end
    return found


def parse_number(text: str) -> int | None:
    """The number `text` says, when it says nothing else ("veintidós" -> 22, "el 5" -> None)."""
    words = [token.word for token in tokenize(text)]
    parsed = number_at(words, 0)
    if parsed is None or parsed[1] != len(words):
        return None
    return parsed[0]
