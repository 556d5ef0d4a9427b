"""The terminal report and the JSON report say the same thing, readably."""

from __future__ import annotations

import io
import json
from pathlib import Path

from devstack.eval.report import print_report, write_json
from devstack.eval.runner import ScenarioRun
from devstack.eval.scoring import CallResult, score_scenario
from tests.unit.eval.factories import TRIP_1, TRIP_2, Turn, make_scenario

VALIDATED = {**TRIP_1, "status": "validated"}


def passing_run() -> ScenarioRun:
    scenario = make_scenario("confirm-basic", trip_after={"status": "validated"})
    result = CallResult(
        outcome="confirmed",
        tools_called=["validar_viaje"],
        trip_after=VALIDATED,
        transcript=[
            Turn("driver", "¿Bueno?"),
            Turn("karla", "Hola, buenos días. ¿Hablo con Juan Pérez?", latency_ms=812.4),
            Turn("driver", "Sí, soy yo."),
        ],
    )
    return ScenarioRun(scenario, result, score_scenario(scenario, result))


def failing_run() -> ScenarioRun:
    scenario = make_scenario("update-wrong", untouched=["T-2"])
    result = CallResult(
        outcome="updated",
        tools_called=["actualizar_viaje", "actualizar_viaje"],
        trips_before={"T-2": TRIP_2},
        trips_after={"T-2": {**TRIP_2, "destination": "Cancún"}},
        transcript=[
            Turn("driver", "¿Bueno?"),
            Turn("karla", "Hola. Soy Karla. Le llamo por su viaje.", True, 950.0),
            Turn("driver", "Sí, soy yo."),
            Turn("karla", "Listo, gracias.", latency_ms=None),
        ],
    )
    return ScenarioRun(scenario, result, score_scenario(scenario, result))


def crashed_run() -> ScenarioRun:
    scenario = make_scenario("crashed")
    result = CallResult(error="ConnectionError: refused")
    return ScenarioRun(scenario, result, score_scenario(scenario, result))


def test_terminal_report():
    out = io.StringIO()
    print_report([passing_run(), failing_run(), crashed_run()], out)
    text = out.getvalue()
    assert text.endswith("\n")
    assert text.splitlines()[-1] == "1 passed, 2 failed"
    passing, failing, crashed = text.split("\n\n")[:3]
    assert passing.splitlines() == [
        "PASS confirm-basic",
        "  passed  outcome, tools, trip_after.status, short_turns, no_error",
        "  driver: ¿Bueno?",
        "  karla: Hola, buenos días. ¿Hablo con Juan Pérez?  [812 ms]",
        "  driver: Sí, soy yo.",
    ]
    assert failing.splitlines() == [
        "FAIL update-wrong",
        "  failed  outcome: expected confirmed, got updated",
        "  failed  tools: expected [validar_viaje], got [actualizar_viaje]",
        "  failed  untouched.T-2: destination: 'Torreón, Coah.' -> 'Cancún'",
        "  failed  short_turns: turn 2 has 3 sentences: 'Hola. Soy Karla. Le llamo por su viaje.'",
        "  passed  no_error",
        "  driver: ¿Bueno?",
        "  karla: Hola. Soy Karla. Le llamo por su viaje. (interrumpida)  [950 ms]"
        "  <-- 3 sentences, max 2",
        "  driver: Sí, soy yo.",
        "  karla: Listo, gracias.",
    ]
    assert "  failed  no_error: ConnectionError: refused" in crashed.splitlines()


def test_empty_run_still_ends_with_the_totals():
    out = io.StringIO()
    print_report([], out)
    assert out.getvalue() == "0 passed, 0 failed\n"


def test_json_report(tmp_path: Path):
    path = tmp_path / "reports" / "eval.json"
    write_json([passing_run(), failing_run()], path)
    report = json.loads(path.read_text(encoding="utf-8"))
    assert report["totals"] == {"scenarios": 2, "passed": 1, "failed": 1}
    passing, failing = report["scenarios"]
    assert passing["id"] == "confirm-basic" and passing["passed"] is True
    assert passing["latencies_ms"] == [812.4]
    assert passing["expected"]["outcome"] == "confirmed"
    transcript = [tuple(turn.values()) for turn in failing.pop("transcript")]
    assert transcript == [
        ("driver", "¿Bueno?", False, None, 1),
        ("karla", "Hola. Soy Karla. Le llamo por su viaje.", True, 950.0, 3),
        ("driver", "Sí, soy yo.", False, None, 1),
        ("karla", "Listo, gracias.", False, None, 1),
    ]
    assert list(passing["transcript"][0]) == [
        "speaker",
        "text",
        "interrupted",
        "latency_ms",
        "sentences",
    ]
    assert failing == {
        "id": "update-wrong",
        "passed": False,
        "outcome": "updated",
        "expected": {
            "outcome": "confirmed",
            "tools": ["validar_viaje"],
            "trip_after": None,
            "untouched": ["T-2"],
        },
        "tools": ["actualizar_viaje", "actualizar_viaje"],
        "error": None,
        "checks": [
            {"name": "outcome", "passed": False, "detail": "expected confirmed, got updated"},
            {
                "name": "tools",
                "passed": False,
                "detail": "expected [validar_viaje], got [actualizar_viaje]",
            },
            {
                "name": "untouched.T-2",
                "passed": False,
                "detail": "destination: 'Torreón, Coah.' -> 'Cancún'",
            },
            {
                "name": "short_turns",
                "passed": False,
                "detail": "turn 2 has 3 sentences: 'Hola. Soy Karla. Le llamo por su viaje.'",
            },
            {"name": "no_error", "passed": True, "detail": ""},
        ],
        "latencies_ms": [950.0],
        "long_turns": [2],
    }
    assert "Cancún" in path.read_text(encoding="utf-8")  # readable, not \u-escaped
