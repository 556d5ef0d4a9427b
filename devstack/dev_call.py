"""`karla call`: place one call on the running dev stack and follow it live.

Outbound, it triggers the call over HTTP (`POST /api/calls`) as the client's system would;
`--inbound`, it has the telephony emulator make the driver phone Karla. Either way it then
reads the call back (`GET /api/calls/{id}`, four times a second) and prints what happens
as it happens: status changes, each turn of the conversation, each tool call, and the end
(outcome, why, the trip in the client system). How the driver's phone behaves comes from
the dev numbers file; `--say` / `--lines` give his lines for this call instead (the
emulator's admin endpoint scripts the number to answer and say them).

Exit status: 0 when the call completed (a conversation took place), 1 when it ended
otherwise (unreachable, failed), 2 for bad arguments, 3 when the stack cannot be reached
or refuses the request, 4 when the call did not end within `--timeout`.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from shared.config import Settings
from shared.domain.phone import InvalidPhoneNumber, normalize_mx_phone

from .dev_urls import CLOCK_PATH, DevUrls, stack_file

POLL_SECONDS = 0.25
FINAL = ("completed", "unreachable", "failed")
_SPEAKERS = {"karla": "Karla ", "driver": "Chofer", "system": "Sistema"}


class CallFailed(Exception):
    """The call could not be placed or followed; `code` is the exit status."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Target:
    api: str
    token: str
    emulator: str
    gateway: str
    client_mock: str
    zone: ZoneInfo


def add_call_arguments(call: argparse.ArgumentParser) -> None:
    call.add_argument("--driver", help="driver id (outbound)")
    call.add_argument("--trip", help="trip id (outbound)")
    call.add_argument("--phone", required=True, help="the driver's phone")
    call.add_argument("--name", help="driver name Karla greets")
    call.add_argument("--inbound", action="store_true", help="the driver calls Karla instead")
    call.add_argument("--say", action="append", help="a line the driver says (repeatable)")
    call.add_argument("--lines", type=Path, help="the driver's lines, one per line of the file")
    call.add_argument("--api", help="trigger API URL (default: from the stack file)")
    call.add_argument("--token", help="API token (default: from the stack file)")
    call.add_argument("--emulator", help="telephony emulator URL (default: from the stack file)")
    call.add_argument("--timeout", type=float, default=300.0, help="give up after seconds")


async def run_call(settings: Settings, args: argparse.Namespace) -> int:
    try:
        target = _target(settings, args)
        phone = _phone(args.phone)
        lines = _lines(args)
        async with httpx.AsyncClient(timeout=10.0) as http:
            call_id = await _place(http, target, args, phone, lines)
            status = await asyncio.wait_for(_follow(http, target, call_id), args.timeout)
    except CallFailed as exc:
        print(f"karla call: {exc}", file=sys.stderr)
        return exc.code
    except TimeoutError:
        print(f"karla call: the call did not end within {args.timeout:g} s", file=sys.stderr)
        return 4
    return 0 if status == "completed" else 1


def _target(settings: Settings, args: argparse.Namespace) -> Target:
    path = stack_file(settings)
    urls: DevUrls | None = None
    if path.exists():
        urls = DevUrls.read(path)
    elif not (args.api and args.token):
        raise CallFailed(
            f"the dev stack is not running (no {path}); start it with `make dev`, "
            "or pass --api and --token",
            3,
        )
    return Target(
        api=(args.api or (urls.api if urls else "")).rstrip("/"),
        token=args.token or (urls.token if urls else ""),
        emulator=(args.emulator or (urls.emulator if urls else "")).rstrip("/"),
        gateway=urls.gateway if urls else "",
        client_mock=urls.client_mock if urls else "",
        zone=ZoneInfo(settings.timezone),
    )


def _phone(raw: str) -> str:
    try:
        return normalize_mx_phone(raw)
    except InvalidPhoneNumber as exc:
        raise CallFailed(f"--phone: {exc}", 2) from None


def _lines(args: argparse.Namespace) -> list[str] | None:
    if args.say and args.lines:
        raise CallFailed("give the driver's lines with --say or --lines, not both", 2)
    if args.lines:
        try:
            text = Path(args.lines).read_text(encoding="utf-8")
        except OSError as exc:
            raise CallFailed(f"--lines: {exc}", 2) from None
        lines = [line.strip() for line in text.splitlines()]
        return [line for line in lines if line and not line.startswith("#")]
    return list(args.say) if args.say else None


async def _place(
    http: httpx.AsyncClient,
    target: Target,
    args: argparse.Namespace,
    phone: str,
    lines: list[str] | None,
) -> str:
    if args.inbound:
        return await _call_in(http, target, phone, lines)
    if not args.driver or not args.trip:
        raise CallFailed("an outbound call needs --driver and --trip (or use --inbound)", 2)
    if lines is not None:
        await _admin(http, "PUT", f"{target.emulator}/_emulator/numbers/{phone}", {
            "behaviour": "answer", "says": lines,
        })  # fmt: skip
    body: dict[str, Any] = {"driver_id": args.driver, "trip_id": args.trip, "phone": phone}
    if args.name:
        body["driver_name"] = args.name
    answer = await _api(
        http,
        target,
        "POST",
        "/api/calls",
        json=body,
        headers={"Idempotency-Key": f"karla-call-{uuid.uuid4()}"},
    )
    call_id = str(answer["call_id"])
    note = " (an open call for this driver and trip: following it)" if answer["replayed"] else ""
    print(f"Llamada {call_id} a {phone}: {answer['status']}{note}", flush=True)
    return call_id


