"""`python -m bench side-by-side`: Karla's media server and a pipecat 1.14 bot under the same
caller load, each pinned to one core, in the same run.

For N = 50, 100, 200, 400, 800 concurrent calls (a system leaves the ladder at the first N
where it falls behind), each step starts the bot fresh, warms it with two calls, reads its
idle memory, plays N callers from the load generator (its own process, on the other core),
and reports per system: added latency p50/p95/p99 (caller's end of utterance to the bot's
first audio frame), the bot's event-loop lag p99 (measured inside the bot), CPU (share of
its one core over the window), memory per live call ((RSS at N - RSS idle) / N), and late,
dropped and unanswered turns. Then it narrows down each system's largest real-time N
between its last passing and first failing step, and prints the Karla / pipecat ratio.

Then, Karla only: one run with the providers' latencies modelled at the vendors' claimed
values (voice-to-voice p50/p95), and a soak of 2,000 calls through one process (memory at
start and end). `--json PATH` writes everything.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from bench import bots, lagprobe, procstat
from bench.bots import KARLA, PIPECAT, Bot, BotFailed, VendorLatency
from bench.protocol import FRAME_S
from bench.stats import percentile, percentiles

LADDER = (50, 100, 200, 400, 800)
QUICK_LADDER = (50, 100, 200, 400)
LOOP_LAG_P99_LIMIT_MS = 20.0
LATENCY_P95_LIMIT_MS = 50.0
BAD_FRAMES_LIMIT = 0.01  # late + dropped, as a share of the frames the replies should have
NOISY_LIMIT = 0.10  # cores other processes may use in a window before a step is rerun
NOISY_RETRIES = 2
QUIET_CORES = 0.15  # machine-wide CPU use (in cores) below which a step may start
MIN_CALLS = 5

# Provider latencies at the vendors' claimed values (../shared/MISSION.md), for the
# voice-to-voice run. Deepgram: final transcript "under 200 ms" after the end of speech;
# ElevenLabs Flash v2.5: "about 75 ms" time to first byte. Claude Haiku 4.5 publishes no
# time-to-first-token figure: 400 ms is our assumption for a short streamed answer.
VENDOR_LATENCY = VendorLatency(stt_final_ms=200, llm_first_token_ms=400, tts_first_byte_ms=75)


@dataclass(frozen=True)
class Plan:
    ladder: tuple[int, ...]
    hold_s: float
    refine_probes: int
    vendor_calls: int
    soak_calls: int
    soak_lanes: int
    quiet_wait_s: float = 20.0  # how long a step may wait for a quiet machine

    @classmethod
    def full(cls) -> Plan:
        return cls(
            LADDER, hold_s=15, refine_probes=3, vendor_calls=100, soak_calls=2000, soak_lanes=25
        )

    @classmethod
    def quick(cls) -> Plan:
        return cls(
            QUICK_LADDER, hold_s=6, refine_probes=1, vendor_calls=50, soak_calls=2000, soak_lanes=50
        )


def ramp_s(calls: int) -> float:
    return max(2.0, calls / 100)


def run_loadgen(args: list[str], core: int | None, timeout_s: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-loadgen-") as tmp:
        out = Path(tmp) / "result.json"
        subprocess.run(
            [sys.executable, "-m", "bench.loadgen", *args, "--out", str(out)],
            cwd=bots.REPO,
            check=True,
            timeout=timeout_s,
            preexec_fn=bots.pinned(core),
        )
        result: dict[str, Any] = json.loads(out.read_text())
        return result


def warm_up(bot: Bot, loadgen_core: int | None) -> None:
    """Two short calls, so lazily imported code and first-call caches are not measured."""
    run_loadgen(
        ["--url", bot.url, "--calls", "2", "--ramp-s", "0.2", "--hold-s", "2.5", "--tail-s", "0.5"],
        loadgen_core,
        timeout_s=60,
    )


class WindowMeter:
    """CPU of the bot, of the load generator and of everyone else over the window."""

    def __init__(self, bot_pid: int, loadgen_pid: int) -> None:
        self.pids = (bot_pid, loadgen_pid)
        self.cpus = sorted(bots.os.sched_getaffinity(0))
        self._start = self._read()

    def _read(self) -> tuple[float, float, float, float]:
        bot_pid, loadgen_pid = self.pids
        return (
            time.monotonic(),
            procstat.cpu_seconds(bot_pid),
            procstat.cpu_seconds(loadgen_pid),
            sum(procstat.core_busy_seconds(cpu) for cpu in self.cpus),
        )

    def stop(self) -> dict[str, float]:
        end = self._read()
        wall, bot_cpu, loadgen_cpu, busy = (e - s for e, s in zip(end, self._start, strict=True))
        return {
            "wall_s": wall,
            "bot_cpu_s": bot_cpu,
            "bot_core_share": bot_cpu / wall,
            "loadgen_core_share": loadgen_cpu / wall,
            # Anything else running on the machine (a shared dev box): not the bot's doing.
            "other_processes_cores": max(0.0, busy - bot_cpu - loadgen_cpu) / wall,
        }


def run_step(
    system: str,
    calls: int,
    plan: Plan,
    pipecat_python: Path | None,
    vendor: VendorLatency | None = None,
) -> dict[str, Any]:
    bot_core, loadgen_core = bots.cores()
    bot = bots.start_bot(system, pipecat_python, vendor.env() if vendor else None, core=bot_core)
    try:
        warm_up(bot, loadgen_core)
        time.sleep(1.0)
        rss_idle = procstat.rss_bytes(bot.pid)
        ramp = ramp_s(calls)
        tail_s = 4.0
        t0 = time.monotonic() + 1.0
        window = (t0 + ramp, t0 + ramp + plan.hold_s)
        out = bot.lag_file.with_name("load.json")
        loadgen = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.loadgen",
                "--url",
                bot.url,
                "--calls",
                str(calls),
                "--ramp-s",
                str(ramp),
                "--hold-s",
                str(plan.hold_s),
                "--tail-s",
                str(tail_s),
                "--start-at",
                repr(t0),
                "--out",
                str(out),
            ],
            cwd=bots.REPO,
            preexec_fn=bots.pinned(loadgen_core),  # noqa: PLW1509
        )
        _sleep_until(window[0])
        meter = WindowMeter(bot.pid, loadgen.pid)
        rss_samples = []
        while time.monotonic() < window[1] and bot.process.poll() is None:
            _sleep_until(min(window[1], time.monotonic() + 1.0))
            rss_samples.append(procstat.rss_bytes(bot.pid))
        alive = bot.process.poll() is None
        usage = meter.stop() if alive else {}
        loadgen.wait(timeout=ramp + plan.hold_s + tail_s + 60)
        load = json.loads(out.read_text())
        lag_s = lagprobe.read_samples(bot.lag_file, *window) if bot.lag_file.exists() else []
        if not alive:
            load["errors"].insert(0, f"{system} died:\n{bot.log_tail()}")
    finally:
        bot.cleanup()
    return summarise(
        system,
        calls,
        load,
        lag_s,
        rss_idle,
        rss_samples,
        usage,
        plan.hold_s,
        latency_limit_ms=None if vendor else LATENCY_P95_LIMIT_MS,
    )


def summarise(
    system: str,
    calls: int,
    load: dict[str, Any],
    lag_s: list[float],
    rss_idle: int,
    rss_samples: list[int],
    usage: dict[str, float],
    hold_s: float,
    latency_limit_ms: float | None,
) -> dict[str, Any]:
    latency = percentiles(load["latency_ms"])
    lag_p99_ms = percentile(lag_s, 0.99) * 1000 if lag_s else math.nan
    rss_at_n = rss_samples[-1] if rss_samples else rss_idle
    expected_frames = load["turns"] * round(1.0 / FRAME_S)
    bad_frames = load["late_frames"] + load["dropped_frames"]
    behind = []
    if not lag_s or lag_p99_ms >= LOOP_LAG_P99_LIMIT_MS:
        behind.append(f"loop lag p99 {lag_p99_ms:.1f} ms")
    if latency_limit_ms is not None and (not latency["n"] or latency["p95"] >= latency_limit_ms):
        behind.append(f"latency p95 {latency['p95']:.1f} ms")
    if load["failed_connects"] or load["unanswered_turns"]:
        behind.append(
            f"{load['failed_connects']} failed calls, {load['unanswered_turns']} unanswered turns"
        )
    if expected_frames and bad_frames > BAD_FRAMES_LIMIT * expected_frames:
        behind.append(f"{bad_frames} late/dropped frames")
    if not load["turns"]:
        behind.append("no turn measured")
    if not usage:
        behind.append("the bot died")
    # A saturated generator offers less load than asked and delays what it measures: the
    # step says nothing. Other processes only take CPU from the bot: that can make it fall
    # behind, never keep it in real time, so it matters only when the bot fell behind.
    noise = []
    if load["loadgen"]["saturated"]:
        noise.append(
            f"load generator saturated (its loop lag p99 "
            f"{load['loadgen']['loop_lag_p99_ms']:.0f} ms)"
        )
    others = usage.get("other_processes_cores", 0.0)
    if behind and others > NOISY_LIMIT:
        noise.append(f"other processes used {others:.0%} of a core")
    status = "inconclusive" if noise else ("behind" if behind else "realtime")
    return {
        "system": system,
        "calls": calls,
        "status": status,
        "realtime": status == "realtime",
        "why_behind": behind,
        "why_inconclusive": noise,
        "latency_ms": latency,
        "loop_lag_p99_ms": lag_p99_ms,
        "loop_lag_samples": len(lag_s),
        "cpu_core_share": usage.get("bot_core_share", math.nan),
        "usage": usage,
        "rss_idle_mb": rss_idle / 2**20,
        "rss_at_n_mb": rss_at_n / 2**20,
        "kb_per_call": (rss_at_n - rss_idle) / 1024 / calls,
        "turns": load["turns"],
        "bot_frames": load["bot_frames"],
        "late_frames": load["late_frames"],
        "dropped_frames": load["dropped_frames"],
        "unanswered_turns": load["unanswered_turns"],
        "failed_connects": load["failed_connects"],
        "stray_frames": load["stray_frames"],
        "worst_underrun_ms": load["worst_underrun_ms"],
        "loadgen": load["loadgen"],
        "errors": load["errors"][:5],
        "hold_s": hold_s,
    }


def wait_for_quiet(max_wait_s: float) -> None:
    """On a shared machine, wait (a while) until other processes leave the cores alone."""
    deadline = time.monotonic() + max_wait_s
    cpus = sorted(bots.os.sched_getaffinity(0))
    while time.monotonic() < deadline:
        before = sum(procstat.core_busy_seconds(cpu) for cpu in cpus)
        time.sleep(1.0)
        if sum(procstat.core_busy_seconds(cpu) for cpu in cpus) - before < QUIET_CORES:
            return


def _sleep_until(at: float) -> None:
    time.sleep(max(0.0, at - time.monotonic()))


HEADER = (
    f"{'system':<8}{'calls':>6}  {'latency p50/p95/p99 ms':>24}  {'loop lag':>9}  "
    f"{'CPU':>5}  {'KB/call':>7}  {'late':>5}  {'drop':>5}  {'unans':>5}  verdict"
)


def row(step: dict[str, Any]) -> str:
    if "error" in step:
        return f"{step['system']:<8}{step['calls']:>6}  could not run: {step['error']}"
    lat = step["latency_ms"]
    verdict = {
        "realtime": "real time",
        "behind": "behind: " + "; ".join(step["why_behind"]),
        "inconclusive": "inconclusive: " + "; ".join(step["why_inconclusive"]),
    }[step["status"]]
    others = step["usage"].get("other_processes_cores", 0.0)
    if others > NOISY_LIMIT and step["status"] != "inconclusive":
        verdict += f" [other processes used {others:.0%} of a core]"
    return (
        f"{step['system']:<8}{step['calls']:>6}  "
        f"{lat['p50']:>7.1f} /{lat['p95']:>7.1f} /{lat['p99']:>7.1f}  "
        f"{step['loop_lag_p99_ms']:>6.1f} ms  {step['cpu_core_share'] * 100:>4.0f}%  "
        f"{step['kb_per_call']:>7.0f}  {step['late_frames']:>5}  {step['dropped_frames']:>5}  "
        f"{step['unanswered_turns']:>5}  {verdict}"
    )


def measure(
    system: str,
    calls: int,
    plan: Plan,
    pipecat_python: Path | None,
    vendor: VendorLatency | None = None,
) -> dict[str, Any]:
    """One step, run again (up to NOISY_RETRIES times) while its figures are not trustworthy."""
    discarded: list[dict[str, Any]] = []
    for attempt in range(1 + NOISY_RETRIES):
        wait_for_quiet(plan.quiet_wait_s)
        try:
            step = run_step(system, calls, plan, pipecat_python, vendor)
        except (BotFailed, subprocess.SubprocessError, OSError) as exc:
            step = {
                "system": system,
                "calls": calls,
                "status": "error",
                "realtime": False,
                "error": str(exc),
            }
            break
        if step["status"] != "inconclusive":
            break
        if attempt < NOISY_RETRIES:
            print(f"{row(step)}  [run again]", flush=True)
            discarded.append(step)
    else:
        if not step["loadgen"]["saturated"]:
            # Never quiet enough: report what was measured, flagged.
            step["status"] = "behind"
            step["why_behind"].append("on a busy machine")
    step["discarded_runs"] = discarded
    print(row(step), flush=True)
    return step


def capacity_search(
    systems: list[str], plan: Plan, pipecat_python: Path | None
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """The ladder, both systems at each N, then bisection of each system's limit."""
    steps: list[dict[str, Any]] = []
    passed: dict[str, int] = dict.fromkeys(systems, 0)
    behind_at: dict[str, int | None] = dict.fromkeys(systems, None)
    unsure_at: dict[str, int | None] = dict.fromkeys(systems, None)
    print(HEADER, flush=True)

    def probe(system: str, calls: int) -> None:
        step = measure(system, calls, plan, pipecat_python)
        steps.append(step)
        if step["status"] == "realtime":
            passed[system] = max(passed[system], calls)
        elif step["status"] == "behind":
            behind_at[system] = min(calls, behind_at[system] or calls)
        else:
            unsure_at[system] = min(calls, unsure_at[system] or calls)

    for calls in plan.ladder:
        for system in systems:
            if behind_at[system] is None and unsure_at[system] is None:
                probe(system, calls)
    for system in systems:
        for _ in range(plan.refine_probes):
            # Narrow down between the last real-time step and the first one that was not
            # (behind, or not trustworthy: a smaller N may be measurable).
            bounds = [n for n in (behind_at[system], unsure_at[system]) if n is not None]
            if not bounds:
                break
            high = min(bounds)
            calls = max(MIN_CALLS, round((passed[system] + high) / 2 / 5) * 5)
            if calls >= high or calls <= passed[system] or high - passed[system] <= high // 8:
                break
            probe(system, calls)
    capacity = {
        system: {
            "largest_realtime_calls": passed[system],
            "first_behind_calls": behind_at[system],
            "first_inconclusive_calls": unsure_at[system],
            # The limit is known when the bot itself fell behind just above it.
            "exact": behind_at[system] is not None
            and (unsure_at[system] is None or behind_at[system] < unsure_at[system]),
        }
        for system in systems
    }
    return steps, capacity


