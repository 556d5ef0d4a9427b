"""The runner plays scenarios in order and reports a failing or crashing call honestly."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from devstack.eval.runner import run_scenarios
from devstack.eval.scenario import Scenario, ScenarioFileError
from devstack.eval.scoring import CallResult
from tests.unit.eval.factories import Turn

PUBLIC_SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios" / "scenarios.yaml"


def perfect_call(scenario: Scenario) -> CallResult:
    """What a call that met every expectation leaves behind."""
    expect = scenario.expect
    trips = {trip.trip_id: trip.model_dump(mode="json") for trip in scenario.trips_on_file}
    return CallResult(
        outcome=expect.outcome.value,
        tools_called=[tool.value for tool in expect.tools or []],
        trip_after=dict(expect.trip_after or {}),
        trips_before=trips,
        trips_after={trip_id: dict(trip) for trip_id, trip in trips.items()},
        transcript=[Turn("driver", line.text) for line in scenario.driver_turns],
    )


async def test_plays_every_scenario_in_file_order():
    played: list[str] = []

    async def play(scenario: Scenario) -> CallResult:
        played.append(scenario.id)
        return perfect_call(scenario)

    runs = await run_scenarios(PUBLIC_SCENARIOS, play)
    assert [run.scenario.id for run in runs] == played
    assert len(runs) == 15
    assert all(run.passed for run in runs), [run.score.failures for run in runs]


async def test_only_selects_scenarios_and_refuses_unknown_ids():
    async def play(scenario: Scenario) -> CallResult:
        return perfect_call(scenario)

    runs = await run_scenarios(PUBLIC_SCENARIOS, play, only=["wrong-person", "confirm-basic"])
    assert [run.scenario.id for run in runs] == ["confirm-basic", "wrong-person"]
    with pytest.raises(ScenarioFileError, match=r"no scenarios with ids \['nope'\]"):
        await run_scenarios(PUBLIC_SCENARIOS, play, only=["nope", "confirm-basic"])


async def test_a_wrong_call_fails_its_scenario_only():
    async def play(scenario: Scenario) -> CallResult:
        if scenario.id == "update-destination":
            return CallResult(outcome="confirmed", tools_called=["validar_viaje"])
        return perfect_call(scenario)

    runs = await run_scenarios(PUBLIC_SCENARIOS, play, only=["confirm-basic", "update-destination"])
    assert [run.passed for run in runs] == [True, False]
    failed = {check.name for check in runs[1].score.failures}
    assert {"outcome", "tools", "trip_after.destination"} <= failed


async def test_a_call_that_raises_is_a_failed_scenario_not_a_crash():
    async def play(scenario: Scenario) -> CallResult:
        if scenario.id == "confirm-basic":
            raise ConnectionError("client API refused the connection")
        return perfect_call(scenario)

    runs = await run_scenarios(PUBLIC_SCENARIOS, play, only=["confirm-basic", "confirm-slang"])
    crashed, fine = runs
    assert not crashed.passed and fine.passed
    assert crashed.result.outcome is None and crashed.result.transcript == ()
    error = crashed.result.error or ""
    assert error.startswith("ConnectionError: client API refused the connection (at ")
    assert "test_runner.py" in error
    assert any(c.name == "no_error" and c.detail == error for c in crashed.score.failures)


async def test_a_call_that_hangs_times_out_as_a_failure():
    async def play(scenario: Scenario) -> CallResult:
        if scenario.id == "confirm-basic":
            await asyncio.sleep(10)
        return perfect_call(scenario)

    runs = await run_scenarios(
        PUBLIC_SCENARIOS, play, only=["confirm-basic", "confirm-slang"], timeout_s=0.05
    )
    assert [run.passed for run in runs] == [False, True]
    assert runs[0].result.error == "the call did not finish within 0.05 s"


async def test_a_timeout_raised_by_the_call_itself_is_reported_as_its_error():
    async def play(scenario: Scenario) -> CallResult:
        raise TimeoutError("LLM stream stalled")

    (run,) = await run_scenarios(PUBLIC_SCENARIOS, play, only=["confirm-basic"], timeout_s=5)
    assert (run.result.error or "").startswith("TimeoutError: LLM stream stalled")


async def test_a_bad_file_is_an_error_before_any_call(tmp_path: Path):
    async def play(scenario: Scenario) -> CallResult:
        raise AssertionError("must not be called")

    with pytest.raises(ScenarioFileError, match="no such scenario file"):
        await run_scenarios(tmp_path / "missing.yaml", play)
