"""Scoring one played call against its scenario's expectations.

Pure (a call's observable results in, checks out) so the verdicts can be unit-tested and
trusted without playing a call.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from devstack.eval.scenario import Scenario
from shared.domain.call import Speaker
from shared.domain.fsm import Tool
from shared.domain.sentences import count_sentences

MAX_SENTENCES = 2
PLACE_FIELDS = frozenset({"origin", "destination"})
DATE_FIELDS = frozenset({"date"})
_SCORED_TOOLS = frozenset(tool.value for tool in Tool)  # all four write or transfer


class TranscriptTurn(Protocol):
    """One turn as heard: Karla's `text` is what the driver heard when she was interrupted."""

    @property
    def speaker(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def interrupted(self) -> bool: ...
    @property
    def latency_ms(self) -> float | None: ...


@dataclass(frozen=True)
class CallResult:
    """What a played call left behind, as the client system and the call record show it.

    `trip_after` holds the pinned (or created) trip under Karla's field names; the
    `trips_*` maps hold every trip in the client system by trip_id, as raw JSON.
    """

    outcome: str | None = None
    tools_called: list[str] = field(default_factory=list)  # in call order, with repeats
    trip_after: dict[str, Any] | None = None
    trips_before: dict[str, dict[str, Any]] = field(default_factory=dict)
    trips_after: dict[str, dict[str, Any]] = field(default_factory=dict)
    transcript: Sequence[TranscriptTurn] = ()
    error: str | None = None


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str = ""


@dataclass(frozen=True)
class ScenarioScore:
    checks: list[Check]

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [check for check in self.checks if not check.passed]


def score_scenario(scenario: Scenario, result: CallResult) -> ScenarioScore:
    expect = scenario.expect
    checks = [_outcome(expect.outcome.value, result.outcome)]
    if expect.tools is not None:
        checks.append(_tools([tool.value for tool in expect.tools], result.tools_called))
    for name, wanted in (expect.trip_after or {}).items():
        checks.append(_trip_field(name, wanted, result.trip_after))
    checks += [_untouched(trip_id, result) for trip_id in expect.untouched]
    checks.append(_short_turns(result.transcript))
    checks.append(Check("no_error", result.error is None, result.error or ""))
    return ScenarioScore(checks)


def is_long_turn(turn: TranscriptTurn) -> bool:
    """A Karla turn over the sentence cap: too long to say on the phone in one breath."""
    return turn.speaker == Speaker.KARLA and count_sentences(turn.text) > MAX_SENTENCES


def _fold_place(text: str) -> str:
    """'Querétaro,  Qro.' -> 'queretaro, qro.': how a place is compared."""
    bare = "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )
    return " ".join(bare.casefold().split())


def _outcome(expected: str, got: str | None) -> Check:
    return Check("outcome", got == expected, f"expected {expected}, got {got or 'none'}")


def _tools(expected: list[str], called: list[str]) -> Check:
    distinct = list(dict.fromkeys(name for name in called if name in _SCORED_TOOLS))
    return Check(
        "tools", distinct == expected, f"expected {_names(expected)}, got {_names(distinct)}"
    )


def _names(tools: list[str]) -> str:
    return "[" + ", ".join(tools) + "]" if tools else "none"


def _trip_field(name: str, wanted: str, trip: Mapping[str, Any] | None) -> Check:
    check = f"trip_after.{name}"
    if trip is None:
        return Check(check, False, "no trip after the call")
    if trip.get(name) is None:
        return Check(check, False, f"the trip has no {name}")
    got = str(trip[name])
    if name in PLACE_FIELDS:
        return Check(
            check, _fold_place(wanted) in _fold_place(got), f"expected {wanted!r} in {got!r}"
        )
    if name in DATE_FIELDS:
        same = _iso_date(got) == dt.date.fromisoformat(wanted)
        return Check(check, same, f"expected {wanted}, got {got!r}")
    same = wanted.strip().casefold() == got.strip().casefold()
    return Check(check, same, f"expected {wanted!r}, got {got!r}")


def _iso_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


def _untouched(trip_id: str, result: CallResult) -> Check:
    check = f"untouched.{trip_id}"
    before, after = result.trips_before.get(trip_id), result.trips_after.get(trip_id)
    if before is None:
        return Check(check, False, "not in the client system before the call")
    if after is None:
        return Check(check, False, "gone from the client system after the call")
    changed = [
        f"{key}: {before.get(key, '<absent>')!r} -> {after.get(key, '<absent>')!r}"
        for key in sorted(before.keys() | after.keys())
        if key not in before or key not in after or _canon(before[key]) != _canon(after[key])
    ]
    return Check(check, not changed, "; ".join(changed) or "unchanged")


def _canon(value: object) -> str:
    """JSON text, so 1 and 1.0 or True and 1 count as different, as they are on the wire."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _short_turns(transcript: Sequence[TranscriptTurn]) -> Check:
    offending = [
        f"turn {number} has {count_sentences(turn.text)} sentences: {turn.text!r}"
        for number, turn in enumerate(transcript, start=1)
        if is_long_turn(turn)
    ]
    return Check(
        "short_turns",
        not offending,
        "; ".join(offending) or f"every Karla turn has at most {MAX_SENTENCES} sentences",
    )