def vendor_latency_run(plan: Plan) -> dict[str, Any]:
    step = measure(KARLA, plan.vendor_calls, plan, None, vendor=VENDOR_LATENCY)
    step["modelled_latency_ms"] = asdict(VENDOR_LATENCY)
    return step


def soak(plan: Plan) -> dict[str, Any]:
    """`plan.soak_calls` calls through one Karla process; RSS sampled all along."""
    bot_core, loadgen_core = bots.cores()
    bot = bots.start_bot(KARLA, None, core=bot_core)
    try:
        warm_up(bot, loadgen_core)
        time.sleep(1.0)
        rss_start = procstat.rss_bytes(bot.pid)
        out = bot.lag_file.with_name("soak.json")
        loadgen = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.loadgen",
                "--url",
                bot.url,
                "--soak",
                str(plan.soak_calls),
                "--lanes",
                str(plan.soak_lanes),
                "--out",
                str(out),
            ],
            cwd=bots.REPO,
            preexec_fn=bots.pinned(loadgen_core),  # noqa: PLW1509 (no threads here)
        )
        started = time.monotonic()
        trend: list[tuple[float, float]] = []  # (seconds since start, RSS MB)
        while loadgen.poll() is None and bot.process.poll() is None:
            time.sleep(2.0)
            trend.append((time.monotonic() - started, procstat.rss_bytes(bot.pid) / 2**20))
        loadgen.wait(timeout=60)
        result = json.loads(out.read_text())
        time.sleep(2.0)
        alive = bot.process.poll() is None
        rss_end = procstat.rss_bytes(bot.pid) if alive else 0
    finally:
        bot.cleanup()
    half = [mb for at, mb in trend if at >= trend[-1][0] / 2] if trend else []
    calls_per_s = plan.soak_calls / result["elapsed_s"]
    return {
        "calls": plan.soak_calls,
        "concurrent": plan.soak_lanes,
        "completed_calls": result["completed_calls"],
        "failed_connects": result["failed_connects"],
        "unanswered_turns": result["unanswered_turns"],
        "elapsed_s": result["elapsed_s"],
        "latency_ms": percentiles(result["latency_ms"]),
        "rss_start_mb": rss_start / 2**20,
        "rss_end_mb": rss_end / 2**20,
        # Growth over the second half of the run, per call: warm-up is over by then (RSS
        # climbs for the first few hundred calls, see bench/README.md), so what is left
        # looks like a leak.
        "second_half_kb_per_call": (half[-1] - half[0]) * 1024 / (calls_per_s * trend[-1][0] / 2)
        if len(half) > 1
        else None,
        "rss_trend_mb": [(round(at, 1), round(mb, 2)) for at, mb in trend],
        "bot_alive_at_end": alive,
        "errors": result["errors"][:5],
    }


