"""Scenario results for a person at a terminal, and as JSON for CI and comparisons.

The terminal report shows why a scenario failed next to the conversation that made it
fail; the last line is always `N passed, M failed` so scripts can read it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from devstack.eval.runner import ScenarioRun
from devstack.eval.scoring import MAX_SENTENCES, TranscriptTurn, is_long_turn
from shared.domain.call import Speaker
from shared.domain.sentences import count_sentences


def print_report(results: Sequence[ScenarioRun], stream: TextIO) -> None:
    for run in results:
        _print_run(run, stream)
        print(file=stream)
    print(summary_line(results), file=stream)


def summary_line(results: Sequence[ScenarioRun]) -> str:
    passed = sum(run.passed for run in results)
    return f"{passed} passed, {len(results) - passed} failed"


def write_json(results: Sequence[ScenarioRun], path: Path) -> None:
    passed = sum(run.passed for run in results)
    report = {
        "scenarios": [_run_json(run) for run in results],
        "totals": {"scenarios": len(results), "passed": passed, "failed": len(results) - passed},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _print_run(run: ScenarioRun, out: TextIO) -> None:
    print(f"{'PASS' if run.passed else 'FAIL'} {run.scenario.id}", file=out)
    for check in run.score.failures:
        print(f"  failed  {check.name}: {check.detail}", file=out)
    passed = [check.name for check in run.score.checks if check.passed]
    if passed:
        print(f"  passed  {', '.join(passed)}", file=out)
    for turn in run.result.transcript:
        print(f"  {_turn_line(turn)}", file=out)


def _turn_line(turn: TranscriptTurn) -> str:
    line = f"{turn.speaker}: {turn.text}"
    if turn.interrupted:
        line += " (interrumpida)"
    if turn.latency_ms is not None:
        line += f"  [{turn.latency_ms:.0f} ms]"
    if is_long_turn(turn):
        line += f"  <-- {count_sentences(turn.text)} sentences, max {MAX_SENTENCES}"
    return line


def _run_json(run: ScenarioRun) -> dict[str, Any]:
    transcript = run.result.transcript
    return {
        "id": run.scenario.id,
        "passed": run.passed,
        "outcome": run.result.outcome,
        "expected": run.scenario.expect.model_dump(mode="json"),
        "tools": run.result.tools_called,
        "error": run.result.error,
        "checks": [
            {"name": check.name, "passed": check.passed, "detail": check.detail}
            for check in run.score.checks
        ],
        "transcript": [
            {
                "speaker": turn.speaker,
                "text": turn.text,
                "interrupted": turn.interrupted,
                "latency_ms": turn.latency_ms,
                "sentences": count_sentences(turn.text),
            }
            for turn in transcript
        ],
        "latencies_ms": [
            turn.latency_ms
            for turn in transcript
            if turn.speaker == Speaker.KARLA and turn.latency_ms is not None
        ],
        "long_turns": [number for number, turn in enumerate(transcript, 1) if is_long_turn(turn)],
    }
