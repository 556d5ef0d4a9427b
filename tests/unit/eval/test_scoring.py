"""Scoring a played call: each check passes when it should and fails, with a reason, when not."""

from __future__ import annotations

from typing import Any

import pytest

from devstack.eval.scoring import CallResult, Check, ScenarioScore, score_scenario
from tests.unit.eval.factories import TRIP_1, TRIP_2, Turn, make_scenario

VALIDATED = {**TRIP_1, "status": "validated"}
GOOD_TRANSCRIPT = [
    Turn("driver", "¿Bueno?"),
    Turn("karla", "Hola, buenas tardes. ¿Hablo con Juan Pérez?", latency_ms=700.0),
    Turn("driver", "Sí, soy yo."),
]


def result(**changes: Any) -> CallResult:
    """A call that did everything the default scenario expects."""
    fields: dict[str, Any] = {
        "outcome": "confirmed",
        "tools_called": ["validar_viaje"],
        "trip_after": VALIDATED,
        "trips_before": {"T-1": TRIP_1, "T-2": TRIP_2},
        "trips_after": {"T-1": VALIDATED, "T-2": dict(TRIP_2)},
        "transcript": GOOD_TRANSCRIPT,
    }
    return CallResult(**{**fields, **changes})


def check(score: ScenarioScore, name: str) -> Check:
    (found,) = [c for c in score.checks if c.name == name]
    return found


def test_a_call_that_met_every_expectation_passes():
    scenario = make_scenario(
        trip_after={
            "origin": "Monterrey",
            "destination": "Queretaro",
            "date": "2026-11-23",
            "status": "Validated",
        },
        untouched=["T-2"],
    )
    score = score_scenario(scenario, result())
    assert score.passed, score.failures
    assert [c.name for c in score.checks] == [
        "outcome",
        "tools",
        "trip_after.origin",
        "trip_after.destination",
        "trip_after.date",
        "trip_after.status",
        "untouched.T-2",
        "short_turns",
        "no_error",
    ]


def test_wrong_outcome():
    score = score_scenario(make_scenario(), result(outcome="updated"))
    assert not score.passed
    assert score.failures == [Check("outcome", False, "expected confirmed, got updated")]


def test_no_outcome():
    failed = check(score_scenario(make_scenario(), result(outcome=None)), "outcome")
    assert failed == Check("outcome", False, "expected confirmed, got none")


@pytest.mark.parametrize(
    ("expected", "called", "passed"),
    [
        (["validar_viaje"], ["validar_viaje", "validar_viaje"], True),  # repeats count once
        (["actualizar_viaje", "transferir_a_humano"],
         ["actualizar_viaje", "transferir_a_humano", "actualizar_viaje"], True),
        (["validar_viaje"], ["consultar_viaje", "validar_viaje"], True),  # not a write
        (["validar_viaje"], ["actualizar_viaje", "validar_viaje"], False),
        (["actualizar_viaje", "transferir_a_humano"],
         ["transferir_a_humano", "actualizar_viaje"], False),  # order of first call
        (["validar_viaje"], [], False),
        ([], [], True),
        ([], ["transferir_a_humano"], False),  # [] : none may be called
    ],
)  # fmt: skip
def test_tools_distinct_in_order_of_first_call(
    expected: list[str], called: list[str], passed: bool
):
    scenario = make_scenario(tools=expected)
    assert check(score_scenario(scenario, result(tools_called=called)), "tools").passed is passed


def test_tools_detail_and_unchecked_when_not_expected():
    failed = check(score_scenario(make_scenario(tools=[]), result()), "tools")
    assert failed.detail == "expected none, got [validar_viaje]"
    scenario = make_scenario(tools=None)
    assert "tools" not in [c.name for c in score_scenario(scenario, result()).checks]


@pytest.mark.parametrize(
    ("wanted", "actual", "passed"),
    [
        ("Queretaro", "Querétaro, Qro.", True),
        ("querétaro", "QUERETARO", True),
        ("San Luis Potosí", "San  Luis Potosi, S.L.P.", True),
        ("Ciudad de México", "Cd. de México", False),
        ("Querétaro", "Celaya, Gto.", False),
        ("Monterrey, N.L.", "Monterrey", False),  # expected must be inside the actual
    ],
)
def test_places_match_by_accent_and_case_insensitive_containment(
    wanted: str, actual: str, passed: bool
):
    scenario = make_scenario(trip_after={"destination": wanted})
    trip = {**VALIDATED, "destination": actual}
    verdict = check(score_scenario(scenario, result(trip_after=trip)), "trip_after.destination")
    assert verdict.passed is passed
    assert verdict.detail == f"expected {wanted!r} in {actual!r}"


