"""`python -m media_server [--host H] [--port P]`: the media server (ECS in production).

Needs DATABASE_URL, REDIS_URL, MEDIA_TOKEN_SECRET (shared with the dispatcher) and
API_TOKEN (for /metrics); see `process.py` for start-up checks and the drain.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from shared.config import SettingsError, load_settings
from shared.observability.logging import configure_logging

from .process import serve_media


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m media_server", description=__doc__)
    parser.add_argument("--host", help="listen address (default MEDIA_HOST)")
    parser.add_argument("--port", type=int, help="listen port (default MEDIA_PORT)")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"media_server: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    try:
        host = args.host or settings.media_host
        port = settings.media_port if args.port is None else args.port  # 0: any free port
        return asyncio.run(serve_media(settings, host, port))
    except SettingsError as exc:
        print(f"media_server: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
