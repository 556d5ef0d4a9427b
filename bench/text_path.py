"""`python -m bench text`: how fast Karla's text path is, in figures.

1. The offline agent's decision time per turn (pure CPU, no I/O).
2. Whole calls through the local stack (Redis session, agent, ToolDispatcher, client mock
   over HTTP, Postgres audit): wall time per call and per Karla turn, sequential and with
   concurrent calls.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from pathlib import Path
from typing import Any

from bench.stats import percentiles
from devstack.eval.scenario import load_scenarios
from devstack.scenario_calls import play_scenario
from devstack.stack import local_stack
from media_server.providers.llm.offline import OfflineAgent
from shared.config import load_settings
from shared.domain.session import Message, Role

SCENARIOS = Path(__file__).resolve().parent.parent / "tests" / "scenarios" / "scenarios.yaml"


async def agent_decisions(rounds: int) -> dict[str, float]:
    """Time the offline agent over every driver line of the scenarios, in microseconds."""
    from devstack.eval.scenario import LineKind
    from shared.domain.fsm import CallState
    from shared.domain.session import CallSession

    agent = OfflineAgent()
    cases: list[CallSession] = []
    for scenario in load_scenarios(SCENARIOS).scenarios:
        for line in scenario.driver_turns:
            text = "" if line.kind is LineKind.SILENCE else line.text
            for state in (CallState.GREETING, CallState.VALIDATING):
                cases.append(
                    CallSession(
                        call_id=str(uuid.uuid4()),
                        direction=scenario.direction,
                        driver=scenario.driver,
                        trip_id=scenario.trip.trip_id if scenario.trip else None,
                        trip_on_file=scenario.trip,
                        state=state,
                        call_time=scenario.now,
                        agent_memory={"asked_identity": True},
                        messages=[Message(role=Role.DRIVER, text=text)],
                    )
                )
    samples = []
    for _ in range(rounds):
        for case in cases:
            started = time.perf_counter()
            async for _event in agent.respond(case):
                pass
            samples.append((time.perf_counter() - started) * 1e6)
    return percentiles(samples)


async def whole_calls(calls: int, concurrency: int) -> dict[str, Any]:
    settings = load_settings(redis_key_prefix=f"karla-bench:{uuid.uuid4().hex[:8]}:")
    scenarios = load_scenarios(SCENARIOS).scenarios
    per_call: list[float] = []
    per_turn: list[float] = []
    async with local_stack(settings) as stack:
        started = time.perf_counter()
        for batch_start in range(0, calls, concurrency):
            batch = [
                scenarios[i % len(scenarios)]
                for i in range(batch_start, min(calls, batch_start + concurrency))
            ]

            async def one(scenario: Any) -> None:
                t0 = time.perf_counter()
                result = await play_scenario(stack, scenario)
                per_call.append((time.perf_counter() - t0) * 1000)
                per_turn.extend(t.latency_ms for t in result.transcript if t.latency_ms is not None)

            if concurrency == 1:
                await one(batch[0])
            else:
                # Concurrent calls share one client mock: play them against their own trips.
                await asyncio.gather(*(one(s) for s in batch))
        elapsed = time.perf_counter() - started
    return {
        "calls": calls,
        "concurrency": concurrency,
        "calls_per_second": calls / elapsed,
        "call_ms": percentiles(per_call),
        "karla_turn_ms": percentiles(per_turn),
    }


def show(title: str, figures: dict[str, float], unit: str) -> None:
    print(
        f"{title:<46} p50 {figures['p50']:8.2f} {unit}  p95 {figures['p95']:8.2f} {unit}  "
        f"p99 {figures['p99']:8.2f} {unit}  (n={int(figures['n'])})"
    )


async def run(args: argparse.Namespace) -> dict[str, Any]:
    report: dict[str, Any] = {"agent_decision_us": await agent_decisions(args.rounds)}
    show("offline agent decision", report["agent_decision_us"], "µs")
    sequential = await whole_calls(args.calls, 1)
    report["text_calls_sequential"] = sequential
    show("whole text call (sequential)", sequential["call_ms"], "ms")
    show("Karla turn incl. tools (sequential)", sequential["karla_turn_ms"], "ms")
    print(f"{'throughput (sequential)':<46} {sequential['calls_per_second']:.1f} calls/s")
    return report


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--calls", type=int, default=60, help="whole text calls (sequential)")
    parser.add_argument("--rounds", type=int, default=200, help="rounds over the agent cases")


def run_sync(args: argparse.Namespace) -> dict[str, Any]:
    return asyncio.run(run(args))
