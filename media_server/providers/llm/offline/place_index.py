"""The gazetteer's data model and lookup tables, built once from places.yaml.

Kept apart from the matching rules (gazetteer.py) so that the rules read as rules: this
module only answers "which cities or states can these words name".
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml

from .text import fold_words

T = TypeVar("T")

DATA_FILE = Path(__file__).with_name("places.yaml")


@dataclass(frozen=True, slots=True)
class PlaceMention:
    """A place named in text: the city (or a state alone) and where it was said."""

    canonical: str  # "Monterrey, N.L."; a state alone: its name, "Guanajuato"
    city: str  # "Monterrey"; "" when only a state was named
    state: str  # the state's name, "Nuevo León"
    start: int
    end: int
    surface: str  # the words as said: "Mty", "Monterrey, N.L."
    is_state_only: bool
    state_code: str = ""  # "N.L."
    # Other readings of the same words, as canonical forms: the state for a bare
    # "Veracruz" read as the city (and the reverse), Nuevo Laredo for "Laredo".
    alternatives: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class City:
    name: str
    state_code: str
    state_name: str
    country: str = "MX"

    @property
    def canonical(self) -> str:
        """How the trip record shows it: 'Monterrey, N.L.'."""
        return f"{self.name}, {self.state_code}"


@dataclass(frozen=True, slots=True)
class State:
    code: str
    name: str
    country: str
    bare_city: City | None
    bare_default_city: bool
    city_state: bool


@dataclass(frozen=True, slots=True)
class CityHit:
    city: City
    dotted: bool


@dataclass(frozen=True, slots=True)
class StateHit:
    state: State
    dotted: bool
    names_city: bool = False  # a form the state shares with its bare_city ("Guanajuato")


@dataclass(slots=True)
class _Node(Generic[T]):
    children: dict[str, _Node[T]] = field(default_factory=dict)
    values: list[T] = field(default_factory=list)


class WordTrie(Generic[T]):
    """Phrases as word sequences, for longest-match lookup at a position in a word list."""

    def __init__(self) -> None:
        self._root: _Node[T] = _Node()

    def add(self, words: Sequence[str], value: T) -> None:
        node = self._root
        for word in words:
            node = node.children.setdefault(word, _Node())
        node.values.append(value)

    def longest(self, words: Sequence[str], start: int) -> tuple[int, list[T]]:
        """(end index, values) of the longest phrase starting at `start`; (start, []) if none."""
        node, best_end, best = self._root, start, []
        for index in range(start, len(words)):
            child = node.children.get(words[index])
            if child is None:
                break
            node = child
            if node.values:
                best_end, best = index + 1, node.values
        return best_end, list(best)


@dataclass(slots=True)
class PlaceIndex:
    """Cities, standalone state names, and state qualifiers (any form, after a city)."""

    cities: WordTrie[CityHit] = field(default_factory=WordTrie)
    states: WordTrie[StateHit] = field(default_factory=WordTrie)
    qualifiers: WordTrie[StateHit] = field(default_factory=WordTrie)
    all_cities: list[City] = field(default_factory=list)
    all_states: list[State] = field(default_factory=list)


def _city_forms(name: str, aliases: list[str]) -> Iterator[str]:
    """The name, its aliases, and 'Cd. X' for every 'Ciudad X' among them."""
    for form in [name, *aliases]:
        yield form
        if form.startswith("Ciudad "):
            yield "Cd " + form.removeprefix("Ciudad ")


def build_index(path: Path = DATA_FILE) -> PlaceIndex:
    """Read the YAML and index every form; shared aliases list the city of that name first."""
    raw: dict[str, dict[str, Any]] = yaml.safe_load(path.read_text(encoding="utf-8"))
    index = PlaceIndex()
    by_name: dict[str, City] = {}
    city_forms: dict[tuple[str, ...], list[tuple[bool, int, CityHit]]] = {}
    for code, entry in raw.items():
        for name, aliases in (entry.get("cities") or {}).items():
            city = City(str(name), code, str(entry["name"]), str(entry.get("country", "MX")))
            index.all_cities.append(city)
            by_name.setdefault(city.name, city)
            for form in _city_forms(city.name, [str(alias) for alias in aliases or []]):
                key = fold_words(form)
                hit = CityHit(city, form.endswith("."))
                is_own_name = key == fold_words(city.name)
                city_forms.setdefault(key, []).append((not is_own_name, len(index.all_cities), hit))
    for key, hits in city_forms.items():
        for *_, hit in sorted(hits, key=lambda item: (item[0], item[1])):
            index.cities.add(key, hit)
    for code, entry in raw.items():
        bare_city = entry.get("bare_city")
        state = State(
            code=code,
            name=str(entry["name"]),
            country=str(entry.get("country", "MX")),
            bare_city=by_name[str(bare_city)] if bare_city else None,
            bare_default_city=entry.get("bare_default", "city") == "city",
            city_state=bool(entry.get("city_state", False)),
        )
        index.all_states.append(state)
        aliases = [str(alias) for alias in entry.get("aliases") or []]
        state_aliases = [str(alias) for alias in entry.get("state_aliases") or []]
        shares_name = state.bare_city is not None and (
            fold_words(state.name) == fold_words(state.bare_city.name)
        )
        for form, names_city in [
            (state.name, shares_name),
            *((alias, state.bare_city is not None) for alias in aliases),
            *((alias, False) for alias in state_aliases),
        ]:
            dotted = form.endswith(".") or (
                fold_words(form) == fold_words(code) and code.endswith(".")
            )  # "Ags" is also written "Ags."
            index.states.add(fold_words(form), StateHit(state, dotted, names_city))
        qualifiers = [str(q) for q in entry.get("qualifiers") or []]
        for form in [state.name, *aliases, *state_aliases, code, *qualifiers]:
            index.qualifiers.add(fold_words(form), StateHit(state, form.endswith(".")))
    return index
