"""Loading scenario files: what the format allows, and a clear message for each mistake."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from devstack.eval.scenario import LineKind, ScenarioFileError, load_scenarios
from shared.domain.call import Direction, Outcome
from shared.domain.fsm import Tool

PUBLIC_SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios" / "scenarios.yaml"


def scenario(scenario_id: str = "confirm", **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": scenario_id,
        "now": "2026-11-24T10:15:00-06:00",
        "direction": "outbound",
        "driver": {"driver_id": "D-1", "name": "Juan Pérez", "phone": "+528112345678"},
        "trip": {
            "trip_id": "T-1",
            "origin": "Monterrey, N.L.",
            "destination": "Guadalajara, Jal.",
            "date": "2026-11-23",
        },
        "driver_turns": ["¿Bueno?", "[interrumpe] Sí, soy yo.", "[silencio]"],
        "expect": {"outcome": "confirmed", "tools": ["validar_viaje"]},
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not ...}


def write(tmp_path: Path, content: object) -> Path:
    path = tmp_path / "scenarios.yaml"
    text = content if isinstance(content, str) else yaml.safe_dump(content, allow_unicode=True)
    path.write_text(text, encoding="utf-8")
    return path


def load_error(tmp_path: Path, content: object) -> str:
    with pytest.raises(ScenarioFileError) as caught:
        load_scenarios(write(tmp_path, content))
    return str(caught.value)


def test_the_public_scenarios_load():
    scenarios = load_scenarios(PUBLIC_SCENARIOS).scenarios
    assert len(scenarios) == 15
    assert len({s.id for s in scenarios}) == 15
    injection = next(s for s in scenarios if s.id == "injection-other-trip")
    assert [trip.trip_id for trip in injection.trips_on_file] == ["T-6001", "T-6002"]
    barge_in = next(s for s in scenarios if s.id == "barge-in-confirm")
    assert barge_in.driver_turns[1].kind is LineKind.BARGE_IN


def test_a_valid_file(tmp_path: Path):
    path = write(
        tmp_path,
        {
            "version": 1,
            "scenarios": [
                scenario(
                    other_trips=[
                        {
                            "trip_id": "T-2",
                            "driver_id": "D-9",
                            "origin": "Saltillo",
                            "destination": "Torreón",
                            "date": "2026-11-24",
                        }
                    ],
                    expect={
                        "outcome": "confirmed",
                        "tools": ["validar_viaje"],
                        "trip_after": {"destination": "Guadalajara", "date": "2026-11-23"},
                        "untouched": ["T-2"],
                    },
                )
            ],
        },
    )
    (loaded,) = load_scenarios(path).scenarios
    assert loaded.now == dt.datetime(2026, 11, 24, 16, 15, tzinfo=dt.UTC)
    assert loaded.direction is Direction.OUTBOUND
    assert loaded.trip is not None
    assert loaded.trip.driver_id == "D-1"  # the scenario's driver, when not given
    assert loaded.trip.date == dt.date(2026, 11, 23)
    assert loaded.other_trips[0].driver_id == "D-9"
    assert [(line.kind, line.text) for line in loaded.driver_turns] == [
        (LineKind.SPEECH, "¿Bueno?"),
        (LineKind.BARGE_IN, "Sí, soy yo."),
        (LineKind.SILENCE, ""),
    ]
    assert loaded.expect.outcome is Outcome.CONFIRMED
    assert loaded.expect.tools == [Tool.VALIDAR_VIAJE]
    assert loaded.expect.trip_after == {"destination": "Guadalajara", "date": "2026-11-23"}
    assert loaded.expect.untouched == ["T-2"]


def test_liberal_where_the_format_allows(tmp_path: Path):
    text = """
version: 1
scenarios:
  - id: create-null
    now: 2026-11-24T10:00:00-06:00
    direction: inbound
    driver: {driver_id: D-1, name: "Juan", phone: "+528112345678"}
    trip: null
    other_trips: null
    driver_turns: []
    expect:
      outcome: ended_without_change
      tools: []
      trip_after: {date: 2026-11-23, status: created}
  - id: create-absent
    now: "2026-11-24T10:00:00Z"
    direction: outbound
    driver: {driver_id: D-2, name: "Ana", phone: "+528112345679"}
    driver_turns: ["[Silencio]", "[interrumpe]Oiga"]
    expect: {outcome: created}
