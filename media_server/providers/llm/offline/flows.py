"""The two working flows of a call: checking the trip on file, and collecting a new one.

Both end the same way: the trip Karla would write is read back, and only a yes writes it.
A no asks what is wrong; new facts change the draft and it is read back again.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from media_server.pipeline.agent import AgentEvent, StateHint, TextDelta, ToolRequest
from shared.domain.fsm import CallEvent, CallState, Tool
from shared.domain.session import CallSession
from shared.domain.trip import Trip
from shared.tools.dispatcher import ToolCall

from . import phrases
from .extract import TripFacts, confirms_on_file, extract_trip_facts
from .gazetteer import Gazetteer
from .intents import Intent
from .memory import FIELDS, DialogueMemory, Draft

MAX_MISUNDERSTOOD = 2
MEXICO_CITY = ZoneInfo("America/Mexico_City")


@dataclass(frozen=True)
class Turn:
    """One driver line and everything needed to answer it."""

    session: CallSession
    memory: DialogueMemory
    text: str

    @property
    def today(self) -> dt.date:
        return self.session.call_time.astimezone(MEXICO_CITY).date()

    def facts(self, reference: Draft | None) -> TripFacts:
        on_file = None
        if reference and reference.origin and reference.destination and reference.date:
            on_file = Trip(
                trip_id=self.session.trip_id or "nuevo",
                driver_id=self.session.driver.driver_id,
                origin=reference.origin,
                destination=reference.destination,
                date=reference.date,
            )
        return extract_trip_facts(self.text, self.session.call_time, on_file)

    def misunderstood(self, question: str) -> list[AgentEvent]:
        """Re-ask once; a driver Karla keeps not understanding goes to a person."""
        count = self.memory.misunderstood + 1
        if count >= MAX_MISUNDERSTOOD:
            return transfer(self, "confusion")
        memory = self.memory.model_copy(update={"misunderstood": count})
        return [memory.remember(), TextDelta(f"{phrases.NOT_UNDERSTOOD} {question}")]


def transfer(
    turn: Turn, reason: str, *, line: str = phrases.HAND_OFF, summary: str | None = None
) -> list[AgentEvent]:
    return [
        TextDelta(line),
        _tool(
            Tool.TRANSFERIR_A_HUMANO,
            {"motivo": reason, "resumen": (summary or turn.text or reason)[:300]},
        ),
    ]


def validate_trip(turn: Turn, intent: Intent) -> list[AgentEvent]:
    """Validating the trip on file, or correcting it (updating)."""
    session, memory = turn.session, turn.memory
    trip = session.trip_on_file
    assert trip is not None
    on_file = Draft.of(trip)
    draft = memory.draft or on_file
    facts = turn.facts(draft)
    if facts.mentions_other_trip_id:
        memory = memory.model_copy(update={"other_trip_refused": True})
    changed = _apply(draft, facts, memory.asking)
    if changed != draft:
        return _read_back(turn, memory, changed, update=True)
    inbound = session.direction == "inbound"
    question = phrases.read_trip(draft, turn.today, inbound=inbound)
    if not memory.trip_read:
        memory = memory.model_copy(update={"trip_read": True})
        return [memory.remember(), TextDelta(question)]
    if intent is Intent.CONFUSED:
        return turn.misunderstood(phrases.confirm_again(draft, turn.today))
    restated = confirms_on_file(turn.text, _trip_of(turn, draft), session.call_time)
    if memory.asking != "which" and (intent is Intent.YES or restated):
        return _write(memory, draft, on_file)
    if intent is Intent.NO or _denies(facts, draft):
        memory = memory.model_copy(update={"read_back": False, "asking": "which", "draft": draft})
        events: list[AgentEvent] = [memory.remember(), TextDelta(phrases.WHAT_IS_WRONG)]
        if session.state is CallState.VALIDATING:
            events.insert(0, StateHint(CallEvent.DISCREPANCY))
        return events
    again = phrases.confirm_again(draft, turn.today)
    if facts.mentions_other_trip_id:
        return [memory.remember(), TextDelta(f"{phrases.ONLY_THIS_TRIP} {again}")]
    return Turn(session, memory, turn.text).misunderstood(again)


def collect_trip(turn: Turn, intent: Intent, *, opening: bool = False) -> list[AgentEvent]:
    """Creating a trip: origin, destination, date, one a turn, taking what was said."""
    memory = turn.memory
    starting = opening or memory.draft is None
    draft = memory.draft or Draft()
    facts = turn.facts(draft if not draft.missing() else None)
    filled = _apply(draft, facts, memory.asking, fill_missing=True)
    if memory.read_back and filled == draft:
        if intent is Intent.YES:
            return _create(memory, draft)
        if intent is Intent.NO:
            memory = memory.model_copy(update={"read_back": False, "asking": "which"})
            return [memory.remember(), TextDelta(phrases.WHAT_IS_WRONG)]
    missing = filled.missing()
    if not missing:
        return _read_back(turn, memory, filled, update=False)
    if filled == draft and not starting:
        asked = memory.asking if memory.asking in FIELDS else missing[0]
        return turn.misunderstood(phrases.QUESTIONS[asked])
    memory = memory.model_copy(
        update={"draft": filled, "asking": missing[0], "read_back": False, "misunderstood": 0}
    )
    return [memory.remember(), TextDelta(phrases.ask(missing[0], first=opening))]


def _read_back(
    turn: Turn, memory: DialogueMemory, draft: Draft, *, update: bool
) -> list[AgentEvent]:
    memory = memory.model_copy(
        update={"draft": draft, "read_back": True, "asking": None, "misunderstood": 0}
    )
    events: list[AgentEvent] = []
    if update and turn.session.state is CallState.VALIDATING:
        events.append(StateHint(CallEvent.DISCREPANCY))
    say = phrases.read_back_update if update else phrases.read_back_new
    return [*events, memory.remember(), TextDelta(say(draft, turn.today))]


def _apply(
    draft: Draft, facts: TripFacts, asking: str | None, *, fill_missing: bool = False
) -> Draft:
    """The draft with what the driver just said; places without a role go where asked."""
    values = draft.model_dump()
    if facts.origin is not None:
        values["origin"] = facts.origin.canonical
    if facts.destination is not None:
        values["destination"] = facts.destination.canonical
    if facts.date is not None:
        values["date"] = facts.date
    for place in facts.unassigned:
        target = asking if asking in ("origin", "destination") else None
        if target is None and fill_missing:
            target = next((f for f in ("origin", "destination") if values[f] is None), None)
        if target is None and asking == "which":
            target = "destination"
        if target is not None:
            values[target] = place.canonical
    updated = Draft(**values)
    gazetteer = Gazetteer.load()
    for name in ("origin", "destination"):
        old, new = getattr(draft, name), getattr(updated, name)
        if old and new and gazetteer.same_place(old, new):
            values[name] = old  # the same place said another way is no change
    return Draft(**values)


def _denies(facts: TripFacts, draft: Draft) -> bool:
    gazetteer = Gazetteer.load()
    places = [p for p in (draft.origin, draft.destination) if p]
    return bool(draft.date in facts.negated_dates) or any(
        gazetteer.same_place(denied, place) for denied in facts.negated_places for place in places
    )


def _write(memory: DialogueMemory, draft: Draft, on_file: Draft) -> list[AgentEvent]:
    changes = {
        key: value
        for key, value in (
            ("origen", draft.origin if draft.origin != on_file.origin else None),
            ("destino", draft.destination if draft.destination != on_file.destination else None),
            (
                "fecha",
                draft.date.isoformat() if draft.date and draft.date != on_file.date else None,
            ),
        )
        if value is not None
    }
    memory = memory.model_copy(update={"read_back": False})
    if changes:
        return [memory.remember(), _tool(Tool.ACTUALIZAR_VIAJE, changes)]
    return [memory.remember(), _tool(Tool.VALIDAR_VIAJE, {})]


def _create(memory: DialogueMemory, draft: Draft) -> list[AgentEvent]:
    assert draft.date is not None
    memory = memory.model_copy(update={"read_back": False})
    arguments = {
        "origen": draft.origin,
        "destino": draft.destination,
        "fecha": draft.date.isoformat(),
    }
    return [memory.remember(), _tool(Tool.CREAR_VIAJE, arguments)]


def _trip_of(turn: Turn, draft: Draft) -> Trip:
    assert draft.origin and draft.destination and draft.date
    return Trip(
        trip_id="ref",
        driver_id=turn.session.driver.driver_id,
        origin=draft.origin,
        destination=draft.destination,
        date=draft.date,
    )


def _tool(tool: Tool, arguments: Mapping[str, object]) -> ToolRequest:
    return ToolRequest(
        ToolCall(id=f"off-{uuid.uuid4().hex[:12]}", name=tool.value, arguments=dict(arguments))
    )
