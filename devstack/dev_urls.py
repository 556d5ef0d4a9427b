"""Where the running dev stack is: what `karla dev` writes and `karla call` reads.

Kept apart from the stack itself so `karla call` starts without importing the servers.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

from shared.config import Settings

WEBHOOK_PATH = "/webhooks/ringcentral"  # the call_events route, as in template.yaml
CLOCK_PATH = "/_dev/clock"  # read (GET) or move (POST) the dev clock


def stack_file(settings: Settings) -> Path:
    return settings.state_dir / "dev" / "stack.json"


@dataclass(frozen=True)
class DevUrls:
    """How to reach the running stack; `karla call` reads them from the stack file."""

    api: str
    token: str
    client_mock: str
    media: str
    emulator: str
    gateway: str
    sqs: str
    queue: str

    @classmethod
    def read(cls, path: Path) -> DevUrls:
        return cls(**json.loads(path.read_text(encoding="utf-8")))

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(dataclasses.asdict(self), indent=2), encoding="utf-8")
        path.chmod(0o600)  # it holds the API token
