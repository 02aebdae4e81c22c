"""The ``kiotsync`` command: demo, emulators, web, worker, migrations and benchmarks."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _emulator(args: argparse.Namespace) -> int:
    from kiotsync.emulators.run import run_emulator

    return run_emulator(
        args.platform,
        host=args.host,
        port=args.port,
        preset=args.preset,
        seed=args.seed,
        time_scale=args.time_scale,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiotsync", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    emu = sub.add_parser("emulator", help="run one platform emulator alone")
    emu.add_argument("platform", choices=["kiotviet", "haravan"])
    emu.add_argument("--host", default="127.0.0.1")
    emu.add_argument("--port", type=int, default=None, help="default 8101 (kiotviet) / 8102 (haravan)")
    emu.add_argument("--preset", choices=["demo", "empty"], default="demo")
    emu.add_argument("--seed", type=int, default=1)
    emu.add_argument("--time-scale", type=float, default=1.0)
    emu.set_defaults(func=_emulator)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    result = args.func(args)
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
