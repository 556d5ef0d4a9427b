"""Prometheus metrics of both planes, in one registry per process.

Latency histograms use buckets dense below one second, where voice-agent budgets live, so
p50/p95/p99 read well with `histogram_quantile`.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

REGISTRY = CollectorRegistry(auto_describe=True)

_LATENCY_BUCKETS = (
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0,
    5.0, 10.0,
)  # fmt: skip

HTTP_REQUESTS = Counter(
    "karla_http_requests_total",
    "HTTP requests served, by route template and status code.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
HTTP_LATENCY = Histogram(
    "karla_http_request_duration_seconds",
    "Time to answer an HTTP request.",
    ["method", "route"],
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
TOOL_DISPATCH = Counter(
    "karla_tool_dispatch_total",
    "ToolDispatcher readiness: ready (executed), refused (not allowed), failed (errored).",
    ["tool", "readiness"],
    registry=REGISTRY,
)
TOOL_LATENCY = Histogram(
    "karla_tool_latency_seconds",
    "Time to execute a tool call, client API included.",
    ["tool"],
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
CLIENT_API_REQUESTS = Counter(
    "karla_client_api_requests_total",
    "Requests to the client's /trips API by operation and outcome.",
    ["operation", "outcome"],
    registry=REGISTRY,
)
CALLS_TRIGGERED = Counter(
    "karla_calls_triggered_total",
    "Calls accepted by the trigger API (replays of an Idempotency-Key excluded).",
    registry=REGISTRY,
)
CALLS_FINISHED = Counter(
    "karla_calls_finished_total",
    "Calls that reached an outcome.",
    ["outcome"],
    registry=REGISTRY,
)
LIVE_CALLS = Gauge(
    "karla_live_calls", "Calls with a driver on the line right now.", registry=REGISTRY
)
TURNS = Counter(
    "karla_turns_total", "Conversation turns by speaker.", ["speaker"], registry=REGISTRY
)
RATE_LIMITED = Counter(
    "karla_rate_limited_total",
    "Requests refused by a token bucket.",
    ["scope"],
    registry=REGISTRY,
)
AGENT_FALLBACKS = Counter(
    "karla_agent_fallbacks_total",
    "Turns handed from the configured agent to the offline dialogue manager.",
    ["provider", "reason"],
    registry=REGISTRY,
)
STT_LATENCY = Histogram(
    "karla_stt_latency_seconds",
    "End of driver speech to final transcript.",
    ["provider"],
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
LLM_FIRST_TOKEN = Histogram(
    "karla_llm_first_token_seconds",
    "Agent request to first token.",
    ["provider"],
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
LLM_TOTAL = Histogram(
    "karla_llm_total_seconds",
    "Agent request to last token.",
    ["provider"],
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
TTS_FIRST_BYTE = Histogram(
    "karla_tts_first_byte_seconds",
    "Text sent to TTS until its first audio byte.",
    ["provider"],
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
VOICE_TO_VOICE = Histogram(
    "karla_voice_to_voice_seconds",
    "End of driver speech to Karla's first audio frame out.",
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
BARGE_INS = Counter("karla_barge_ins_total", "Times the driver cut Karla off.", registry=REGISTRY)


def render_metrics() -> tuple[bytes, str]:
    """The exposition body and its content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
