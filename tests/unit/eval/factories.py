"""Small builders for scenario-runner tests: a scenario, a turn, a call's result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from devstack.eval.scenario import Scenario


@dataclass(frozen=True)
class Turn:
    speaker: str
    text: str
    interrupted: bool = False
    latency_ms: float | None = None


def make_scenario(scenario_id: str = "confirm-basic", **expect: Any) -> Scenario:
    """A confirm scenario with one other trip; `expect` overrides its expectations."""
    return Scenario.model_validate(
        {
            "id": scenario_id,
            "now": "2026-11-24T10:15:00-06:00",
            "direction": "outbound",
            "driver": {"driver_id": "D-1", "name": "Juan Pérez", "phone": "+528112345678"},
            "trip": {
                "trip_id": "T-1",
                "origin": "Monterrey, N.L.",
                "destination": "Querétaro, Qro.",
                "date": "2026-11-23",
            },
            "other_trips": [
                {
                    "trip_id": "T-2",
                    "origin": "Saltillo, Coah.",
                    "destination": "Torreón, Coah.",
                    "date": "2026-11-24",
                }
            ],
            "driver_turns": ["¿Bueno?", "Sí, soy yo.", "Sí, todo bien."],
            "expect": {"outcome": "confirmed", "tools": ["validar_viaje"], **expect},
        }
    )


TRIP_1 = {
    "trip_id": "T-1",
    "driver_id": "D-1",
    "origin": "Monterrey, N.L.",
    "destination": "Querétaro, Qro.",
    "date": "2026-11-23",
    "status": "pending",
}
TRIP_2 = {
    "trip_id": "T-2",
    "driver_id": "D-1",
    "origin": "Saltillo, Coah.",
    "destination": "Torreón, Coah.",
    "date": "2026-11-24",
    "status": "pending",
}
