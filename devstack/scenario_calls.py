"""`karla eval`: each scenario played as a whole call through the real path, then scored.

For every scenario the client-system mock is loaded with its trips, the driver is put in
Karla's directory, a calls row is written, and the call runs through the local stack
(Redis session, configured agent, ToolDispatcher, client mock over HTTP, Postgres audit) on
a clock set to the scenario's `now`. The score reads the client system and the audit, not
what Karla said she did.

By default the call is played as text (fast). With `--voice` it is played as audio through
the media server on loopback, in real time (VAD, STT, turn-taking, barge-in, TTS, pacing):
slower, and it scores what the driver actually heard of each Karla turn.
"""

from __future__ import annotations

import contextlib
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
from .media_link import MediaLine, serving_media, with_media_secret
from .stack import LocalStack, local_stack, shifted_clock
from .text_calls import TextCallResult, run_text_call
from .voice_calls import VoiceCallResult, run_voice_call

SCENARIO_TIMEOUT_SECONDS = 60.0
VOICE_SCENARIO_TIMEOUT_SECONDS = 180.0  # real-time audio: a long call takes a minute or two


async def play_scenario(
    stack: LocalStack, scenario: Scenario, media: MediaLine | None = None
) -> CallResult:
    """Play `scenario` as text, or as audio through `media` when given."""
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
    party = CallParty(driver, scenario.direction)
    clock = shifted_clock(scenario.now)
    result: TextCallResult | VoiceCallResult
    if media is None:
        result = await run_text_call(stack, call_id, party, trip_id, scenario.driver_turns, clock)
    else:
        result = await run_voice_call(
            stack, media.urls, media.channels, call_id, party, trip_id, scenario.driver_turns, clock
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
    settings: Settings,
    path: Path,
    json_out: Path | None,
    only: list[str] | None,
    *,
    voice: bool = False,
) -> int:
    try:
        load_scenarios(path)
    except ScenarioFileError as exc:
        print(f"karla eval: {exc}", file=sys.stderr)
        return 2
    if voice:
        settings = with_media_secret(settings)
    timeout = VOICE_SCENARIO_TIMEOUT_SECONDS if voice else SCENARIO_TIMEOUT_SECONDS
    async with local_stack(settings) as stack, contextlib.AsyncExitStack() as exits:
        media = await exits.enter_async_context(serving_media(stack)) if voice else None

        async def play(scenario: Scenario) -> CallResult:
            return await play_scenario(stack, scenario, media)

        try:
            runs = await run_scenarios(path, play, only=only, timeout_s=timeout)
        except ScenarioFileError as exc:
            print(f"karla eval: {exc}", file=sys.stderr)
            return 2
    print_report(runs, sys.stdout)
    if json_out is not None:
        write_json(runs, json_out)
    return 0 if all(run.passed for run in runs) else 1
