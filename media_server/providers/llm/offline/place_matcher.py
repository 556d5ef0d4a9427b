"""The rules that find places in a driver's words (used through gazetteer.Gazetteer).

Matching works on folded words (text.py), so accents, case and abbreviation dots never
matter: "Queretaro", "QUERÉTARO" and "Querétaro" are one place, and "N.L." is "NL".
The rules, in the order they apply at each word:

1. Longest match wins: "Nuevo Laredo" is not "Laredo", "San Luis Potosí" is one mention
   (not "San Luis" plus the state), "Ciudad de México" is not the state "México".
2. A state right after a city qualifies it and is part of the same mention:
   "Monterrey, N.L." is one mention of Monterrey, "Guadalupe, Zac." picks the Guadalupe in
   Zacatecas, and "Laredo, Tamps." picks Nuevo Laredo (bare "Laredo" is Laredo, Texas).
   Codes that are also Spanish words ("Sin.", "Son.", "Ver.", "Pue.", "Col.") only count
   in this position.
3. A state name that is also a city's name ("Guanajuato", "Veracruz", "Querétaro",
   "Aguascalientes"...; "México" names the capital) is:
   a. the city when a state follows it ("Guanajuato, Gto.");
   b. the state after "estado (de)" / "edo. (de)";
   c. the city when a place word comes just before it: a preposition (a, al, de, del,
      desde, en, hasta, para, pa', hacia, rumbo, por) or "fue/es/era" ("de Guanajuato",
      "a México", "la descarga fue en Veracruz");
   d. otherwise (said bare) the state when another city is named in the same text
      ("León Guanajuato y Celaya"), else the state's default from places.yaml: the city,
      except for Guanajuato, whose bare name is the state.
   This widens the brief's rule ("the city after a/de/en/desde/hasta when no other city
   is named"): routes like "de Silao a Guanajuato" or "de Chihuahua a Juárez" are real, so
   a place word alone makes it the city. The other reading is kept in `alternatives`.
4. A one-word place right after a given name, a title or a street word is part of a
   person's or a street's name, not a place: "Arturo León", "don Victoria", "avenida
   Juárez", "calle Hidalgo".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .place_index import City, CityHit, PlaceIndex, PlaceMention, State, StateHit
from .text import Token, is_sentence_break, tokenize, word_set

_PLACE_WORDS = word_set("a al de del desde en hasta para pa hacia rumbo por fue es era")
_STATE_WORDS = word_set("estado edo")
_QUALIFIER_GAP = re.compile(r"[\s,(]*")
_NAME_STARTERS = word_set(
    """
    calle avenida av blvd bulevar boulevard privada andador
    don dona senor senora sr sra lic ingeniero ing arturo antonio alberto alejandro alfredo
    andres angel benito carlos cesar daniel david eduardo enrique ernesto felipe fernando
    francisco gabriel gerardo guadalupe guillermo hector hugo ignacio javier jesus jorge jose
    juan julio leonardo luis manuel marco mario martin miguel oscar pablo pedro rafael ramiro
    ramon raul ricardo roberto rodrigo ruben salvador samuel sergio victor ana carmen
    claudia elena laura lucia maria martha patricia rosa sofia veronica
    """
)


@dataclass(slots=True)
class _Match:
    start_word: int
    end_word: int
    city: City | None
    state: State
    dotted: bool  # the form ends in "." ("N.L."): the dot belongs to the mention
    bare: bool = False  # rule 3d, settled once every other mention is known
    others: tuple[str, ...] = ()  # alternatives, see PlaceMention


class PlaceMatcher:
    """Applies the module's rules over a PlaceIndex."""

    def __init__(self, index: PlaceIndex) -> None:
        self._index = index
        self._states_by_code = {state.code: state for state in index.all_states}

    def find(self, text: str, *, bare_as_city: bool = False) -> list[PlaceMention]:
        tokens = tokenize(text)
        words = [token.word for token in tokens]
        matches: list[_Match] = []
        index = 0
        while index < len(words):
            match = self._match_at(text, tokens, words, index)
            if match is None:
                index += 1
                continue
            if not _is_person_name(text, tokens, match):
                matches.append(match)
            index = match.end_word
        _settle_bare_names(matches, bare_as_city=bare_as_city)
        return [_mention(text, tokens, match) for match in matches]

    def _match_at(
        self, text: str, tokens: list[Token], words: list[str], index: int
    ) -> _Match | None:
        """Rule 1: the longest city or state form starting here."""
        city_end, city_hits = self._index.cities.longest(words, index)
        state_end, state_hits = self._index.states.longest(words, index)
        state_wins = state_end > city_end or (
            state_hits and state_end == city_end and state_hits[0].names_city
        )
        if state_hits and state_wins:
            return self._state_match(text, tokens, words, (index, state_end), state_hits[0])
        if city_hits:
            return self._city_match(text, tokens, words, (index, city_end), city_hits)
        return None

    def _city_match(
        self,
        text: str,
        tokens: list[Token],
        words: list[str],
        span: tuple[int, int],
        hits: list[CityHit],
    ) -> _Match:
        """Rule 2: the city, with a following state qualifier choosing among namesakes."""
        index, end = span
        qualifier_end, qualifiers = self._qualifier_after(text, tokens, words, end)
        for hit in hits:
            same_state = [q for q in qualifiers if q.state.code == hit.city.state_code]
            if same_state:
                dotted = any(q.dotted for q in same_state)
                return _Match(index, qualifier_end, hit.city, same_state[0].state, dotted)
        first = hits[0]
        state = self._states_by_code[first.city.state_code]
        others = tuple(hit.city.canonical for hit in hits[1:])
        return _Match(index, end, first.city, state, first.dotted, others=others)

    def _state_match(
        self,
        text: str,
        tokens: list[Token],
        words: list[str],
        span: tuple[int, int],
        hit: StateHit,
    ) -> _Match:
        """Rule 3 for names shared by a state and a city; otherwise the state alone."""
        index, end = span
        state, bare_city = hit.state, hit.state.bare_city
        if bare_city is None or not hit.names_city:
            return _Match(index, end, None, state, hit.dotted)
        qualifier_end, qualifiers = self._qualifier_after(text, tokens, words, end)
        if any(q.state.code == bare_city.state_code for q in qualifiers):
            dotted = any(q.dotted for q in qualifiers)
            return _Match(index, qualifier_end, bare_city, state, dotted)
        if state.city_state:
            return _Match(index, end, bare_city, state, hit.dotted)
        before = _word_before(text, tokens, index)
        if before in _STATE_WORDS or (
            before in {"de", "del"} and _word_before(text, tokens, index - 1) in _STATE_WORDS
        ):
            return _Match(index, end, None, state, hit.dotted)
        if before in _PLACE_WORDS:
            return _Match(index, end, bare_city, state, hit.dotted, others=(state.name,))
        return _Match(index, end, None, state, hit.dotted, bare=True)

    def _qualifier_after(
        self, text: str, tokens: list[Token], words: list[str], end: int
    ) -> tuple[int, list[StateHit]]:
        """A state form right after word `end - 1`, with only spaces or a comma between."""
        if end >= len(tokens) or not _QUALIFIER_GAP.fullmatch(
            text[tokens[end - 1].end : tokens[end].start]
        ):
            return end, []
        return self._index.qualifiers.longest(words, end)