def print_capacity(capacity: dict[str, dict[str, Any]]) -> dict[str, Any]:
    print(
        "\nlargest N that stays real time on one core "
        f"(loop lag p99 < {LOOP_LAG_P99_LIMIT_MS:.0f} ms, added latency p95 < "
        f"{LATENCY_P95_LIMIT_MS:.0f} ms, no failed call or unanswered turn, late + dropped "
        f"frames < {BAD_FRAMES_LIMIT:.0%}):"
    )
    for system, cap in capacity.items():
        largest = cap["largest_realtime_calls"]
        if cap["exact"]:
            bound = f"{largest} (behind at {cap['first_behind_calls']})"
        elif cap["first_inconclusive_calls"] is not None:
            bound = (
                f"≥ {largest} (at {cap['first_inconclusive_calls']} the run was not "
                "trustworthy: see the row)"
            )
        else:
            bound = f"≥ {largest} (never fell behind)"
        print(f"  {system:<8} {bound}")
    ratio: dict[str, Any] = {}
    if KARLA in capacity and PIPECAT in capacity:
        k = capacity[KARLA]["largest_realtime_calls"]
        p = capacity[PIPECAT]["largest_realtime_calls"]
        karla_exact = capacity[KARLA]["exact"]
        ratio = {
            "karla_over_pipecat": k / p if p else None,
            "karla_is_lower_bound": not karla_exact,
        }
        if p:
            print(
                f"  Karla / pipecat = {k} / {p} = {k / p:.1f}x"
                + ("" if karla_exact else " (at least: Karla's own limit was not reached)")
            )
        else:
            print(f"  Karla / pipecat: pipecat held no step in real time (Karla {k})")
    return ratio


