"""`karla eval`: each scenario played as a whole call through the real path, then scored.

For every scenario the client-system mock is loaded with its trips, the driver is put in
Karla's directory, a calls row is written, and the call runs through the local stack
(Redis session, configured agent, ToolDispatcher, client mock over HTTP, Postgres audit) on
a clock set to the scenario's `now`. The score reads the client system and the audit, not
what Karla said she did.
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

from shared.calls.lifecycle import CallParty
from shared.config import Settings
from shared.domain.call import CallStatus, Direction

from .eval.report import print_report, write_json
from .eval.runner import run_scenarios
from .eval.scenario import Scenario, ScenarioFileError, load_scenarios
from .eval.scoring import CallResult
from .stack import LocalStack, local_stack, shifted_clock
from .text_calls import run_text_call

SCENARIO_TIMEOUT_SECONDS = 60.0


async def play_scenario(stack: LocalStack, scenario: Scenario) -> CallResult:
    trips = [trip.model_dump(mode="json") for trip in scenario.trips_on_file]
    stack.mock.reset(trips)
    before = {trip["trip_id"]: dict(trip) for trip in stack.mock.trips}
    driver = scenario.driver
    trip_id = scenario.trip.trip_id if scenario.trip else None
    if scenario.direction is Direction.INBOUND:
        trip_id = None  # the caller's number identifies the driver; Karla finds the trips
    call_id = str(uuid.uuid4())
    await stack.audit.drivers.upsert(driver.driver_id, driver.phone, driver.name)
    await stack.audit.calls.create(
        call_id,
        driver.driver_id,
        trip_id,
        driver.phone,
        scenario.direction,
        CallStatus.QUEUED,
        call_time=scenario.now,
    )
    result = await run_text_call(
        stack,
        call_id,
        CallParty(driver, scenario.direction),
        trip_id,
        scenario.driver_turns,
        shifted_clock(scenario.now),
    )
    after = {trip["trip_id"]: dict(trip) for trip in stack.mock.trips}
    pinned = result.session.trip_id
    return CallResult(
        outcome=result.outcome.value,
        tools_called=[tool.name for tool in result.played.tools],
        trip_after=after.get(pinned) if pinned else None,
        trips_before=before,
        trips_after=after,
        transcript=result.played.transcript,
    )


async def run_eval(
    settings: Settings, path: Path, json_out: Path | None, only: list[str] | None
) -> int:
    try:
        load_scenarios(path)
    except ScenarioFileError as exc:
        print(f"karla eval: {exc}", file=sys.stderr)
        return 2
    async with local_stack(settings) as stack:

        async def play(scenario: Scenario) -> CallResult:
            return await play_scenario(stack, scenario)

        try:
            runs = await run_scenarios(path, play, only=only, timeout_s=SCENARIO_TIMEOUT_SECONDS)
        except ScenarioFileError as exc:
            print(f"karla eval: {exc}", file=sys.stderr)
            return 2
    print_report(runs, sys.stdout)
    if json_out is not None:
        write_json(runs, json_out)
    return 0 if all(run.passed for run in runs) else 1