@pytest.mark.parametrize(
    ("actual", "passed"),
    [("2026-11-23", True), ("20261123", True), ("2026-11-22", False), ("23/11/2026", False)],
)
def test_dates_compare_as_iso_dates(actual: str, passed: bool):
    scenario = make_scenario(trip_after={"date": "2026-11-23"})
    trip = {**VALIDATED, "date": actual}
    assert check(score_scenario(scenario, result(trip_after=trip)), "trip_after.date").passed is (
        passed
    )


def test_other_fields_compare_case_insensitively():
    scenario = make_scenario(trip_after={"status": "validated"})
    assert check(score_scenario(scenario, result()), "trip_after.status").passed
    pending = check(score_scenario(scenario, result(trip_after=TRIP_1)), "trip_after.status")
    assert pending == Check("trip_after.status", False, "expected 'validated', got 'pending'")


def test_trip_after_missing_trip_or_field():
    scenario = make_scenario(trip_after={"origin": "Monterrey"})
    no_trip = check(score_scenario(scenario, result(trip_after=None)), "trip_after.origin")
    assert no_trip == Check("trip_after.origin", False, "no trip after the call")
    no_field = {k: v for k, v in VALIDATED.items() if k != "origin"}
    failed = check(score_scenario(scenario, result(trip_after=no_field)), "trip_after.origin")
    assert failed == Check("trip_after.origin", False, "the trip has no origin")


def test_untouched_trip_unchanged():
    scenario = make_scenario(untouched=["T-2"])
    assert check(score_scenario(scenario, result()), "untouched.T-2") == Check(
        "untouched.T-2", True, "unchanged"
    )


@pytest.mark.parametrize(
    ("after", "detail"),
    [
        ({**TRIP_2, "destination": "Cancún"}, "destination: 'Torreón, Coah.' -> 'Cancún'"),
        ({**TRIP_2, "note": "x"}, "note: '<absent>' -> 'x'"),
        ({k: v for k, v in TRIP_2.items() if k != "status"}, "status: 'pending' -> '<absent>'"),
        ({**TRIP_2, "date": "2026-11-24 "}, "date: '2026-11-24' -> '2026-11-24 '"),
    ],
)
def test_untouched_detects_any_change(after: dict[str, Any], detail: str):
    scenario = make_scenario(untouched=["T-2"])
    changed = result(trips_after={"T-1": VALIDATED, "T-2": after})
    assert check(score_scenario(scenario, changed), "untouched.T-2") == Check(
        "untouched.T-2", False, detail
    )


def test_untouched_compares_json_values_not_python_equality():
    before, after = {**TRIP_2, "legs": 1}, {**TRIP_2, "legs": 1.0}
    changed = result(trips_before={"T-2": before}, trips_after={"T-2": after})
    score = score_scenario(make_scenario(untouched=["T-2"]), changed)
    assert check(score, "untouched.T-2") == Check("untouched.T-2", False, "legs: 1 -> 1.0")


def test_untouched_trip_missing_before_or_after():
    scenario = make_scenario(untouched=["T-2"])
    gone = check(score_scenario(scenario, result(trips_after={})), "untouched.T-2")
    assert gone == Check("untouched.T-2", False, "gone from the client system after the call")
    unseeded = check(score_scenario(scenario, result(trips_before={})), "untouched.T-2")
    assert not unseeded.passed
    assert unseeded.detail == "not in the client system before the call"


def test_karla_turns_over_two_sentences_fail_and_are_listed():
    transcript = [
        Turn("karla", "Hola. Soy Karla. ¿Hablo con Juan?"),
        Turn("driver", "Sí. Soy yo. ¿Qué pasó? Dígame."),  # drivers may ramble
        Turn("karla", "Perfecto. ¿Me confirma el viaje de Monterrey, N.L. a Querétaro, Qro.?"),
        Turn("karla", "Uno. Dos. Tres. Cuatro.", interrupted=True),
    ]
    failed = check(score_scenario(make_scenario(), result(transcript=transcript)), "short_turns")
    assert not failed.passed
    assert failed.detail == (
        "turn 1 has 3 sentences: 'Hola. Soy Karla. ¿Hablo con Juan?'; "
        "turn 4 has 4 sentences: 'Uno. Dos. Tres. Cuatro.'"
    )


def test_an_error_fails_the_scenario():
    score = score_scenario(make_scenario(), result(error="RuntimeError: redis is down"))
    assert not score.passed
    assert score.failures == [Check("no_error", False, "RuntimeError: redis is down")]
