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


def _demo(args: argparse.Namespace) -> int:
    from kiotsync.demo import run_demo

    return run_demo(
        host=args.host,
        port=args.port,
        kiotviet_port=args.kiotviet_port,
        haravan_port=args.haravan_port,
        data_dir=args.data_dir,
        keep_data=args.keep_data,
    )


def _migrate(args: argparse.Namespace) -> int:
    from kiotsync.runtime import migrate, setup_django

    setup_django()
    migrate()
    return 0


def _serve(args: argparse.Namespace) -> int:
    import waitress

    from kiotsync.runtime import setup_django, wsgi_app

    setup_django()
    # Waitress drops every X-Forwarded-* header unless it comes from a trusted proxy; Django
    # needs X-Forwarded-Proto from the TLS proxy to know a request came over HTTPS (HSTS,
    # CSRF's Referer check, secure redirects: kiotsync.security, docs/deploy.md).
    proxy: dict[str, object] = {}
    if args.trusted_proxy:
        proxy = {"trusted_proxy": args.trusted_proxy, "trusted_proxy_headers": {"x-forwarded-proto"}}
    waitress.serve(
        wsgi_app(), host=args.host, port=args.port, threads=args.threads, ident="kiotsync", **proxy
    )
    return 0


def _worker(args: argparse.Namespace) -> int:
    from kiotsync.runtime import run_worker, setup_django

    setup_django()
    run_worker(workers=args.workers)
    return 0


def _bench(args: argparse.Namespace) -> int:
    from kiotsync.bench import run

    return run(args.scenario, list(args.options))


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

    demo = sub.add_parser("demo", help="app + worker + both emulators seeded with a sample shop")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--kiotviet-port", type=int, default=8101)
    demo.add_argument("--haravan-port", type=int, default=8102)
    demo.add_argument("--data-dir", default=None, help="default ./.kiotsync/demo (wiped at start)")
    demo.add_argument("--keep-data", action="store_true", help="do not wipe the demo database")
    demo.set_defaults(func=_demo)

    mig = sub.add_parser("migrate", help="apply database migrations")
    mig.set_defaults(func=_migrate)

    serve = sub.add_parser("serve", help="production web process (configured from the environment)")
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--threads", type=int, default=8)
    serve.add_argument(
        "--trusted-proxy",
        default="127.0.0.1",
        help="address of the reverse proxy whose X-Forwarded-Proto is believed ('*': any, '': none)",
    )
    serve.set_defaults(func=_serve)

    worker = sub.add_parser("worker", help="background worker (run any number)")
    worker.add_argument("--workers", type=int, default=None)
    worker.set_defaults(func=_worker)

    bench = sub.add_parser("bench", help="run a benchmark on emulators (last line: one JSON object)")
    bench.add_argument("scenario", help="catalog | stock-burst | orders | chaos | tenants")
    bench.add_argument("options", nargs=argparse.REMAINDER, help="scenario options (--help for each)")
    bench.set_defaults(func=_bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    result = args.func(args)
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
