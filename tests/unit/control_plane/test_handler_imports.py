"""A cold start pays for imports only: no handler connects to anything when imported."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_importing_the_control_plane_handlers_connects_nowhere() -> None:
    # Addresses that refuse at once: a connection attempt at import would fail the import.
    env = {
        **os.environ,
        "DATABASE_URL": "postgresql://karla@127.0.0.1:9/none",
        "REDIS_URL": "redis://:pw@127.0.0.1:9/0",
        "DISPATCH_QUEUE_URL": "http://127.0.0.1:9/000000000000/karla-dispatch",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    code = (
        "import functions.dispatcher.handler as d, functions.scheduler.handler as s, "
        "functions.call_events.handler as c; "
        "assert all(callable(m.handler) for m in (d, s, c))"
    )

    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=False)

    assert done.returncode == 0