def main(args: argparse.Namespace) -> dict[str, Any]:
    plan = replace(Plan.quick() if args.quick else Plan.full(), quiet_wait_s=args.quiet_wait)
    systems = [s for s in (KARLA, PIPECAT) if s in args.systems]
    report: dict[str, Any] = {"plan": asdict(plan), "machine": machine()}
    if KARLA in systems and not bots.karla_available():
        print(
            "Karla's media server (media_server/__main__.py) is not there yet: pipecat only",
            flush=True,
        )
        systems.remove(KARLA)
        report["karla_missing"] = True
    pipecat_python = None
    if PIPECAT in systems:
        from bench import venv

        pipecat_python = venv.ensure()
        report["pipecat_venv"] = venv.pip_freeze()
    bot_core, loadgen_core = bots.cores()
    print(
        f"\nside by side: bot on core {bot_core}, load generator on core {loadgen_core}; "
        f"{plan.hold_s:.0f} s measured per step, ramp N/100 s",
        flush=True,
    )
    steps, capacity = capacity_search(systems, plan, pipecat_python)
    report["steps"] = steps
    report["capacity"] = capacity
    report["ratio"] = print_capacity(capacity)
    if KARLA in systems and not args.skip_karla_extras:
        lat = VENDOR_LATENCY
        print(
            f"\nKarla with vendor latencies modelled (STT final {lat.stt_final_ms} ms, LLM first"
            f" token {lat.llm_first_token_ms} ms, TTS first byte {lat.tts_first_byte_ms} ms), "
            f"{plan.vendor_calls} calls:",
            flush=True,
        )
        print(HEADER)
        vendor = vendor_latency_run(plan)
        report["vendor_latency"] = vendor
        if "latency_ms" in vendor:
            v2v = vendor["latency_ms"]
            print(
                f"  voice-to-voice p50 {v2v['p50']:.0f} ms, p95 {v2v['p95']:.0f} ms "
                f"(modelled vendor latencies add {VENDOR_LATENCY.total_ms} ms)",
                flush=True,
            )
        print(
            f"\nsoak: {plan.soak_calls} calls through one Karla process, "
            f"{plan.soak_lanes} at a time:",
            flush=True,
        )
        report["soak"] = soaked = soak(plan)
        print(
            f"  RSS at start {soaked['rss_start_mb']:.1f} MB, at end {soaked['rss_end_mb']:.1f} "
            f"MB; {soaked['completed_calls']} calls completed, {soaked['failed_connects']} "
            f"failed, {soaked['unanswered_turns']} unanswered, "
            f"{soaked['elapsed_s']:.0f} s",
            flush=True,
        )
        if soaked["second_half_kb_per_call"] is not None:
            print(
                "  growth over the second half: "
                f"{soaked['second_half_kb_per_call']:.2f} KB per call",
                flush=True,
            )
    return report


def machine() -> dict[str, Any]:
    return {
        "cpu": procstat.cpu_model(),
        "cpus": len(bots.os.sched_getaffinity(0)),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true", help="shorter windows, smaller ladder")
    parser.add_argument("--systems", nargs="+", default=[KARLA, PIPECAT], choices=[KARLA, PIPECAT])
    parser.add_argument(
        "--skip-karla-extras", action="store_true", help="no vendor-latency run and no soak"
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=20.0,
        metavar="SECONDS",
        help="on a shared machine, how long each step may wait for other processes to go quiet",
    )
