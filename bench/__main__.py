"""`python -m bench [text|codecs|side-by-side|all] [--quick] [--json PATH]`.

- text: Karla's text path (offline agent decisions, whole calls through the local stack).
- codecs: per-frame cost of the media plane's audio path.
- side-by-side: Karla's media server and a pipecat 1.14 bot under the same phone-caller
  load, each on one core; vendor-latency run; soak (bench/side_by_side.py).
- all (the default, what `make bench` runs): the three in that order.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

from bench import side_by_side


def _finite(value: Any) -> Any:
    """JSON has no NaN or Infinity: write them as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


COMMANDS = ("text", "codecs", "side-by-side", "all")


def parse_args(argv: list[str]) -> argparse.Namespace:
    from bench import text_path

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", type=Path, help="write every figure to this file")
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    text = sub.add_parser("text", parents=[common], help="Karla's text path")
    text_path.add_arguments(text)
    sub.add_parser("codecs", parents=[common], help="audio path cost per frame")
    sbs = sub.add_parser("side-by-side", parents=[common], help="Karla vs pipecat, same load")
    side_by_side.add_arguments(sbs)
    every = sub.add_parser("all", parents=[common], help="text, codecs and side-by-side")
    text_path.add_arguments(every)
    side_by_side.add_arguments(every)
    if not any(word in COMMANDS for word in argv) and not {"-h", "--help"} & set(argv):
        argv = ["all", *argv]
    return parser.parse_args(argv)


def main() -> None:
    args = parse_args(sys.argv[1:])
    command = args.command
    report: dict[str, Any] = {}
    if command in ("text", "all"):
        from bench import text_path

        print("== text path ==", flush=True)
        report["text"] = text_path.run_sync(args)
    if command in ("codecs", "all"):
        from bench import audio_codecs

        print("\n== audio codecs ==", flush=True)
        report["codecs_us_per_frame"] = audio_codecs.main()
    if command in ("side-by-side", "all"):
        print("\n== side by side: Karla vs pipecat 1.14 ==", flush=True)
        report["side_by_side"] = side_by_side.main(args)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(_finite(report), indent=2, ensure_ascii=False))
        print(f"\nwritten {args.json}")


if __name__ == "__main__":
    main()
