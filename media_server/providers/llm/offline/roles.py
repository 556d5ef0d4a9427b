"""Rules 3 to 8 of extract.py: what role each mention plays, and which ones are denied.

Each rule reads and updates the mentions of one Utterance, in order; extract.py then
chooses among what is left (rule 9).
"""

from __future__ import annotations

import itertools

from .cues import (
    DESTINATION_PREPOSITIONS,
    NEGATION_BRIDGE,
    NEGATION_REACH,
    NEGATIONS,
    ROLE_WINDOW,
    Role,
    correction_at,
    role_from_words,
)
from .utterance import Utterance


def cue_roles(utterance: Utterance) -> None:
    """Rule 3: a place's role comes from the words between it and the previous place (or
    the sentence start, or a correction marker): see cues.role_from_words."""
    previous_end = 0
    for item in utterance.places():
        low = max(previous_end, item.first - ROLE_WINDOW)
        for index in range(low, item.first):
            if utterance.sentence_of[index] != item.sentence:
                low = index + 1
            elif marker := correction_at(utterance.words, index):
                low = index + marker
        item.role = role_from_words(utterance.words[low : item.first])
        previous_end = item.end


def origin_before_destination(utterance: Utterance) -> None:
    """Rule 4: "Saltillo a Monterrey", "Querétaro pa' San Luis": with no cue of its own,
    the place right before a destination is the origin."""
    for before, after in itertools.pairwise(utterance.places()):
        between = utterance.words[before.end : after.first]
        if (
            before.role is None
            and after.role is Role.DESTINATION
            and before.sentence == after.sentence
            and between
            and all(word in DESTINATION_PREPOSITIONS for word in between)
        ):
            before.role = Role.ORIGIN


def negations(utterance: Utterance) -> None:
    """Rule 5: "no" right before a mention (through words like "fue", "de", "el": "no fue
    ayer", "no de Veracruz", "no León"), or "X no" closing a phrase ("Veracruz no, ..."),
    denies it. A "no" followed by a comma answers Karla ("No, salí de Silao") and denies
    nothing; "¿no?" is a tag question."""
    covered = {index for item in utterance.items for index in range(item.first, item.end)}
    words = utterance.words
    for item in utterance.items:
        for index in range(item.first - 1, max(item.first - NEGATION_REACH - 2, -1), -1):
            if utterance.sentence_of[index] != item.sentence or index in covered:
                break
            if words[index] in NEGATIONS:
                item.negated = not utterance.gap_after(index).strip()
                break
            if words[index] not in NEGATION_BRIDGE:
                break
        after = item.end
        if (
            after < len(words)
            and words[after] == "no"
            and not utterance.gap_after(after - 1).strip()
        ):
            closing = utterance.gap_after(after).strip()
            ends_phrase = bool(closing) or after + 1 == len(words)
            if (ends_phrase and "?" not in closing) or words[after + 1 : after + 2] == ["sino"]:
                item.negated = True


def corrections(utterance: Utterance) -> None:
    """Rule 6: after a correction marker ("perdón", "no, perdón", "mejor dicho", "más bien",
    "digo", "ah no", or a "no," between two mentions), the next mention replaces the one
    before it of the same kind and role, and a next place with no cue takes the replaced
    one's role: "a Celaya, no, perdón, León" -> destination León, Celaya denied."""
    words = utterance.words
    for index in range(len(words)):
        length = correction_at(words, index)
        if not length and words[index] == "no":
            gap = utterance.gap_after(index).strip()
            length = 1 if gap and "?" not in gap else 0
        if not length:
            continue
        live = utterance.live()
        following = next((item for item in live if item.first >= index + length), None)
        if following is None:
            continue
        is_place = following.place is not None
        earlier = [i for i in live if i.end <= index and (i.place is not None) == is_place]
        if not earlier or earlier[-1].negated:
            continue
        replaced = earlier[-1]
        if is_place and following.role is None:
            following.role = replaced.role
        if not is_place or following.role == replaced.role:
            replaced.negated = True


def contrasts(utterance: Utterance) -> None:
    """Rule 7: next to a denied place, a place with no cue takes the denied one's role, from
    its cue or from the trip on file: "fue Xalapa, no Veracruz" when Veracruz is the
    origin on file makes Xalapa the origin."""
    for before, after in itertools.pairwise(utterance.places()):
        if before.sentence != after.sentence or before.negated == after.negated:
            continue
        kept, denied = (after, before) if before.negated else (before, after)
        if kept.role is None and denied.place is not None:
            kept.role = denied.role or utterance.file_role(denied.place)


def on_file_roles(utterance: Utterance) -> None:
    """Rule 8: a place with no cue that is the trip's origin or destination on file
    restates that role (weaker than any cue)."""
    for item in utterance.places():
        if item.role is None and not item.negated and item.place is not None:
            item.role = utterance.file_role(item.place)
            item.from_file = item.role is not None
