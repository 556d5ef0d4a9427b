"""Spanish sentence splitting: the two-sentence cap on Karla's turns and TTS chunks.

A generic splitter cuts "Monterrey, N.L. a Guadalajara" or "el Lic. Gómez" in two, and
misses that "¿Bueno?" after "Sí." opens a new sentence. These rules are the ones Karla's
text and drivers' transcripts need; they only choose where to cut, never drop a character:

- a sentence ends at . ! ? … (and any closing quote) followed by a space and anything but a
  lowercase letter, or by ¿ or ¡, which always open a new one;
- nothing ends inside a ¿…? or ¡…! pair that closes;
- after a title ("Lic.") only ¿ or ¡ start a new sentence; after a state code, unit or
  dotted acronym ("Jal.", "km.", "S.L.P.") only those or a capital do.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import Enum

_TERMINATORS = frozenset(".!?…")
_CLOSERS = frozenset("\"'”’»)]")
_INVERTED = {"¿": "?", "¡": "!"}


class _Word(Enum):
    PLAIN = "plain"
    PREFIX = "prefix"  # comes before a name or number: "Lic. Gómez", "Juan J. Pérez"
    ABBREVIATION = "abbreviation"  # may end a sentence: "Salí de Monterrey, N.L. Ya llegué."


# Titles and place prefixes: "Sr. Pérez", "Av. Juárez", "Edo. Méx.", "Cd. Juárez".
_PREFIXES = frozenset({
    "sr", "sra", "srta", "lic", "ing", "dr", "dra", "prof", "mtro", "mtra", "arq", "gral",
    "av", "blvd", "calz", "carr", "cd", "edo", "pto", "sto", "sta", "fracc", "mpio",
})  # fmt: skip
# State codes, units and references: "Guadalajara, Jal. el 23", "el km. 45", "No. 5".
_ABBREVIATIONS = frozenset({
    "ags", "bc", "bcs", "camp", "chih", "chis", "coah", "col", "dgo", "gro", "gto", "hgo",
    "jal", "méx", "mex", "mich", "mor", "nay", "oax", "pue", "qro", "sin", "son", "tab",
    "tamps", "tlax", "ver", "yuc", "zac",
    "km", "kms", "no", "núm", "num", "tel", "ext", "int", "aprox", "hrs", "etc", "ote",
    "pte", "nte", "depto", "kg", "ton", "mts",
})  # fmt: skip


def split_sentences(text: str) -> list[str]:
    """The sentences of `text`, stripped, in order; whitespace-only pieces are dropped."""
    pieces = []
    begin = 0
    for cut in _boundaries(text):
        pieces.append(text[begin:cut])
        begin = cut
    pieces.append(text[begin:])
    return [piece.strip() for piece in pieces if piece.strip()]


def count_sentences(text: str) -> int:
    return len(split_sentences(text))


def cap_sentences(text: str, limit: int = 2) -> str:
    """The first `limit` sentences, joined with one space: what Karla may say in one turn."""
    if limit < 1:
        raise ValueError("a turn keeps at least one sentence")
    return " ".join(split_sentences(text)[:limit])


def _boundaries(text: str) -> Iterator[int]:
    """Indices where a new sentence starts, after a run of end marks and closing quotes."""
    closes_at = -1  # the "?" or "!" that closes the open ¿…? or ¡…! pair, if any
    i = 0
    while i < len(text):
        if text[i] in _INVERTED:
            closes_at = max(closes_at, _closing_mark(text, i))
        if text[i] not in _TERMINATORS:
            i += 1
            continue
        run_end = _skip(text, i, _TERMINATORS)
        end = _skip(text, run_end, _CLOSERS)
        if run_end > closes_at and _ends_sentence(text, i, run_end, end):
            yield end
        i = end


def _skip(text: str, i: int, chars: frozenset[str]) -> int:
    while i < len(text) and text[i] in chars:
        i += 1
    return i


def _closing_mark(text: str, opener: int) -> int:
    """Where the ¿ or ¡ at `opener` is closed; -1 when another one opens first (a lost mark)."""
    close = text.find(_INVERTED[text[opener]], opener + 1)
    reopen = text.find(text[opener], opener + 1)
    return -1 if close == -1 or -1 < reopen < close else close


def _ends_sentence(text: str, start: int, run_end: int, end: int) -> bool:
    """Whether the marks text[start:run_end] (and closers up to `end`) end a sentence."""
    after = end
    while after < len(text) and text[after].isspace():
        after += 1
    if after == len(text) or text[after] in _INVERTED:
        return True
    follower = text[after]
    if after == end or follower.islower():
        return False  # "3.5", "N.L.", "pues… no sé", "¡Ay!, qué susto"
    if text[start:run_end] != ".":
        return True
    kind = _kind(_word_before(text, start))
    if kind is _Word.PREFIX:
        return False
    return kind is _Word.PLAIN or follower.isupper()


def _word_before(text: str, i: int) -> str:
    begin = i
    while begin > 0 and (text[begin - 1].isalnum() or text[begin - 1] == "."):
        begin -= 1
    return text[begin:i]


def _kind(word: str) -> _Word:
    folded = word.casefold()
    if folded in _PREFIXES or (len(word) == 1 and word.isupper()):
        return _Word.PREFIX  # an initial: "Juan J. Pérez", "Cancún, Q. Roo"
    if folded in _ABBREVIATIONS or "." in word:
        return _Word.ABBREVIATION  # "S.L.P.", "N.L."
    return _Word.PLAIN
