"""`karla eval --voice`: public scenarios played as real-time audio through the media server."""

from __future__ import annotations

import json

from devstack.scenario_calls import run_eval

from ...conftest import ROOT

SCENARIOS = ROOT / "tests" / "scenarios" / "scenarios.yaml"
PLAYED = ["confirm-basic", "barge-in-confirm", "update-self-correction", "silence-after-answer"]


async def test_public_scenarios_pass_over_audio(
    voice_settings, redis_client, brisk_voice, tmp_path
):
    report_path = tmp_path / "eval.json"
    code = await run_eval(voice_settings, SCENARIOS, report_path, PLAYED, voice=True)
    report = json.loads(report_path.read_text(encoding="utf-8"))
    failures = {
        run["id"]: [check for check in run["checks"] if not check["passed"]]
        for run in report["scenarios"]
        if not run["passed"]
    }
    assert failures == {}
    assert code == 0
    assert report["totals"] == {"scenarios": 4, "passed": 4, "failed": 0}
    barge_in = next(run for run in report["scenarios"] if run["id"] == "barge-in-confirm")
    assert any(turn["interrupted"] for turn in barge_in["transcript"] if turn["speaker"] == "karla")