async def _call_in(
    http: httpx.AsyncClient, target: Target, phone: str, lines: list[str] | None
) -> str:
    since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    body: dict[str, Any] = {"from": phone}
    if lines is not None:
        body["says"] = lines
    placed = await _admin(http, "POST", f"{target.emulator}/_emulator/inbound", body)
    print(f"{phone} llama a Karla (sesión {placed['telephony_session_id']})...", flush=True)
    while True:  # the webhook records the call as it rings; bounded by --timeout
        page = await _api(
            http,
            target,
            "GET",
            "/api/calls",
            params={"created_from": since.isoformat(), "limit": 50},
        )
        for item in page["items"]:
            if item["direction"] == "inbound" and item["phone"] == phone:
                print(f"Llamada entrante {item['call_id']}", flush=True)
                return str(item["call_id"])
        await asyncio.sleep(POLL_SECONDS)


@dataclass
class _Seen:
    status: str = ""
    attempts: int = 0
    turns: int = 0
    tools: int = 0
    shown: set[int] = field(default_factory=set)


async def _follow(http: httpx.AsyncClient, target: Target, call_id: str) -> str:
    """Print the call as it unfolds; return its final status."""
    seen = _Seen()
    while True:
        call = await _api(http, target, "GET", f"/api/calls/{call_id}")
        _show_progress(call, seen, target)
        if call["status"] in FINAL:
            await _show_end(http, target, call)
            return str(call["status"])
        await asyncio.sleep(POLL_SECONDS)


def _show_progress(call: dict[str, Any], seen: _Seen, target: Target) -> None:
    if (call["status"], call["attempts"]) != (seen.status, seen.attempts):
        seen.status, seen.attempts = call["status"], call["attempts"]
        line = f"  [{call['status']}]"
        if call["attempts"]:
            line += f" intento {call['attempts']}"
        if call["status"] in ("retry_scheduled", "waiting_window") and call["next_attempt_at"]:
            at = dt.datetime.fromisoformat(call["next_attempt_at"]).astimezone(target.zone)
            line += f", siguiente a las {at:%H:%M} del {at:%d/%m}"
            if target.gateway:
                line += (
                    f" (adelante el reloj: curl -X POST {target.gateway}{CLOCK_PATH}"
                    ' -d \'{"advance": "30m"}\')'
                )
        print(line, flush=True)
    for turn in call["transcript"]:
        if turn["seq"] in seen.shown:
            continue
        seen.shown.add(turn["seq"])
        cut = "  [interrumpida]" if turn["interrupted"] else ""
        who = _SPEAKERS.get(turn["speaker"], turn["speaker"])
        print(f"  {who}: {turn['text'] or '(silencio)'}{cut}", flush=True)
    for tool in call["tool_calls"][seen.tools :]:
        args = ", ".join(f"{k}={v!r}" for k, v in tool["args"].items())
        print(
            f"  -> {tool['tool']}({args}) {tool['readiness']} en {tool['latency_ms']:.0f} ms",
            flush=True,
        )
    seen.tools = len(call["tool_calls"])


async def _show_end(http: httpx.AsyncClient, target: Target, call: dict[str, Any]) -> None:
    reason = f" ({call['outcome_reason']})" if call["outcome_reason"] else ""
    print(f"Resultado: {call['status']} / {call['outcome'] or '-'}{reason}", flush=True)
    if call["outcome"] == "transferred" and target.emulator:
        await _show_human(http, target, call)
    if call["trip_id"] and target.client_mock:
        response = await http.get(f"{target.client_mock}/trips/{call['trip_id']}")
        if response.status_code == 200:
            trip = response.json()
            print(
                f"Viaje {trip['trip_id']} en el sistema del cliente: {trip['origin']} -> "
                f"{trip['destination']}, {trip['date']} [{trip['status']}]",
                flush=True,
            )


async def _show_human(http: httpx.AsyncClient, target: Target, call: dict[str, Any]) -> None:
    """Who took the call in the emulator, and the context Karla sent ahead."""
    response = await http.get(f"{target.emulator}/_emulator/transfers")
    if response.status_code != 200:
        return
    for taken in reversed(response.json()):
        briefing = taken.get("briefing") or {}
        ours = briefing.get("call_id") == str(call["call_id"])
        if ours or (taken["how"] == "forward" and taken["driver_number"] == call["phone"]):
            context = f": «{briefing['summary']}»" if briefing.get("summary") else ""
            print(f"La tomó {taken['agent']} ({taken['how']}){context}", flush=True)
            return


async def _api(
    http: httpx.AsyncClient, target: Target, method: str, path: str, **options: Any
) -> Any:
    headers = {"Authorization": f"Bearer {target.token}", **options.pop("headers", {})}
    return await _request(http, method, target.api + path, headers=headers, **options)


async def _admin(http: httpx.AsyncClient, method: str, url: str, body: dict[str, Any]) -> Any:
    if not url.startswith("http"):
        raise CallFailed("the emulator's URL is unknown: pass --emulator", 2)
    return await _request(http, method, url, json=body)


async def _request(http: httpx.AsyncClient, method: str, url: str, **options: Any) -> Any:
    try:
        response = await http.request(method, url, **options)
    except httpx.HTTPError as exc:
        raise CallFailed(f"cannot reach {url}: {exc} (is `make dev` running?)", 3) from None
    if response.status_code >= 400:
        try:
            detail = response.json()
            reason = detail.get("reason") or detail.get("message") or response.text
        except ValueError:
            reason = response.text
        raise CallFailed(f"{method} {url} answered {response.status_code}: {reason}", 3)
    return response.json() if response.content else None
