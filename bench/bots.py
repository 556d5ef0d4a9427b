"""Start and stop the two bots under test, each pinned to one core, each with the lag probe.

Both run through `python -m bench.with_probe --lag-file F MODULE ...`, so the event-loop lag
is measured by the same code inside each bot's own loop:

- Karla: `python -m media_server --host 127.0.0.1 --port P` from Karla's virtualenv, with
  the `loadtest` providers (the media-server contract for the benchmark).
- pipecat: `python -m bench.pipecat_bot` from the bench-only virtualenv (bench/venv.py).
"""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
KARLA = "karla"
PIPECAT = "pipecat"


@dataclass(frozen=True)
class VendorLatency:
    """Latencies the loadtest providers add, in ms (zero for the side-by-side table)."""

    stt_final_ms: int = 0
    llm_first_token_ms: int = 0
    tts_first_byte_ms: int = 0

    @property
    def total_ms(self) -> int:
        return self.stt_final_ms + self.llm_first_token_ms + self.tts_first_byte_ms

    def env(self) -> dict[str, str]:
        return {
            "LOADTEST_STT_LATENCY_MS": str(self.stt_final_ms),
            "LOADTEST_LLM_FIRST_TOKEN_MS": str(self.llm_first_token_ms),
            "LOADTEST_TTS_FIRST_BYTE_MS": str(self.tts_first_byte_ms),
        }


def karla_available() -> bool:
    """Whether Karla's media server has its `python -m media_server` entry point yet."""
    try:
        return importlib.util.find_spec("media_server.__main__") is not None
    except ImportError:
        return False


def cores() -> tuple[int | None, int | None]:
    """(bot core, load generator core): the last and the first CPU this process may use."""
    allowed = sorted(os.sched_getaffinity(0))
    if len(allowed) < 2:
        return None, None  # one CPU: nothing to separate, pinning would only hide that
    return allowed[-1], allowed[0]


def pinned(core: int | None) -> object:
    def pin() -> None:
        if core is not None:
            os.sched_setaffinity(0, {core})

    return pin


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Bot:
    system: str
    port: int
    process: subprocess.Popen[bytes]
    lag_file: Path
    log_file: Path
    _tmp: tempfile.TemporaryDirectory[str] = field(repr=False)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/twilio"

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=8)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def cleanup(self) -> None:
        self.stop()
        self._tmp.cleanup()


class BotFailed(RuntimeError):
    pass


def start_bot(
    system: str,
    pipecat_python: Path | None,
    extra_env: Mapping[str, str] | None = None,
    core: int | None = None,
) -> Bot:
    tmp = tempfile.TemporaryDirectory(prefix=f"bench-{system}-")
    lag_file = Path(tmp.name) / "lag.bin"
    log_file = Path(tmp.name) / "bot.log"
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **(extra_env or {})}
    probe = ["-m", "bench.with_probe", "--lag-file", str(lag_file)]
    if system == KARLA:
        argv = [sys.executable, *probe, "media_server", "--host", "127.0.0.1", "--port", str(port)]
        env.update(
            {
                "STT_PROVIDER": "loadtest",
                "LLM_PROVIDER": "loadtest",
                "TTS_PROVIDER": "loadtest",
                "MEDIA_ACCEPT_UNBOUND_TOKENS_FOR_LOADTEST": "true",
            }
        )
        env.setdefault("LOG_LEVEL", "WARNING")
    elif system == PIPECAT:
        assert pipecat_python is not None
        argv = [str(pipecat_python), *probe, "bench.pipecat_bot", "--port", str(port)]
    else:
        raise ValueError(system)
    with log_file.open("wb") as log:
        process = subprocess.Popen(
            argv,
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=pinned(core),  # noqa: PLW1509 (no threads started yet here)
        )
    bot = Bot(system, port, process, lag_file, log_file, tmp)
    try:
        _wait_listening(bot, timeout_s=90)
    except BotFailed:
        bot.cleanup()
        raise
    return bot


def _wait_listening(bot: Bot, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if bot.process.poll() is not None:
            raise BotFailed(f"{bot.system} exited ({bot.process.returncode}):\n{bot.log_tail()}")
        try:
            with socket.create_connection(("127.0.0.1", bot.port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise BotFailed(f"{bot.system} not listening after {timeout_s:.0f} s:\n{bot.log_tail()}")
