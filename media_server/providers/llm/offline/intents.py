"""What a driver's short answer means, from rules a reader can follow."""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum


class Intent(StrEnum):
    YES = "yes"
    NO = "no"
    WRONG_PERSON = "wrong_person"
    HUMAN = "human"
    INCIDENT = "incident"
    ANGRY = "angry"
    CONFUSED = "confused"
    UNKNOWN = "unknown"


def normalize(text: str) -> str:
    """Lower-case, accent-free, punctuation as spaces: how the rules compare words."""
    stripped = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in stripped if not unicodedata.combining(ch))
    return " " + re.sub(r"[^a-z0-9']+", " ", stripped.casefold()).strip() + " "


_HUMAN = (
    " persona ",
    " humano ",
    " alguien ",
    " supervisor ",
    " asesor ",
    " operador ",
    " pasame con ",
    " paseme con ",
    " comuniqueme ",
    " comunicame ",
)
_INCIDENT = (
    " asalt",
    " robo ",
    " robaron ",
    " accidente ",
    " choque ",
    " choque",
    " volcad",
    " descompus",
    " ponchad",
    " herido",
    " ambulancia ",
    " emergencia ",
    " me siento mal ",
)
_ANGRY = (
    " harto",
    " hartos ",
    " chingad",
    " chingan",
    " pinche",
    " pendej",
    " idiota",
    " estupid",
    " carajo",
    " no estes molestando",
    " dejen de molestar",
    " ya dejen de ",
    " que fastidio",
    " que lata ",
    " me tienen hasta ",
    " ya basta ",
)
_CONFUSED = (
    " no se de que",
    " no entiendo",
    " no le entiendo",
    " no te entiendo",
    " como dice ",
    " como dijo ",
    " cual carga",
    " cual viaje",
    " que viaje ",
    " de que me habla",
    " de que habla",
    " no me acuerdo",
    " no se ",
    " mande ",
    " que dijo ",
)
_WRONG = (
    " equivocad",
    " no vive ",
    " no conozco ",
    " no es aqui ",
    " numero equivocado ",
    " no soy ",
    " no se encuentra ",
    " no esta ",
)
_YES = (
    " si ",
    " simon ",
    " sale ",
    " andale ",
    " aja ",
    " correcto ",
    " asi es ",
    " exacto ",
    " claro ",
    " yo mero ",
    " a la orden ",
    " soy yo ",
    " el habla ",
    " eso ",
    " ok ",
    " okay ",
    " va ",
    " sip ",
    " todo bien ",
    " asi fue ",
    " asi quedo ",
    " efectivamente ",
)
_NO = (
    " no ",
    " nel ",
    " n'ombre ",
    " nombre ",
    " para nada ",
    " tampoco ",
    " negativo ",
    " nada mas ",
    " es todo ",
)


def _has(text: str, needles: tuple[str, ...]) -> bool:
    return any(needle in text for needle in needles)


def classify(text: str) -> Intent:
    """The driver's intent, most urgent first: incidents and requests for a person win."""
    words = normalize(text)
    if _has(words, _INCIDENT):
        return Intent.INCIDENT
    if _has(words, _HUMAN):
        return Intent.HUMAN
    if _has(words, _ANGRY):
        return Intent.ANGRY
    if _has(words, _WRONG):
        return Intent.WRONG_PERSON
    if _has(words, _CONFUSED):
        return Intent.CONFUSED
    if _has(words, _YES) and not words.startswith(" no "):
        return Intent.YES
    if _has(words, _NO):
        return Intent.NO
    return Intent.UNKNOWN
