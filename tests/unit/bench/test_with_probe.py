import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]

BOT = """
import asyncio, sys

async def main():
    for _ in range(100):  # a few loop turns: the probe task starts on the first
        await asyncio.sleep(0)
    names = {task.get_name() for task in asyncio.all_tasks()}
    print(type(asyncio.get_running_loop()).__module__, "bench-lag-probe" in names)

if sys.argv[1:] == ["uvloop"]:
    import uvloop
    uvloop.run(main())
else:
    asyncio.run(main())
"""


@pytest.mark.parametrize(("loop", "module"), [("asyncio", "asyncio"), ("uvloop", "uvloop")])
def test_the_probe_runs_in_the_bots_own_loop_whichever_loop_it_is(tmp_path, loop, module):
    (tmp_path / "fake_bot.py").write_text(BOT)
    lag_file = tmp_path / "lag.bin"
    run = subprocess.run(
        [sys.executable, "-m", "bench.with_probe", "--lag-file", str(lag_file), "fake_bot", loop],
        cwd=REPO,
        env={"PYTHONPATH": f"{REPO}:{tmp_path}"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    loop_module, probed = run.stdout.split()
    assert loop_module.startswith(module)
    assert probed == "True"
    assert lag_file.exists()
