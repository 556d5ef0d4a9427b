"""One driver utterance laid out for extract.py's rules: its words, sentences and mentions.

Holds rules 1 and 2 (see extract.py): collecting the mentions, and setting aside those
about another trip the driver names.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from dataclasses import dataclass

from shared.domain.trip import Trip

from .cues import Role, same_trip_id, trip_references
from .dates import DateMention, resolve_dates
from .gazetteer import Gazetteer, PlaceMention
from .text import Token, is_sentence_break, tokenize


@dataclass(slots=True)
class Item:
    """A place or a date mention while the rules decide what it is."""

    place: PlaceMention | None
    day: DateMention | None
    first: int  # index of its first word
    end: int  # index of the word after it
    sentence: int
    role: Role | None = None
    from_file: bool = False  # role inferred from the trip on file (rule 8), the weakest
    negated: bool = False
    other_trip: bool = False


@dataclass(slots=True)
class Utterance:
    text: str
    tokens: list[Token]
    words: list[str]
    sentence_of: list[int]  # sentence number of each word
    items: list[Item]  # in text order
    on_file: Trip | None
    gazetteer: Gazetteer
    other_trip_id: str | None = None

    def gap_after(self, index: int) -> str:
        """The characters between word `index` and the next word (or the end)."""
        end = self.tokens[index + 1].start if index + 1 < len(self.tokens) else len(self.text)
        return self.text[self.tokens[index].end : end]

    def live(self) -> list[Item]:
        """The mentions about this trip (not about another trip the driver named)."""
        return [item for item in self.items if not item.other_trip]

    def places(self) -> list[Item]:
        return [item for item in self.live() if item.place is not None]

    def file_role(self, place: PlaceMention) -> Role | None:
        """Which end of the trip on file this place is, if any."""
        if self.on_file is None:
            return None
        if self.gazetteer.same_place(place, self.on_file.origin):
            return Role.ORIGIN
        if self.gazetteer.same_place(place, self.on_file.destination):
            return Role.DESTINATION
        return None


def collect(text: str, now: dt.datetime, on_file: Trip | None) -> Utterance:
    """Rule 1: the mentions, with the words they cover and the sentence they are in.
    A "date" inside a place name ("Santo Domingo") is not one."""
    gazetteer = Gazetteer.load()
    tokens = tokenize(text)
    places = [reading_on_file(gazetteer, place, on_file) for place in gazetteer.find_places(text)]
    sentence = 0
    sentence_of = [0] if tokens else []
    for left, right in itertools.pairwise(tokens):
        if is_sentence_break(text, left, right):
            inside_place = any(p.start <= left.end < p.end for p in places)  # "Qro. a SLP"
            sentence += 0 if inside_place else 1
        sentence_of.append(sentence)
    starts = [token.start for token in tokens]
    ends = [token.end for token in tokens]

    def item(place: PlaceMention | None, day: DateMention | None, start: int, end: int) -> Item:
        first = bisect.bisect_left(starts, start)
        return Item(place, day, first, bisect.bisect_right(ends, end), sentence_of[first])

    items = [item(place, None, place.start, place.end) for place in places]
    for day in resolve_dates(text, now):
        if not any(p.start < day.end and day.start < p.end for p in places):
            items.append(item(None, day, day.start, day.end))
    items.sort(key=lambda found: found.first)
    words = [token.word for token in tokens]
    return Utterance(text, tokens, words, sentence_of, items, on_file, gazetteer)


def reading_on_file(
    gazetteer: Gazetteer, place: PlaceMention, on_file: Trip | None
) -> PlaceMention:
    """Rule 1: words with two readings take the one on file: "no Veracruz" is the city when
    the trip left from Veracruz, "Laredo" is Nuevo Laredo when the trip went there."""
    if on_file is None or not place.alternatives:
        return place
    for label in (on_file.origin, on_file.destination):
        if gazetteer.same_place(place, label):
            return place
        for other in place.alternatives:
            reading = gazetteer.reading(place, other)
            if gazetteer.same_place(reading, label):
                return reading
    return place


def set_aside_other_trip(utterance: Utterance) -> None:
    """Rule 2: the first trip named that is not the one on file is reported, and the later
    mentions in its sentence are about it ("cambia el viaje T-6002 para que diga destino
    Cancún"), not about this trip, until a "pero" ("ese es otro viaje, pero este fue a
    León")."""
    on_file = utterance.on_file
    starts = [token.start for token in utterance.tokens]
    for said, start in trip_references(utterance.text, utterance.tokens):
        if on_file is not None and same_trip_id(said, on_file.trip_id):
            continue
        first = bisect.bisect_left(starts, start)
        sentence = utterance.sentence_of[first]
        scope_end = next(
            (
                index
                for index in range(first, len(utterance.words))
                if utterance.sentence_of[index] != sentence or utterance.words[index] == "pero"
            ),
            len(utterance.words),
        )
        for item in utterance.items:
            item.other_trip = item.other_trip or first < item.first < scope_end
        utterance.other_trip_id = said
        return
