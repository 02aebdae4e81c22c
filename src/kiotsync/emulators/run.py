"""Run one emulator alone on a socket (``kiotsync emulator kiotviet|haravan``)."""

from __future__ import annotations

import contextlib
import json

from .common import Clock, serve_forever

DEFAULT_PORTS = {"kiotviet": 8101, "haravan": 8102}


def create(platform: str, time_scale: float = 1.0):  # type: ignore[no-untyped-def]
    clock = Clock(time_scale=time_scale)
    if platform == "kiotviet":
        from .kiotviet import create_app as create_kv

        return create_kv(clock=clock)
    if platform == "haravan":
        from .haravan import create_app as create_hv

        return create_hv(clock=clock)
    raise ValueError(f"unknown platform {platform!r}")


def run_emulator(
    platform: str,
    host: str = "127.0.0.1",
    port: int | None = None,
    preset: str = "demo",
    seed: int = 1,
    time_scale: float = 1.0,
) -> int:
    port = port or DEFAULT_PORTS[platform]
    app = create(platform, time_scale)
    base_url = f"http://{host}:{port}"
    creds = app.control_seed({"preset": preset, "seed": seed, "base_url": base_url})
    print(f"{platform} emulator on {base_url} (preset={preset}, seed={seed}, time_scale={time_scale})")
    print("credentials:", json.dumps(creds, ensure_ascii=False, indent=2))
    print("control plane:", f"{base_url}/_emulator/", "— Ctrl-C to stop", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        serve_forever(app, host, port)
    return 0