"""
    first, second = load_scenarios(write(tmp_path, text)).scenarios
    assert first.trip is None and first.other_trips == [] and first.trips_on_file == []
    assert first.expect.tools == []  # none may be called
    assert first.expect.trip_after == {"date": "2026-11-23", "status": "created"}
    assert second.trip is None
    assert second.expect.tools is None  # not checked
    assert [line.kind for line in second.driver_turns] == [LineKind.SILENCE, LineKind.BARGE_IN]
    assert second.driver_turns[1].text == "Oiga"


def test_missing_file(tmp_path: Path):
    with pytest.raises(ScenarioFileError, match=r"nope\.yaml: no such scenario file"):
        load_scenarios(tmp_path / "nope.yaml")


def test_yaml_syntax_error_names_the_line(tmp_path: Path):
    message = load_error(tmp_path, "version: 1\nscenarios:\n  - id: [a, b\n    now: x\n")
    assert "YAML syntax error at line 4" in message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "expected a mapping with 'version' and 'scenarios'"),
        ("- a\n- b\n", "expected a mapping"),
        ({"version": 2, "scenarios": [scenario()]}, "version 2 is not supported"),
        ({"scenarios": [scenario()]}, "version None is not supported"),
        ({"version": 1, "scenarios": []}, "'scenarios' must be a non-empty list"),
    ],
)
def test_file_level_errors(tmp_path: Path, content: object, expected: str):
    assert expected in load_error(tmp_path, content)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"now": "2026-11-24T10:15:00"}, "scenario 'bad': now: needs a UTC offset"),
        ({"expect": ...}, "scenario 'bad': expect: Field required"),
        ({"direction": "sideways"}, "scenario 'bad': direction: Input should be 'outbound'"),
        ({"trip": {"trip_id": "T-1", "origin": "A", "destination": "B", "date": "ayer"}},
         "scenario 'bad': trip.date: Input should be a valid date"),
        ({"driver": {"driver_id": "D-1", "name": "J", "phone": 528112345678}},
         "scenario 'bad': driver.phone: Input should be a valid string (quote it in the YAML)"),
        ({"driver_turns": ["Hola", {"Sí": "soy yo"}]},
         "scenario 'bad': driver_turns: line 2 is not a string ({'Sí': 'soy yo'}); quote it"),
        ({"driver_turns": ["[interrumpe]  "]},
         "driver_turns: line 1: [interrumpe] is not followed by what the driver says"),
        ({"driver_turns": ["  "]}, "driver_turns: line 1: empty line; write [silencio]"),
        ({"expect": {"outcome": "confirmado"}}, "expect.outcome: Input should be 'confirmed'"),
        ({"expect": {"outcome": "confirmed", "tools": ["borrar_viaje"]}},
         "expect.tools[0]: Input should be 'validar_viaje'"),
        ({"expect": {"outcome": "confirmed", "untuched": ["T-1"]}},
         "scenario 'bad': expect.untuched: Extra inputs are not permitted"),
        ({"expect": {"outcome": "confirmed", "trip_after": {"destino": "León"}}},
         "expect.trip_after: unknown trip fields ['destino']"),
        ({"expect": {"outcome": "confirmed", "trip_after": {"date": "23/11/2026"}}},
         "expect.trip_after: date '23/11/2026' is not an ISO date"),
        ({"other_trips": [{"trip_id": "T-1", "origin": "A", "destination": "B",
                           "date": "2026-11-23"}]},
         "scenario 'bad': trip ids ['T-1'] appear more than once"),
    ],
)  # fmt: skip
def test_scenario_errors_name_the_scenario_and_field(
    tmp_path: Path, changes: dict[str, Any], expected: str
):
    message = load_error(tmp_path, {"version": 1, "scenarios": [scenario("bad", **changes)]})
    assert expected in message
    assert message.startswith(str(tmp_path / "scenarios.yaml"))


def test_every_problem_is_reported_at_once(tmp_path: Path):
    content = {
        "version": 1,
        "scenarios": [
            scenario("one", now="2026-11-24T10:15:00"),
            scenario(id=...),
            scenario("three", direction="sideways"),
        ],
    }
    lines = load_error(tmp_path, content).splitlines()
    assert len(lines) == 3
    assert "scenario 'one': now" in lines[0]
    assert "scenario #2: id: Field required" in lines[1]
    assert "scenario 'three': direction" in lines[2]


def test_duplicate_ids(tmp_path: Path):
    content = {"version": 1, "scenarios": [scenario("same"), scenario("other"), scenario("same")]}
    assert "duplicate scenario ids ['same']" in load_error(tmp_path, content)
