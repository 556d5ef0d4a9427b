"""Every scenario file of the project, played as whole calls through the real path."""

from __future__ import annotations

from pathlib import Path

import pytest

from devstack.eval.runner import run_scenarios
from devstack.scenario_calls import play_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.stem)
async def test_every_scenario_passes_with_the_offline_agent(stack, path):
    async def play(scenario):
        return await play_scenario(stack, scenario)

    runs = await run_scenarios(path, play)
    failures = {
        run.scenario.id: [f"{c.name}: {c.detail}" for c in run.score.failures]
        for run in runs
        if not run.passed
    }
    assert failures == {}
    assert len(runs) >= 15
