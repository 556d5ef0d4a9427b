"""The words behind extract.py's rules: role cues, negations, corrections, trip numbers.

All words are folded (text.py): "salí" is "sali", "perdón" is "perdon".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import StrEnum

from .dates import MONTHS
from .numbers import number_at
from .text import Token, word_set


class Role(StrEnum):
    ORIGIN = "origin"
    DESTINATION = "destination"


ORIGIN_PREPOSITIONS = frozenset({"de", "del", "desde"})
DESTINATION_PREPOSITIONS = word_set("a al hasta para pa pal hacia rumbo")
# Loading happens at the origin: "cargué en Manzanillo", "la carga fue en Manzanillo".
LOADING = word_set(
    "cargue cargamos cargo cargaron carga cargar cargando cargado cargada recogi recogimos "
    "recoger subi subimos subieron"
)
# "fui a cargar a Manzanillo": the loading verb overrides the "a" that follows it.
LOADING_INFINITIVES = frozenset({"cargar", "cargando", "recoger"})
# Unloading and delivering happen at the destination.
UNLOADING = word_set(
    "descargue descargamos descargo descargaron descarga descargar descargando entregue "
    "entregamos entrego entregaron entrega entregar entregando baje bajamos bajaron"
)
ORIGIN_WORDS = word_set("origen sali salimos salio salida parti partimos arranque arrancamos")
DESTINATION_WORDS = word_set(
    "destino llegue llegamos llego llegada termine terminamos acabe acabamos"
)
# "descargué en la planta de Saltillo": after these nouns "de" names the facility's town,
# not where the trip started.
FACILITIES = word_set(
    "planta patio bodega cedis puerto aduana almacen fabrica terminal central parque cliente "
    "zona centro nave recinto muelle estacion tienda sucursal rancho colonia mercado "
    "oficina oficinas base"
)
ROLE_WINDOW = 6  # how many words before a place can hold its cue

NEGATIONS = frozenset({"no", "tampoco", "ni"})
# Words allowed between a negation and what it negates: "no fue ayer", "no salí de Veracruz".
NEGATION_BRIDGE = word_set(
    "fue era es el la de del a al en desde hasta para pa hacia rumbo dia sali salimos llegue "
    "llegamos cargue cargamos descargue descargamos entregue entregamos fui fuimos me ese "
    "este esa esta"
)
NEGATION_REACH = 3

CORRECTIONS = (
    ("no", "perdon"), ("perdon",), ("perdoname",), ("perdone",), ("mejor", "dicho"),
    ("mas", "bien"), ("digo",), ("ah", "no"), ("ay", "no"), ("no", "no"),
    ("me", "equivoque"), ("corrijo",), ("quise", "decir"), ("o", "sea"),
)  # fmt: skip
_CORRECTIONS_BY_FIRST_WORD: dict[str, list[tuple[str, ...]]] = {}
for _phrase in CORRECTIONS:
    _CORRECTIONS_BY_FIRST_WORD.setdefault(_phrase[0], []).append(_phrase)
# "te digo que...", "le digo" report speech; they are not corrections.
_NOT_CORRECTING_DIGO = frozenset({"le", "te", "les", "me", "lo", "se", "que", "yo", "nos"})

_TRIP_CODE = re.compile(r"\b([A-Za-z]{1,3})-(\d{2,})\b")
_TRIP_WORDS = frozenset({"viaje", "folio", "servicio", "embarque"})
_NUMBER_WORDS = frozenset({"numero", "num", "no", "nro"})
# "el otro viaje", "los otros viajes": another trip, even without its number.
_OTHER_TRIP = re.compile(r"\b(?:el\s+|los\s+)?otros?\s+viajes?\b", re.IGNORECASE)


def role_from_words(before: Sequence[str]) -> Role | None:
    """The role the words just before a place give it, nearest cue first.

    "salí de X", "desde X" -> origin; "a X", "pa' X", "hasta X", "rumbo a X" -> destination;
    "cargué en X", "la carga fue en X", "el origen es X" -> origin; "descargué en X",
    "entregué en X", "llegué a X", "el destino fue X" -> destination; "a cargar a X" ->
    origin. "en" and other words carry no role and the scan goes on, up to ROLE_WINDOW.
    """
    words = list(before)[-ROLE_WINDOW:]
    for position in range(len(words) - 1, -1, -1):
        word = words[position]
        previous = words[position - 1] if position > 0 else ""
        if word in LOADING or word in ORIGIN_WORDS:
            return Role.ORIGIN
        if word in UNLOADING or word in DESTINATION_WORDS:
            return Role.DESTINATION
        if word in ORIGIN_PREPOSITIONS and previous not in FACILITIES:
            return Role.ORIGIN
        if word in DESTINATION_PREPOSITIONS:
            return Role.ORIGIN if previous in LOADING_INFINITIVES else Role.DESTINATION
    return None


def correction_at(words: Sequence[str], index: int) -> int:
    """How many words a correction marker starting at words[index] spans (0: none)."""
    for phrase in _CORRECTIONS_BY_FIRST_WORD.get(words[index], ()):
        if tuple(words[index : index + len(phrase)]) == phrase:
            if phrase == ("digo",) and index > 0 and words[index - 1] in _NOT_CORRECTING_DIGO:
                return 0
            return len(phrase)
    return 0


def trip_references(text: str, tokens: Sequence[Token]) -> list[tuple[str, int]]:
    """Trip numbers the driver names, as (id as said, start offset): "el viaje T-6002",
    "T-6002", "viaje 999", "el folio número seis mil dos"; "el otro viaje" as said."""
    found = [(f"{m.group(1).upper()}-{m.group(2)}", m.start()) for m in _TRIP_CODE.finditer(text)]
    found += [(m.group(), m.start()) for m in _OTHER_TRIP.finditer(text)]
    words = [token.word for token in tokens]
    for index, word in enumerate(words):
        if word not in _TRIP_WORDS:
            continue
        at = index + 1
        if at < len(words) and words[at] in _NUMBER_WORDS:
            at += 1
        prefix = ""
        if at < len(words) and len(words[at]) == 1 and words[at].isalpha():
            prefix, at = words[at].upper() + "-", at + 1
        number = number_at(words, at)
        if number is None or number[0] < 10 or words[at] in ("primero", "primer", "primera"):
            continue
        after = words[number[1] : number[1] + 2]
        if len(after) == 2 and after[0] in ("de", "del") and after[1] in MONTHS:
            continue  # "el viaje 22 de noviembre" is a date
        if not any(tokens[index].start <= start <= tokens[number[1] - 1].end for _, start in found):
            found.append((f"{prefix}{number[0]}", tokens[index].start))
    return sorted(found, key=lambda ref: ref[1])


def same_trip_id(said: str, on_file: str) -> bool:
    """'T-6001', 't6001' and '6001' all name trip T-6001."""
    said_key = re.sub(r"[^0-9A-Z]", "", said.upper())
    file_key = re.sub(r"[^0-9A-Z]", "", on_file.upper())
    return said_key == file_key or (said_key.isdigit() and said_key == re.sub(r"\D", "", file_key))