def _settle_bare_names(matches: list[_Match], *, bare_as_city: bool) -> None:
    """Rule 3d: a bare shared name is the state next to other cities, else its default."""
    named_city = any(match.city is not None and not match.bare for match in matches)
    for match in matches:
        if not match.bare or match.state.bare_city is None:
            continue
        if bare_as_city or (not named_city and match.state.bare_default_city):
            match.city, match.others = match.state.bare_city, (match.state.name,)
        else:
            match.others = (match.state.bare_city.canonical,)


def _is_person_name(text: str, tokens: list[Token], match: _Match) -> bool:
    """Rule 4: a one-word place right after a given name or street word is part of a name."""
    one_word = match.end_word - match.start_word == 1
    return one_word and _word_before(text, tokens, match.start_word) in _NAME_STARTERS


def _word_before(text: str, tokens: list[Token], index: int) -> str | None:
    """The word before tokens[index], unless a sentence ends in between."""
    if index <= 0 or is_sentence_break(text, tokens[index - 1], tokens[index]):
        return None
    return tokens[index - 1].word


def _mention(text: str, tokens: list[Token], match: _Match) -> PlaceMention:
    start = tokens[match.start_word].start
    end = tokens[match.end_word - 1].end
    if match.dotted and text[end : end + 1] == ".":
        end += 1
    surface = text[start:end]
    if match.city is None:
        state = match.state
        return PlaceMention(
            state.name, "", state.name, start, end, surface, True, state.code, match.others
        )
    city = match.city
    return PlaceMention(
        city.canonical, city.name, city.state_name, start, end, surface, False,
        city.state_code, match.others,
    )  # fmt: skip
