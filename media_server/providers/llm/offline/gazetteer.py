"""Which Mexican places a driver names, and whether two place labels are the same place.

The data is places.yaml (32 states, their codes and nicknames, 280+ cities with aliases);
the matching rules are in place_matcher.py: longest match, a state after a city qualifies
it ("Monterrey, N.L." is one mention), and names shared by a city and a state
("Guanajuato", "Veracruz", "México") are the city after a place word ("de Guanajuato",
"a México") and the state after "estado de", or when said bare next to other cities.
"""

from __future__ import annotations

import functools
from pathlib import Path

from .place_index import DATA_FILE, City, PlaceIndex, PlaceMention, State, build_index
from .place_matcher import PlaceMatcher
from .text import fold_words, tokenize, word_set

__all__ = ["Gazetteer", "PlaceMention", "find_places", "same_place"]

_LEADING_WORDS = word_set("el la los las")
_RESOLVED_CACHE_SIZE = 4096  # trip labels repeat on every turn of a call


class Gazetteer:
    """Mexican states and cities, indexed once."""

    def __init__(self, index: PlaceIndex) -> None:
        self._index = index
        self._matcher = PlaceMatcher(index)
        self._cities_by_canonical = {city.canonical: city for city in index.all_cities}
        self._states_by_name = {state.name: state for state in index.all_states}
        self._resolved: dict[str, PlaceMention | None] = {}

    @classmethod
    def load(cls, path: Path | None = None) -> Gazetteer:
        """The gazetteer from places.yaml, built on first use and then shared."""
        return _load(path or DATA_FILE)

    @property
    def cities(self) -> list[City]:
        return list(self._index.all_cities)

    @property
    def states(self) -> list[State]:
        return list(self._index.all_states)

    def find_places(self, text: str, *, bare_as_city: bool = False) -> list[PlaceMention]:
        """Every place named in `text`, in order. `bare_as_city` reads a bare shared name
        as the city (record labels like "Guanajuato" name where a trip went)."""
        return self._matcher.find(text, bare_as_city=bare_as_city)

    def resolve(self, label: str) -> PlaceMention | None:
        """The place a label such as "Toluca, Edo. Méx." or "el DF" names, if it is one."""
        if label in self._resolved:
            return self._resolved[label]
        mentions = self.find_places(label, bare_as_city=True)
        lead = tokenize(label[: mentions[0].start]) if mentions else []
        found = None
        if mentions and all(token.word in _LEADING_WORDS for token in lead):
            found = mentions[0]
        if len(self._resolved) >= _RESOLVED_CACHE_SIZE:
            self._resolved.clear()
        self._resolved[label] = found
        return found

    def same_place(self, a: str | PlaceMention, b: str | PlaceMention) -> bool:
        """Whether two labels name one place ("Monterrey, N.L." and "Mty"; "CDMX" and "el DF").
        A mention is taken as read (a state stays a state); a label is resolved, a bare
        shared name as the city. Unknown labels compare by their words before the comma."""
        place_a, place_b = (x if isinstance(x, PlaceMention) else self.resolve(x) for x in (a, b))
        if place_a is not None and place_b is not None:
            return place_a.canonical == place_b.canonical
        head_a, head_b = (_head(x.surface if isinstance(x, PlaceMention) else x) for x in (a, b))
        return head_a == head_b and bool(head_a)

    def reading(self, mention: PlaceMention, canonical: str) -> PlaceMention:
        """The same words read as another place: one of `mention.alternatives`."""
        if canonical not in mention.alternatives:
            raise ValueError(f"{canonical!r} is not a reading of {mention.surface!r}")
        others = tuple(
            other for other in (mention.canonical, *mention.alternatives) if other != canonical
        )
        where = (mention.start, mention.end, mention.surface)
        city = self._cities_by_canonical.get(canonical)
        if city is not None:
            return PlaceMention(
                city.canonical, city.name, city.state_name, *where, False, city.state_code, others
            )
        state = self._states_by_name[canonical]
        return PlaceMention(state.name, "", state.name, *where, True, state.code, others)


def _head(label: str) -> tuple[str, ...]:
    """The words before the first comma, without a leading article: "el DF" -> ("df",)."""
    words = fold_words(label.split(",", maxsplit=1)[0])
    while words and words[0] in _LEADING_WORDS:
        words = words[1:]
    return words


@functools.cache
def _load(path: Path) -> Gazetteer:
    return Gazetteer(build_index(path))


def find_places(text: str) -> list[PlaceMention]:
    """Places named in `text`, with the bundled gazetteer."""
    return Gazetteer.load().find_places(text)


def same_place(a: str | PlaceMention, b: str | PlaceMention) -> bool:
    """Whether two place labels name one place, with the bundled gazetteer."""
    return Gazetteer.load().same_place(a, b)
