"""`karla`: the command line of the local stack (demo, dev stack, calls on it, scenario
runs, mock, API, media server, stop)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from shared.config import SettingsError, load_settings
from shared.observability.logging import configure_logging

from .dev_call import add_call_arguments


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="karla", description="Karla, the voice agent that checks trip legs with drivers."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands.add_parser("demo", help="place simulated calls end to end on the local stack")

    run_eval = commands.add_parser("eval", help="score conversation scenarios from a file")
    run_eval.add_argument("path", type=Path, help="scenario file (YAML, format version 1)")
    run_eval.add_argument("--json", type=Path, dest="json_out", help="also write a JSON report")
    run_eval.add_argument("--only", action="append", help="run only this scenario id")
    run_eval.add_argument(
        "--voice",
        action="store_true",
        help="play the calls as real-time audio through the media server (slower)",
    )

    mock = commands.add_parser("mock-client-api", help="serve the client-system mock")
    mock.add_argument("--host", default="127.0.0.1")
    mock.add_argument("--port", type=int, default=8081)
    mock.add_argument("--seed", type=Path, help="trips to load (YAML or JSON)")
    mock.add_argument("--token", help="require this bearer token")

    api = commands.add_parser("api", help="serve the trigger API with uvicorn")
    api.add_argument("--host", default="127.0.0.1")
    api.add_argument("--port", type=int, default=8080)

    media = commands.add_parser("media-server", help="serve the media server (telephony sockets)")
    media.add_argument("--host", help="listen address (default MEDIA_HOST)")
    media.add_argument("--port", type=int, help="listen port (default MEDIA_PORT)")

    dev = commands.add_parser("dev", help="run the whole stack on this machine until Ctrl-C")
    dev.add_argument("--numbers", type=Path, help="the dev numbers file (YAML)")
    dev.add_argument("--any-ports", action="store_true", help="free ports instead of 8080...")
    dev.add_argument(
        "--tick", type=float, default=5.0, help="seconds between scheduler runs (0: on jumps only)"
    )
    dev.add_argument(
        "--keep-data", action="store_true", help="use the database as is (default: a fresh one)"
    )

    add_call_arguments(
        commands.add_parser("call", help="place a call on the running dev stack, live")
    )

    commands.add_parser("stop", help="stop embedded Postgres/Redis left running")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"karla: {exc}", file=sys.stderr)
        return 2
    # The demo and the scenario runner print conversations; their logs stay out of the way
    # unless LOG_LEVEL asks for them.
    quiet = args.command in ("demo", "eval", "call") and "LOG_LEVEL" not in os.environ
    configure_logging("WARNING" if quiet else settings.log_level, json_output=False)
    try:
        if args.command == "demo":
            from .demo import run_demo

            return asyncio.run(run_demo(settings))
        if args.command == "eval":
            from .scenario_calls import run_eval

            return asyncio.run(
                run_eval(settings, args.path, args.json_out, args.only, voice=args.voice)
            )
        if args.command == "mock-client-api":
            return _serve_mock(args)
        if args.command == "api":
            from .api_server import serve_api

            return asyncio.run(serve_api(settings, args.host, args.port))
        if args.command == "media-server":
            from .api_server import serve_media_locally

            host = args.host or settings.media_host
            return asyncio.run(
                serve_media_locally(settings, host, args.port or settings.media_port)
            )
        if args.command == "dev":
            from .dev_command import run_dev

            return asyncio.run(
                run_dev(
                    settings,
                    args.numbers,
                    any_ports=args.any_ports,
                    tick_seconds=args.tick,
                    keep_data=args.keep_data,
                )
            )
        if args.command == "call":
            from .dev_call import run_call

            return asyncio.run(run_call(settings, args))
        if args.command == "stop":
            from .services import stop_embedded

            stopped = stop_embedded(settings.state_dir)
            print("stopped: " + (", ".join(stopped) or "nothing was running"))
            return 0
    except KeyboardInterrupt:
        return 130
    return 2


def _serve_mock(args: argparse.Namespace) -> int:
    from shared.client_api import SeedError, serve_mock

    try:
        print(f"client-system mock on http://{args.host}:{args.port}/trips", flush=True)
        asyncio.run(serve_mock(args.host, args.port, args.seed, args.token))
    except SeedError as exc:
        print(f"karla mock-client-api: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"karla mock-client-api: cannot listen on {args.host}:{args.port}: {exc}")
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
