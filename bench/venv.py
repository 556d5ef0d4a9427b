"""The bench-only virtualenv that runs the pipecat bot: `bench/.venv-pipecat` (gitignored).

pipecat is not a dependency of Karla: it is installed from PyPI here, once, with pins for
everything it and its Twilio WebSocket path (FastAPI transport, served by uvicorn) pull in,
so both sides of the table are measured against the same code on every machine. The venv
is rebuilt when the pins change. `python -m bench.venv` builds it on its own.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENV = HERE / ".venv-pipecat"
PIPECAT = "pipecat-ai[websocket]==1.14.0"
CONSTRAINTS = HERE / "pipecat_bot" / "constraints.txt"
# uvicorn is what pipecat's own runner serves its FastAPI app with (the "runner" extra);
# the rest of that extra (prebuilt web client) has nothing to do with a phone bot.
EXTRA = ("uvicorn==0.54.0",)


def python() -> Path:
    return VENV / "bin" / "python"


def _stamp() -> str:
    pins = "\n".join((PIPECAT, *EXTRA, CONSTRAINTS.read_text()))
    return hashlib.sha256(pins.encode()).hexdigest()[:16]


def ensure(quiet: bool = True) -> Path:
    """Create or reuse the venv; return its python."""
    marker = VENV / f".installed-{_stamp()}"
    if marker.exists():
        return python()
    print(f"bench: installing {PIPECAT} into {VENV.relative_to(HERE.parent)} (once)", flush=True)
    if not python().exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    for old in VENV.glob(".installed-*"):
        old.unlink()
    pip = [str(python()), "-m", "pip", "install", "--disable-pip-version-check"]
    if quiet:
        pip.append("-qq")  # errors only
    subprocess.run([*pip, "-c", str(CONSTRAINTS), PIPECAT, *EXTRA], check=True)
    marker.touch()
    return python()


def pip_freeze() -> list[str]:
    out = subprocess.run(
        [str(python()), "-m", "pip", "freeze", "--disable-pip-version-check"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return out.split()


if __name__ == "__main__":
    print(ensure(quiet=False))
