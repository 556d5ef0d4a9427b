"""Text plumbing shared by the NLU rules: accent-free words that remember where they were.

Every rule compares folded words (lower-case, no accents, so "Querétaro" == "queretaro") but
reports spans in the driver's original text, so a mention can be quoted back or cut out.
Punctuation is not a word: "N.L." is the two words "n" "l", which is why dotted
abbreviations match whether or not the dots are there.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

_WORD = re.compile(r"[^\W_]+")
_STRONG_BREAK = re.compile(r"[?!;¿¡:]")


@functools.lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """Lower-case and accent-free: the form every table and rule is written in. Cached:
    drivers use few distinct words, and this is the hot path."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


@dataclass(frozen=True, slots=True)
class Token:
    """One word: its folded form and its [start, end) span in the original text."""

    word: str
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    """The words of `text`, letters and digits only, in order."""
    return [Token(fold(m.group()), m.start(), m.end()) for m in _WORD.finditer(text)]


def fold_words(text: str) -> tuple[str, ...]:
    """The folded words of a phrase, the key tables are indexed by."""
    return tuple(token.word for token in tokenize(text))


def is_sentence_break(text: str, left: Token, right: Token) -> bool:
    """Whether a sentence or a question ends between two words of `text`. A period after
    a single letter or a common abbreviation ("N.L.", "Edo.", "Cd.", "Sr.") does not."""
    between = text[left.end : right.start]
    if _STRONG_BREAK.search(between):
        return True
    initial = len(left.word) == 1 and left.word.isalpha()
    return "." in between and not initial and left.word not in _ABBREVIATIONS


def word_set(words: str) -> frozenset[str]:
    """A table of folded words written as one space-separated string, for readability."""
    return frozenset(words.split())


_ABBREVIATIONS = word_set("edo cd gral sr sra srta lic ing av col carr km num nvo sta sto pto mex")
