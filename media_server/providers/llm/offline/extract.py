"""Trip facts from one driver utterance: origin, destination, date, and what was denied.

The rules run in this order, each a small function (utterance.py, roles.py, below):

1. collect: the places (gazetteer.py) and dates (dates.py) in the text. A "date" inside a
   place name is not one; words with two readings take the one on file ("Laredo" is
   Nuevo Laredo when the trip went there).
2. set_aside_other_trip: a trip number the driver names that is not the trip on file
   ("cambia el viaje T-6002 para que diga destino Cancún") is reported, and the mentions
   after it in that sentence belong to that trip, not this one.
3. cue_roles: the words just before a place give its role: "de/desde/salí de/cargué en/
   el origen fue X" -> origin; "a/hasta/para/pa'/rumbo a/llegué a/descargué en/entregué
   en/la descarga fue en/el destino fue X" -> destination.
4. origin_before_destination: "X a Y" with no cue before X makes X the origin.
5. negations: "no de X", "no a X", "no fue X", "no X" and "X no," deny X. "No, ..."
   answering Karla denies nothing; "¿no?" is a tag.
6. corrections: after "perdón", "no, perdón", "mejor dicho", "más bien", "digo", "ah no",
   or a "no," between mentions, the next mention replaces the previous one of its kind
   and role ("a Celaya, no, perdón, a León" -> León; "el sábado, perdón, el viernes").
7. contrasts: a place with no cue next to a denied one takes its role ("fue Xalapa, no
   Veracruz" when Veracruz is the origin on file).
8. on_file_roles: a place with no cue that is on file restates that role.
9. choose: per role, the last place left standing (cue roles before on-file ones); the
   last date left standing. Places still without a role are `unassigned`: which field
   they correct is the caller's call, since it knows what it asked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from shared.domain.trip import Trip

from .cues import Role
from .dates import MEXICO_CITY
from .gazetteer import Gazetteer, PlaceMention
from .roles import (
    contrasts,
    corrections,
    cue_roles,
    negations,
    on_file_roles,
    origin_before_destination,
)
from .utterance import Utterance, collect, set_aside_other_trip


@dataclass(frozen=True, slots=True)
class TripFacts:
    """What one utterance says about the trip leg."""

    origin: PlaceMention | None = None
    destination: PlaceMention | None = None
    date: dt.date | None = None
    negated_places: list[PlaceMention] = field(default_factory=list)  # denied or replaced
    negated_dates: list[dt.date] = field(default_factory=list)
    mentions_other_trip_id: str | None = None  # a trip named that is not the one on file
    unassigned: list[PlaceMention] = field(default_factory=list)  # places with no role
    other_trip_places: list[PlaceMention] = field(default_factory=list)  # about that trip


def extract_trip_facts(text: str, now: dt.datetime, on_file: Trip | None = None) -> TripFacts:
    """What the driver says about the trip leg; `now` is the call's wall clock (tz-aware)."""
    utterance = collect(text, now, on_file)
    set_aside_other_trip(utterance)
    cue_roles(utterance)
    origin_before_destination(utterance)
    negations(utterance)
    corrections(utterance)
    contrasts(utterance)
    on_file_roles(utterance)
    return choose(utterance)


def confirms_on_file(text: str, on_file: Trip, now: dt.datetime | None = None) -> bool:
    """Whether the driver restates the trip on file ("sí, de Toluca a Querétaro, todo bien"):
    something of it is named, nothing named differs, nothing of it is denied, no other
    trip is named. Without `now` a date cannot be checked, so naming one is not a
    restatement."""
    when = now or dt.datetime.combine(on_file.date, dt.time(12), MEXICO_CITY)
    facts = extract_trip_facts(text, when, on_file)
    gazetteer = Gazetteer.load()
    file_places = (on_file.origin, on_file.destination)
    denied = any(gazetteer.same_place(p, f) for p in facts.negated_places for f in file_places)
    if denied or facts.mentions_other_trip_id or facts.unassigned:
        return False
    if on_file.date in facts.negated_dates:
        return False
    if facts.origin is not None and not gazetteer.same_place(facts.origin, on_file.origin):
        return False
    destination = facts.destination
    if destination is not None and not gazetteer.same_place(destination, on_file.destination):
        return False
    if facts.date is not None and (now is None or facts.date != on_file.date):
        return False
    return facts.origin is not None or facts.destination is not None or facts.date is not None


def choose(utterance: Utterance) -> TripFacts:
    """Rule 9: the last mention standing per role; roles from cues beat on-file ones."""
    places = utterance.places()
    standing = [item for item in places if not item.negated]

    def pick(role: Role) -> PlaceMention | None:
        for from_file in (False, True):
            found = [i.place for i in standing if i.role is role and i.from_file is from_file]
            if found:
                return found[-1]
        return None

    days = [item for item in utterance.live() if item.day is not None]
    denied: dict[str, PlaceMention] = {}
    for item in places:
        if item.negated and item.place is not None:
            denied.setdefault(item.place.canonical, item.place)
    return TripFacts(
        origin=pick(Role.ORIGIN),
        destination=pick(Role.DESTINATION),
        date=next((i.day.date for i in reversed(days) if i.day and not i.negated), None),
        negated_places=list(denied.values()),
        negated_dates=list(dict.fromkeys(i.day.date for i in days if i.day and i.negated)),
        mentions_other_trip_id=utterance.other_trip_id,
        unassigned=[i.place for i in standing if i.role is None and i.place is not None],
        other_trip_places=[i.place for i in utterance.items if i.other_trip and i.place],
    )
