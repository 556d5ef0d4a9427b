"""Plays every scenario of a file, one call at a time, and scores each.

The call itself is injected (`play`), so the runner is the same for the full pipeline and
for tests. A call that raises or hangs is a failed scenario with its error, never a crash
of the run: the report must stay honest about every scenario.
"""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from devstack.eval.scenario import Scenario, ScenarioFileError, load_scenarios
from devstack.eval.scoring import CallResult, ScenarioScore, score_scenario

Play = Callable[[Scenario], Awaitable[CallResult]]


@dataclass(frozen=True)
class ScenarioRun:
    scenario: Scenario
    result: CallResult
    score: ScenarioScore

    @property
    def passed(self) -> bool:
        return self.score.passed


async def run_scenarios(
    path: Path,
    play: Play,
    *,
    only: list[str] | None = None,
    timeout_s: float | None = None,
) -> list[ScenarioRun]:
    """Load `path`, play the scenarios (those named in `only`, if given) in file order."""
    scenarios = load_scenarios(path).scenarios
    if only is not None:
        unknown = sorted(set(only) - {scenario.id for scenario in scenarios})
        if unknown:
            raise ScenarioFileError(f"{path}: no scenarios with ids {unknown}")
        scenarios = [scenario for scenario in scenarios if scenario.id in only]
    runs = []
    for scenario in scenarios:
        result = await _play_safely(play, scenario, timeout_s)
        runs.append(ScenarioRun(scenario, result, score_scenario(scenario, result)))
    return runs


async def _play_safely(play: Play, scenario: Scenario, timeout_s: float | None) -> CallResult:
    deadline = asyncio.timeout(timeout_s)
    try:
        async with deadline:
            return await play(scenario)
    except Exception as exc:
        if deadline.expired():
            return CallResult(error=f"the call did not finish within {timeout_s} s")
        return CallResult(error=_describe(exc))


def _describe(exc: Exception) -> str:
    """'KeyError: 'trip_id' (at shared/x.py:12)': the error and where it was raised."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" (at {frames[-1].filename}:{frames[-1].lineno})" if frames else ""
    return f"{type(exc).__name__}: {exc}{where}"
